"""MinHash signatures over shingle sets, vectorised with numpy.

Each of ``num_perm`` hash functions is ``h_k(x) = (a_k * mix(x) + b_k) >> 32`` over uint64
arithmetic (wrapping), with ``mix`` the splitmix64 finaliser and odd multipliers ``a_k`` drawn
from ``numpy.random.default_rng(seed)``: deterministic for a seed, and one matrix operation for
all hash functions at once (no Python loop per hash function). The minimum per document comes
from ``np.minimum.reduceat`` over the flat shingle array, in chunks that bound memory.

Signatures depend only on a document's own shingles and the seed, so they can be stored per post
and compared with posts signed later (incremental clustering).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from threadline.cluster.tokens import Shingles

__all__ = ["EMPTY", "document_frequency", "drop_common", "signatures"]

#: The signature value of a document without any (informative) shingle: matches nothing useful.
EMPTY: Final = np.uint32(0xFFFFFFFF)

#: Shingle entries hashed at once: bounds the temporary (entries x num_perm x 8 bytes).
_CHUNK_ENTRIES: Final = 1 << 17

_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: spreads structured shingle codes over all 64 bits."""
    x = values ^ (values >> np.uint64(30))
    x = x * _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def document_frequency(shingles: Shingles) -> npt.NDArray[np.int64]:
    """Per shingle entry, the number of documents of the batch that hold that shingle."""
    _, inverse, counts = np.unique(shingles.values, return_inverse=True, return_counts=True)
    return counts[inverse].astype(np.int64)


def drop_common(shingles: Shingles, df: npt.NDArray[np.int64], cap: int) -> Shingles:
    """``shingles`` without the entries whose document frequency exceeds ``cap`` (boilerplate)."""
    keep = df <= cap
    docs = shingles.doc_ids()[keep]
    counts = np.bincount(docs, minlength=shingles.doc_count)
    offsets = np.zeros(shingles.doc_count + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Shingles(shingles.values[keep], offsets)


def signatures(shingles: Shingles, num_perm: int, seed: int) -> npt.NDArray[np.uint32]:
    """A ``(documents, num_perm)`` uint32 MinHash matrix; empty documents get :data:`EMPTY`."""
    if num_perm < 1:
        raise ValueError("num_perm must be at least 1")
    rng = np.random.default_rng(seed)
    multipliers = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(
        1
    )
    increments = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    out = np.full((shingles.doc_count, num_perm), EMPTY, dtype=np.uint32)
    sizes = shingles.sizes()
    offsets = shingles.offsets
    doc = 0
    total = shingles.doc_count
    while doc < total:
        # Whole documents per chunk, at least one.
        stop = int(np.searchsorted(offsets, offsets[doc] + _CHUNK_ENTRIES, side="right")) - 1
        stop = min(max(stop, doc + 1), total)
        chunk_docs = np.arange(doc, stop)
        filled = chunk_docs[sizes[doc:stop] > 0]
        if len(filled):
            lo, hi = offsets[doc], offsets[stop]
            mixed = _mix(shingles.values[lo:hi])
            hashed = (mixed[:, None] * multipliers[None, :] + increments[None, :]) >> np.uint64(32)
            starts = offsets[filled] - lo
            out[filled] = np.minimum.reduceat(hashed, starts, axis=0).astype(np.uint32)
        doc = stop
    return out
