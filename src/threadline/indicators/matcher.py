"""One-pass matching of every indicator pattern and profile cue over a text's skeleton.

All patterns of all languages go into one Aho-Corasick automaton (pyahocorasick) keyed by their
skeleton (see :mod:`threadline.indicators.textnorm`), so the cost of a scan grows with the
text, not with the number of patterns. A skeleton hit is kept only when it is whole words of
the skeleton (``young`` does not fire inside ``Youngstown``), and, for a
negatable indicator, when no negation word stands in the same clause just before it or just
after it (``we never charge fees``, ``fee: none``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from threadline.indicators.model import PROFILES, Indicator, Library
from threadline.indicators.textnorm import Skeleton, pattern_keys, plain, skeleton

#: How far back (characters of plain text) a negation word may stand before an indicator.
NEGATION_BEFORE_CHARS = 40
#: How far after an indicator a negation word may stand ("fee: none", "deposit not required").
NEGATION_AFTER_CHARS = 16
_CLAUSE_END = re.compile(r"[.;:!?,\n\u00a1\u00bf()\[\]]")
#: After an indicator a colon introduces its value ("fee: none"), so it does not end the clause.
_CLAUSE_END_AFTER = re.compile(r"[.;!?,\n\u00a1\u00bf()\[\]]")


class Hit(NamedTuple):
    """An indicator pattern found in a text; offsets index the original text."""

    indicator: int
    start: int
    end: int
    language: str


class Scan(NamedTuple):
    """What one pass over a text found: indicator hits and distinct cues per profile."""

    hits: list[Hit]
    cues: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Entry:
    #: Index of the indicator, or -1 for a profile cue.
    indicator: int
    #: Profile of a cue ("" for an indicator).
    profile: str
    language: str
    cue_key: str


def _word_alternation(words: set[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    spelled = sorted({plain(word) for word in words}, key=len, reverse=True)
    body = "|".join(re.escape(word).replace("'", "['\u2019]?") for word in spelled)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


class Matcher:
    """Finds a library's indicators and profile cues in texts. Build once, reuse (immutable)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        automaton = ahocorasick.Automaton()
        table: dict[str, list[_Entry]] = {}
        for index, indicator in enumerate(library.indicators):
            for language, spellings in indicator.expanded.items():
                for spelling in spellings:
                    for key in pattern_keys(spelling):
                        entries = table.setdefault(key, [])
                        if not any(entry.indicator == index for entry in entries):
                            entries.append(_Entry(index, "", language, ""))
        for profile, by_language in library.cues.items():
            for language, words in by_language.items():
                for word in words:
                    keys = pattern_keys(word)
                    for key in keys:
                        entries = table.setdefault(key, [])
                        if not any(e.profile == profile and e.cue_key == keys[0] for e in entries):
                            entries.append(_Entry(-1, profile, language, keys[0]))
        # Automaton values are plain tuples (faster to unpack than objects on the hot path):
        # (length, ((indicator, language, negatable), ...), ((profile, cue), ...)).
        for key, entries in table.items():
            hits = tuple(
                (entry.indicator, entry.language, library.indicators[entry.indicator].negatable)
                for entry in entries
                if entry.indicator >= 0
            )
            cues = tuple((entry.profile, entry.cue_key) for entry in entries if entry.indicator < 0)
            automaton.add_word(key, (len(key), hits, cues))
        automaton.make_automaton()
        self._automaton = automaton
        self._before = _word_alternation(
            {word for words in library.negation_before.values() for word in words}
        )
        self._after = _word_alternation(
            {word for words in library.negation_after.values() for word in words}
        )

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return self.library.indicators

    def _negated(self, plain_text: str, start: int, end: int) -> bool:
        if self._before is not None:
            window = plain_text[max(0, start - NEGATION_BEFORE_CHARS) : start]
            boundaries = [match.end() for match in _CLAUSE_END.finditer(window)]
            if boundaries:
                window = window[boundaries[-1] :]
            if self._before.search(window):
                return True
        if self._after is not None:
            window = plain_text[end : end + NEGATION_AFTER_CHARS]
            cut = _CLAUSE_END_AFTER.search(window)
            if cut is not None:
                window = window[: cut.start()]
            if self._after.search(window):
                return True
        return False

    def scan(self, text: str) -> Scan:
        """Every indicator hit and the count of distinct cues per profile in ``text``."""
        skel = skeleton(text)
        return self.scan_skeleton(skel)

    def scan_skeleton(self, skel: Skeleton) -> Scan:
        cues: dict[str, int] = dict.fromkeys(PROFILES, 0)
        if not skel.text:
            return Scan([], cues)
        plain_text = skel.plain
        text = skel.text
        size = len(text)
        raw: list[tuple[int, int, int, str]] = []
        seen_cues: set[tuple[str, str]] = set()
        for last, (length, found, cue_keys) in self._automaton.iter(text):
            # Whole words only (inlined: this runs for every automaton hit).
            start = last - length + 1
            if (start and text[start - 1] != " ") or (last + 1 < size and text[last + 1] != " "):
                continue
            for cue in cue_keys:
                if cue not in seen_cues:
                    seen_cues.add(cue)
                    cues[cue[0]] += 1
            if not found:
                continue
            plain_start, plain_end = skel.plain_span(start, last + 1)
            negated: bool | None = None
            for indicator, language, negatable in found:
                if negatable:
                    if negated is None:
                        negated = self._negated(plain_text, plain_start, plain_end)
                    if negated:
                        continue
                raw.append((indicator, plain_start, plain_end, language))
        if not raw:
            return Scan([], cues)
        # Longest first at each start; then drop a hit overlapping a kept one of its indicator.
        raw.sort(key=lambda item: (item[0], item[1], -item[2]))
        hits: list[Hit] = []
        last_indicator = -1
        last_end = -1
        for indicator, plain_start, plain_end, language in raw:
            if indicator == last_indicator and plain_start < last_end:
                continue
            start, end = skel.original_span(plain_start, plain_end)
            hits.append(Hit(indicator, start, end, language))
            last_indicator, last_end = indicator, plain_end
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.indicator))
        return Scan(hits, cues)
