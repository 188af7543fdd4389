"""The template of a cluster: constant text, slots and per-member fillers, by alignment.

Every member is aligned to one reference, the cluster's medoid, with ``difflib.SequenceMatcher``
over token lists (``autojunk`` off, so frequent tokens still align): cost is linear in the
cluster's size, not quadratic. A reference token is constant when at least ``constant_share``
of the members align to it; a run of non-constant reference tokens between two constant ones,
or a gap where at least a fifth of the members insert tokens, becomes one slot. The template
joins normalised tokens with spaces and writes each slot as :data:`SLOT` ("{…}"). A member's
filler for a slot is its original text between the constant tokens around the slot (empty when
the member has nothing there), so analysts see the names, ages, cities and phones as written.
Class tokens (``_phone_``, ``_num_``, ...) are never template text: a phone or a price is a
slot even when every member has one.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from threadline.cluster.tokens import CLASS_TOKENS, token_spans, tokenize

__all__ = ["SLOT", "Alignment", "align", "fill", "template_of"]

#: How a slot is written in a template.
SLOT: Final = "{…}"

#: A gap between two constant tokens is a slot when at least this share of members (and at least
#: one) put tokens of their own there: one odd member in fifty does not make a slot.
_SLOT_SHARE: Final = 0.2


@dataclass(frozen=True, slots=True)
class Alignment:
    template: str
    #: Per member (in the order given), one filler per slot.
    fillers: tuple[tuple[str, ...], ...]
    #: Number of slots in the template.
    slot_count: int


def _matches(reference: Sequence[str], member: Sequence[str]) -> npt.NDArray[np.int64]:
    """Per reference position, the aligned (equal) member position, or -1."""
    matcher = difflib.SequenceMatcher(None, reference, member, autojunk=False)
    mapped = np.full(len(reference), -1, dtype=np.int64)
    for ref_start, member_start, size in matcher.get_matching_blocks():
        if size:
            mapped[ref_start : ref_start + size] = np.arange(member_start, member_start + size)
    return mapped


def align(
    reference: Sequence[str],
    members: Sequence[tuple[Sequence[str], Sequence[tuple[int, int]], str]],
    constant_share: float,
) -> Alignment:
    """Template and fillers of ``members`` (tokens, token spans, original text) against
    ``reference`` (the medoid's tokens)."""
    if not 0.0 < constant_share <= 1.0:
        raise ValueError("constant_share must be in (0, 1]")
    # Members with the same tokens (reposts) share one alignment: the costly step runs once.
    variant_of: dict[tuple[str, ...], int] = {}
    variants: list[tuple[str, ...]] = []
    member_variant = np.zeros(len(members), dtype=np.int64)
    for index, (tokens, _, _) in enumerate(members):
        key = tuple(tokens)
        number = variant_of.get(key)
        if number is None:
            number = variant_of[key] = len(variants)
            variants.append(key)
        member_variant[index] = number
    width = len(reference)
    mapped = np.full((len(variants), width), -1, dtype=np.int64)
    for number, tokens in enumerate(variants):
        mapped[number] = _matches(reference, tokens)
    lengths = np.array([len(tokens) for tokens in variants], dtype=np.int64)
    weight = np.bincount(member_variant, minlength=len(variants))
    support = ((mapped >= 0) * weight[:, None]).sum(axis=0) if width else np.zeros(0)
    needed = constant_share * max(len(members), 1)
    # Class tokens (_phone_, _num_...) stand for values that differ by nature: always slots.
    anchors = np.array(
        [
            position
            for position, token in enumerate(reference)
            if support[position] >= needed and token not in CLASS_TOKENS
        ],
        dtype=np.int64,
    )
    gaps = _gaps(anchors, width, mapped, lengths, weight, len(members))
    pieces: list[str] = []
    gap_after = {left for left, _ in gaps}
    if -1 in gap_after:
        pieces.append(SLOT)
    for anchor in anchors.tolist():
        pieces.append(reference[anchor])
        if anchor in gap_after:
            pieces.append(SLOT)
    bounds = _filler_bounds(gaps, mapped, lengths)
    fillers = tuple(
        tuple(
            _filler(spans, text, int(start), int(end))
            for start, end in bounds[member_variant[index]]
        )
        for index, (_, spans, text) in enumerate(members)
    )
    return Alignment(" ".join(pieces), fillers, len(gaps))


def _gaps(
    anchors: npt.NDArray[np.int64],
    width: int,
    mapped: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    weight: npt.NDArray[np.int64],
    member_count: int,
) -> list[tuple[int, int]]:
    """The slots as (previous anchor or -1, next anchor or ``width``).

    A gap is a slot when reference tokens lie between its anchors or when at least
    :data:`_SLOT_SHARE` of the members (and at least one) put tokens of their own there. A member
    lacking an anchor does not count: with constants defined by a share of members, some always
    lack one."""
    lefts = np.r_[-1, anchors]
    rights = np.r_[anchors, width]
    variants = len(lengths)
    # Member position just after the left anchor and at the right anchor; -1 where unaligned.
    start = np.full((variants, len(lefts)), 0, dtype=np.int64)
    if len(anchors):
        at_left = mapped[:, anchors]
        start[:, 1:] = np.where(at_left >= 0, at_left + 1, -1)
    end = np.empty((variants, len(rights)), dtype=np.int64)
    end[:, -1] = lengths
    if len(anchors):
        end[:, :-1] = mapped[:, anchors]
    inserted = (start >= 0) & (end >= 0) & (end > start)
    inserted_members = (inserted * weight[:, None]).sum(axis=0)
    slot = (rights - lefts > 1) | (inserted_members >= max(1.0, _SLOT_SHARE * member_count))
    return [(int(a), int(b)) for a, b in zip(lefts[slot], rights[slot], strict=True)]


def _filler_bounds(
    gaps: list[tuple[int, int]], mapped: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Per variant and slot, (last member token before, first member token after) the slot,
    -1 / the variant's length when there is none. An anchor the variant lacks is replaced by
    its nearest aligned token on that side."""
    variants, width = mapped.shape
    out = np.zeros((variants, len(gaps), 2), dtype=np.int64)
    if not gaps:
        return out
    # before[v, p]: member position of the last aligned reference token at or before p.
    before = np.maximum.accumulate(mapped, axis=1) if width else mapped
    big = np.int64(np.iinfo(np.int64).max)
    after = (
        np.minimum.accumulate(np.where(mapped >= 0, mapped, big)[:, ::-1], axis=1)[:, ::-1]
        if width
        else mapped
    )
    for number, (left, right) in enumerate(gaps):
        out[:, number, 0] = before[:, left] if left >= 0 else -1
        out[:, number, 1] = after[:, right] if right < width else big
    out[:, :, 1] = np.minimum(out[:, :, 1], lengths[:, None])
    return out


def _filler(spans: Sequence[tuple[int, int]], text: str, before: int, after: int) -> str:
    """The member's original text between its tokens ``before`` and ``after`` (exclusive)."""
    start_char = spans[before][1] if before >= 0 else 0
    end_char = spans[after][0] if after < len(spans) else len(text)
    if end_char <= start_char or not spans:
        return ""
    return text[start_char:end_char].strip()


def template_of(texts: Sequence[str], medoid: int, constant_share: float) -> Alignment:
    """The alignment of a cluster's member ``texts`` against the member at index ``medoid``.

    Self-contained (texts in, template out), so clusters can be aligned in worker processes."""
    views = [(*token_spans(text), text) for text in texts]
    return align(tokenize(texts[medoid]), views, constant_share)


def fill(template: str, text: str) -> tuple[str, ...]:
    """A new member's fillers for an existing ``template``: the template's constant tokens are
    aligned with the member's tokens and each slot gets the member's text between the
    constants around it, as :func:`align` gives them (the template itself is unchanged)."""
    pieces = template.split(" ") if template else []
    constants = [piece for piece in pieces if piece != SLOT]
    gaps: list[tuple[int, int]] = []
    seen = 0
    for piece in pieces:
        if piece == SLOT:
            gaps.append((seen - 1, seen))
        else:
            seen += 1
    if not gaps:
        return ()
    tokens, spans = token_spans(text)
    mapped = _matches(constants, tokens)[None, :]
    bounds = _filler_bounds(gaps, mapped, np.array([len(tokens)], dtype=np.int64))
    return tuple(_filler(spans, text, int(before), int(after)) for before, after in bounds[0])
