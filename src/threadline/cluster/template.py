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
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from threadline.cluster.tokens import CLASS_TOKENS

__all__ = ["SLOT", "Alignment", "align"]

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


def _matches(reference: Sequence[str], member: Sequence[str]) -> dict[int, int]:
    """Reference position -> member position for the aligned (equal) tokens."""
    matcher = difflib.SequenceMatcher(None, reference, member, autojunk=False)
    mapping: dict[int, int] = {}
    for ref_start, member_start, size in matcher.get_matching_blocks():
        for offset in range(size):
            mapping[ref_start + offset] = member_start + offset
    return mapping


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
    memo: dict[tuple[str, ...], dict[int, int]] = {}
    mappings: list[dict[int, int]] = []
    for tokens, _, _ in members:
        key = tuple(tokens)
        mapping = memo.get(key)
        if mapping is None:
            mapping = memo[key] = _matches(reference, tokens)
        mappings.append(mapping)
    support = [0] * len(reference)
    for mapping in mappings:
        for position in mapping:
            support[position] += 1
    needed = constant_share * max(len(members), 1)
    # Class tokens (_phone_, _num_...) stand for values that differ by nature: always slots.
    constant = [
        count >= needed and token not in CLASS_TOKENS
        for count, token in zip(support, reference, strict=True)
    ]
    anchors = [position for position, is_constant in enumerate(constant) if is_constant]
    # Gaps: (previous anchor or -1, next anchor or len(reference)).
    gaps: list[tuple[int, int]] = []
    bounds = [-1, *anchors, len(reference)]
    for left, right in itertools.pairwise(bounds):
        inserted = sum(
            _member_gap(mapping, left, right, len(tokens), len(reference))
            for mapping, (tokens, _, _) in zip(mappings, members, strict=True)
        )
        if right - left > 1 or inserted >= max(1.0, _SLOT_SHARE * len(members)):
            gaps.append((left, right))
    pieces: list[str] = []
    gap_after = {left for left, _ in gaps}
    if -1 in gap_after:
        pieces.append(SLOT)
    for anchor in anchors:
        pieces.append(reference[anchor])
        if anchor in gap_after:
            pieces.append(SLOT)
    fillers = tuple(
        tuple(_filler(mapping, left, right, tokens, spans, text) for left, right in gaps)
        for mapping, (tokens, spans, text) in zip(mappings, members, strict=True)
    )
    return Alignment(" ".join(pieces), fillers, len(gaps))


def _member_gap(mapping: dict[int, int], left: int, right: int, length: int, end_ref: int) -> bool:
    """Whether the member has tokens of its own between the anchors ``left`` and ``right``
    (``-1`` and ``end_ref`` stand for the start and the end of the text). A member lacking an
    anchor does not count: with constants defined by a share of members, some always lack one."""
    start = 0 if left == -1 else (mapping[left] + 1 if left in mapping else None)
    end = length if right == end_ref else mapping.get(right)
    if start is None or end is None:
        return False
    return end > start


def _filler(
    mapping: dict[int, int],
    left: int,
    right: int,
    tokens: Sequence[str],
    spans: Sequence[tuple[int, int]],
    text: str,
) -> str:
    """The member's original text between the anchors around a slot."""
    if left == -1:
        start_char = 0
    elif left in mapping:
        start_char = spans[mapping[left]][1]
    else:
        earlier = [mapping[p] for p in mapping if p < left]
        start_char = spans[max(earlier)][1] if earlier else 0
    if right in mapping:
        end_char = spans[mapping[right]][0]
    else:
        later = [mapping[p] for p in mapping if p > right]
        end_char = spans[min(later)][0] if later else len(text)
    if end_char <= start_char or not tokens:
        return ""
    return text[start_char:end_char].strip()
