"""Folding of look-alike Unicode so that one set of ASCII patterns sees through obfuscation.

``fold(text)`` returns a :class:`Folded` text in which full-width, circled, mathematical and other
script digits and letters are plain ASCII, every kind of space is a space, dashes are ``-``,
pictographs (emoji used as separators) are spaces, and invisible characters (zero-width joiners,
variation selectors, the keycap combiner) are removed. Extractors match on ``folded.text`` and map
their match back with :meth:`Folded.span`, so spans always index the *original* text.

Most ads are pure ASCII; for them ``fold`` is the identity and costs one ``str.isascii`` call.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_REMOVED = "\x00"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {0: " "}
    # Digits of every script (Arabic-Indic, Devanagari, full-width, mathematical, circled,
    # superscript...) become ASCII digits. All of them lie below U+20000.
    for cp in range(0x80, 0x20000):
        ch = chr(cp)
        value = unicodedata.digit(ch, None)
        if value is not None and 0 <= value <= 9:
            table[cp] = str(value)
    # Letters styled as full-width, mathematical alphanumerics, enclosed (circled, squared)
    # letters: their compatibility form is one ASCII letter.
    for start, end in ((0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x2460, 0x24FF), (0x1F100, 0x1F1E5)):
        for cp in range(start, end + 1):
            if cp in table:
                continue
            compat = unicodedata.normalize("NFKC", chr(cp))
            if len(compat) == 1 and compat.isascii() and compat.isprintable():
                table[cp] = compat
            elif len(compat) == 1 and compat.isascii():
                table[cp] = " "
    # Negative circled letters (🅐, 🅰) have no compatibility form; map them by their offset.
    for base, count in ((0x1F150, 26), (0x1F170, 26)):
        for i in range(count):
            table[base + i] = chr(ord("A") + i)
    # Regional indicator letters (flag halves) are pictographs here, not letters.
    for cp in range(0x1F1E6, 0x1F200):
        table[cp] = " "
    for cp in range(0x80, 0x3001):
        ch = chr(cp)
        category = unicodedata.category(ch)
        if category == "Zs" or ch in "\u2028\u2029\x85":
            table[cp] = " "
        elif category == "Pd" or ch in "\u2212\u2010\u2011":
            table.setdefault(cp, "-")
    table[0x3000] = " "
    # Invisible characters: zero-width space/joiners, word joiner, BOM, soft hyphen, variation
    # selectors, the combining keycap and combining enclosing circle.
    invisible = [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x20E3, 0x20DD, 0x180E]
    invisible += list(range(0xFE00, 0xFE10)) + list(range(0xE0100, 0xE01F0))
    invisible += list(range(0xE0020, 0xE0080))  # emoji tag characters
    for cp in invisible:
        table[cp] = _REMOVED
    # Pictographs and symbols used as separators: emoji blocks, dingbats, arrows, geometric
    # shapes, misc symbols. Skin-tone modifiers go with them.
    for start, end in (
        (0x2190, 0x21FF),
        (0x2300, 0x23FF),
        (0x25A0, 0x27BF),
        (0x2900, 0x297F),
        (0x2B00, 0x2BFF),
        (0x1F000, 0x1F0FF),
        (0x1F200, 0x1FAFF),
        (0x2700, 0x27BF),
    ):
        for cp in range(start, end + 1):
            table.setdefault(cp, " ")
    for ch in "★☆♡♥❤✨✔✅❌⭐":
        table.setdefault(ord(ch), " ")
    return table


@cache
def fold_table() -> dict[int, str]:
    """The translation table behind :func:`fold` (built once per process)."""
    return _build_table()


_REMOVED_RUNS = re.compile(_REMOVED + "+")
#: Characters ``fold`` may change: everything outside printable-and-control ASCII, and NUL.
_FOLDABLE = re.compile(r"[^\x01-\x7f]")


def _fold_char(match: re.Match[str]) -> str:
    char = match.group()
    return fold_table().get(ord(char), char)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back to the original's offsets."""

    text: str
    original: str
    #: For each run of removed characters: the folded index of the character that follows it.
    _run_at: tuple[int, ...] = ()
    #: Cumulative count of removed characters up to and including each run.
    _removed_upto: tuple[int, ...] = ()

    def offset(self, folded_index: int) -> int:
        """Original index of a folded index.

        Invisible characters removed right before ``folded_index`` count as before it: a start
        skips them, and an end takes them in, so a keycap digit ending a match keeps its marks.
        """
        if not self._run_at:
            return folded_index
        k = bisect.bisect_right(self._run_at, folded_index)
        return folded_index + (self._removed_upto[k - 1] if k else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the folded slice ``[start:end]``."""
        return self.offset(start), self.offset(end)


def fold(text: str) -> Folded:
    """Fold ``text`` (see the module docstring); ASCII text is returned as is."""
    if text.isascii() and _REMOVED not in text:
        return Folded(text, text)
    # A substitution over the few non-ASCII characters is about five times faster than
    # ``str.translate`` over the whole text, which looks up every character.
    translated = _FOLDABLE.sub(_fold_char, text)
    if _REMOVED not in translated:
        return Folded(translated, text)
    parts: list[str] = []
    run_at: list[int] = []
    removed_upto: list[int] = []
    removed = 0
    last = 0
    folded_len = 0
    for match in _REMOVED_RUNS.finditer(translated):
        piece = translated[last : match.start()]
        parts.append(piece)
        folded_len += len(piece)
        removed += match.end() - match.start()
        run_at.append(folded_len)
        removed_upto.append(removed)
        last = match.end()
    parts.append(translated[last:])
    return Folded("".join(parts), text, tuple(run_at), tuple(removed_upto))


def strip_accents(text: str) -> str:
    """``"José"`` -> ``"Jose"``: for matching names, never for spans (length may change)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
