"""Perceptual hashes of posts' images, and groups of near-identical images.

The same photo reused across ads is strong evidence of one author even after it is resized,
re-encoded or lightly recoloured. Each image gets a 64-bit perceptual hash (pHash, via
``imagehash``: a DCT of a 32x32 greyscale thumbnail, stable under resizing and JPEG
re-encoding); two images are the same photo when their hashes differ in at most
``max_distance`` bits. Near-identical pairs are found without comparing all pairs: split the 64
bits into ``max_distance + 1`` bands; two hashes within that distance agree exactly on at least
one band (pigeonhole), so only hashes sharing a band are compared.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["hash_image", "hash_image_bytes", "image_groups", "resolve_image_path"]

#: Bits of a hash.
BITS = 64


def resolve_image_path(path: str, source: str) -> Path:
    """An image path as written in a post: absolute, or relative to the input file's folder."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(source).parent / candidate


def hash_image(path: Path) -> tuple[int | None, str | None]:
    """``(hash, None)``, or ``(None, reason)`` when the file cannot be read as an image."""
    return _phash(path)


def hash_image_bytes(data: bytes) -> tuple[int | None, str | None]:
    """:func:`hash_image` of an image file's bytes (read elsewhere, e.g. by a Spark executor
    from a Hadoop-compatible file system)."""
    return _phash(io.BytesIO(data))


def _phash(source: Path | io.BytesIO) -> tuple[int | None, str | None]:
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            image.draft("L", (64, 64))  # JPEG decodes at a reduced size: much faster
            digest = imagehash.phash(image.convert("L"))
    except FileNotFoundError:
        return None, "file not found"
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, f"not a readable image: {type(exc).__name__}"
    bits = digest.hash.flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2), None


def _popcount(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    bits = np.unpackbits(values.view(np.uint8).reshape(-1, 8), axis=1)
    return np.asarray(bits.sum(axis=1), dtype=np.int64)


def image_groups(hashes: Sequence[int], max_distance: int) -> npt.NDArray[np.int64]:
    """Group of each hash: hashes within ``max_distance`` bits, transitively, share a group
    (labelled by the smallest index in it)."""
    if not 0 <= max_distance < BITS:
        raise ValueError(f"max_distance must be in [0, {BITS - 1}]")
    values = np.array([int(h) for h in hashes], dtype=np.uint64)
    count = len(values)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    bands = max_distance + 1
    edges = np.linspace(0, BITS, bands + 1).astype(np.int64)
    sources: list[npt.NDArray[np.int64]] = []
    targets: list[npt.NDArray[np.int64]] = []
    for low, high in pairwise(edges.tolist()):
        mask = np.uint64(((1 << (high - low)) - 1) << low)
        keys = values & mask
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        same = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        if len(same) == 0:
            continue
        # Compare each hash with every later one of its band bucket (buckets are small: one
        # photo's copies), through consecutive runs.
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        lengths = np.diff(np.r_[starts, count])
        for start, length in zip(starts[lengths > 1], lengths[lengths > 1], strict=True):
            members = order[start : start + length]
            left, right = np.triu_indices(len(members), k=1)
            a, b = members[left], members[right]
            close = _popcount(values[a] ^ values[b]) <= max_distance
            sources.append(a[close])
            targets.append(b[close])
    if not sources:
        return np.arange(count, dtype=np.int64)
    a = np.concatenate(sources)
    b = np.concatenate(targets)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    smallest = np.full(component.max() + 1, count, dtype=np.int64)
    np.minimum.at(smallest, component, np.arange(count))
    return np.asarray(smallest[component], dtype=np.int64)
