"""The matching skeleton: one lowercase, accent-free, leet-free form of a text with its gaps
reduced to single spaces, and spelled-out letters joined.

Obfuscated ads write ``Y O U N G``, ``y.o.u.n.g``, ``y0ung``, ``yooungg``, ``ｙｏｕｎｇ`` or
``y🔥o🔥u🔥n🔥g``; all of them have the skeleton ``young``. Patterns are skeletonised the same way
(and also without their spaces, for ``n e w  i n  t o w n`` and ``newintown``), so one
Aho-Corasick automaton over the skeleton finds every pattern in one pass, and a hit is a word
hit when the skeleton has a space (or an end) on both sides of it.

The skeleton is built with C-level ``str``/``re`` operations (no per-character Python loop):

1. :func:`threadline.extract.normalize.fold` (full-width, circled, mathematical letters; emoji
   and invisible characters), after a few emoji that stand for letters became those letters;
2. lowercase and strip accents, keeping the length (``"Año"`` -> ``"ano"``), and undo
   leetspeak (``0 1 3 4 5 7 @ $``) only inside tokens that also hold a letter, so ``y0ung``
   becomes ``young`` while ``24/7`` and ``$200`` stay as written: the *plain* string, whose
   indexes are those of the folded text;
3. every character other than ``[a-z0-9]`` becomes a space and ``l`` becomes ``i`` (``1``
   reads as either);
4. runs of three or more single characters between gaps (``y o u n g``) are joined;
5. a character equal to the one before it is dropped: runs of spaces become one space and
   repeated letters one letter (``sooo`` -> ``so``).

:class:`Skeleton` keeps the way back: ``origin`` maps each skeleton index to its plain index
(the folded text's), which ``Folded.span`` maps to the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from threadline.extract.normalize import Folded, fold

#: Emoji and symbols written in place of a letter. Each is one code point and becomes one letter,
#: so lengths (and therefore offsets) are unchanged. Everything else pictographic is a gap.
EMOJI_LETTERS: dict[str, str] = {
    "\u2b55": "o",  # heavy large circle
    "\u26aa": "o",  # white circle
    "\u26ab": "o",  # black circle
    "\U0001f534": "o",  # red circle
    "\U0001f535": "o",  # blue circle
    "\U0001f4b2": "s",  # heavy dollar sign
    "\u274c": "x",  # cross mark
    "\u2716": "x",  # heavy multiplication x
    "\u2139": "i",  # information source
    "\u24c2": "m",  # circled M
    "\U0001f17e": "o",  # negative squared O (fold also maps it)
}
_EMOJI_TABLE = {ord(key): value for key, value in EMOJI_LETTERS.items()}
_EMOJI_CHARS = re.compile("[" + "".join(EMOJI_LETTERS) + "]")

#: Leetspeak digits and symbols and the letter each stands for, inside a token with a letter.
LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
}
_LEET_TABLE = str.maketrans(LEET)
#: Characters of a token that leetspeak may hide in (letters, digits, @ and $).
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")
_NON_ASCII_CHAR = re.compile(r"[^\x00-\x7f]")
#: Cheap test for step 2: is any leet character next to a letter?
_LEET_NEAR_LETTER = re.compile(r"[013457@$](?:(?<=[a-z].)|(?=[a-z]))")
#: ASCII characters other than [a-z0-9] -> space (``str.translate`` has a fast ASCII path).
_SPACE_TABLE = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()} | {"l": "i"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: Three or more single characters separated by gaps (``y o u n g``, ``y . o . u``).
_SPELLED = re.compile(r"(?<![a-z0-9])[a-z0-9](?: +[a-z0-9](?![a-z0-9])){2,}")
#: The same, found about four times faster thanks to its literal first character (a space is
#: put before the text): the prefilter for the rare texts that spell words out.
_SPELLED_PREFILTER = re.compile(r" [a-z0-9] +[a-z0-9] +[a-z0-9](?![a-z0-9])")
#: A run of one repeated character (the lookahead makes the scan about twice as fast).
_REPEATS = re.compile(r"(?=([a-z0-9])\1)\1+")


@cache
def _accent_table() -> dict[int, str]:
    """Latin letters with diacritics -> the base letter (one character each, so lengths hold)."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0].lower()
        if base.isascii() and base.isalpha():
            table[code] = base
    table[ord("ß")] = "s"
    table[ord("æ")] = "a"
    table[ord("ø")] = "o"
    table[ord("ð")] = "d"
    table[ord("þ")] = "t"
    table[ord("ı")] = "i"
    return table


def _unaccent(match: re.Match[str]) -> str:
    char = match.group()
    return _accent_table().get(ord(char), char)


def _unleet(lowered: str) -> str:
    """Undo leetspeak in the tokens around each leet character that touches a letter.

    Python work is per such token (a handful per ad, often none), not per character.
    """
    pieces: list[str] = []
    done = 0
    size = len(lowered)
    for match in _LEET_NEAR_LETTER.finditer(lowered):
        if match.start() < done:
            continue
        start = match.start()
        while start > done and lowered[start - 1] in _TOKEN_CHARS:
            start -= 1
        end = match.end()
        while end < size and lowered[end] in _TOKEN_CHARS:
            end += 1
        pieces.append(lowered[done:start])
        pieces.append(lowered[start:end].translate(_LEET_TABLE))
        done = end
    if not pieces:
        return lowered
    pieces.append(lowered[done:])
    return "".join(pieces)


def plain(folded_text: str) -> str:
    """Lowercase, accent-free, leet-free form of a folded text, of the same length."""
    if folded_text.isascii():
        lowered = folded_text.lower()
    else:
        unaccented = _NON_ASCII_CHAR.sub(_unaccent, folded_text)
        lowered = unaccented.lower()
        if len(lowered) != len(folded_text):  # a rare letter whose lowercase is two characters
            lowered = "".join(ch.lower()[:1] or ch for ch in unaccented)
    if _LEET_NEAR_LETTER.search(lowered):
        lowered = _unleet(lowered)
    return lowered


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A text's skeleton and the map back to its plain string and to the original text."""

    text: str
    plain: str
    folded: Folded
    #: ``origin[k]``: plain (= folded) index of skeleton character ``k``.
    origin: npt.NDArray[np.intp]

    def plain_index(self, skeleton_index: int) -> int:
        """Plain (= folded) index of the skeleton character at ``skeleton_index``."""
        return int(self.origin[skeleton_index])

    def plain_span(self, start: int, end: int) -> tuple[int, int]:
        """Plain span of the skeleton slice ``[start:end]`` (``end > start``).

        The end takes in the repeats of the last character when they are adjacent in the plain
        string (``younggg`` ends after the last ``g``).
        """
        text = self.plain
        plain_start = int(self.origin[start])
        plain_end = int(self.origin[end - 1]) + 1
        last = text[plain_end - 1]
        while plain_end < len(text) and text[plain_end] == last:
            plain_end += 1
        return plain_start, plain_end

    def original_span(self, plain_start: int, plain_end: int) -> tuple[int, int]:
        return self.folded.span(plain_start, plain_end)

    def is_word(self, start: int, end: int) -> bool:
        """Whether the skeleton slice ``[start:end]`` is whole words (spaces or ends around)."""
        text = self.text
        return (start == 0 or text[start - 1] == " ") and (end == len(text) or text[end] == " ")


_SPACE = ord(" ")


def skeleton(text: str) -> Skeleton:
    """The :class:`Skeleton` of ``text`` (see the module docstring).

    Steps 3-5 run on a numpy byte array (the text is ASCII by then): a keep-mask drops the
    spaces inside spelled-out words and every character equal to the one before it (which
    collapses both runs of gaps and repeated letters), and ``origin`` maps what is kept back to
    the plain string, in about ten vectorised operations whatever the text.
    """
    substituted = text
    if not text.isascii() and _EMOJI_CHARS.search(text):
        substituted = text.translate(_EMOJI_TABLE)
    folded = fold(substituted)
    plain_text = plain(folded.text)
    # Uppercase is gone already, so every ASCII character but [a-z0-9] is a gap; l reads as i.
    spaced = plain_text.translate(_SPACE_TABLE)
    if not spaced.isascii():
        spaced = _NON_ASCII.sub(lambda match: " " * len(match.group()), spaced)
    codes = np.frombuffer(spaced.encode("ascii"), dtype=np.uint8)
    origin = np.arange(len(codes), dtype=np.intp)
    if _SPELLED_PREFILTER.search(" " + spaced):
        keep = np.ones(len(codes), dtype=bool)
        for match in _SPELLED.finditer(spaced):
            keep[match.start() : match.end()] &= codes[match.start() : match.end()] != _SPACE
        codes, origin = codes[keep], origin[keep]
    if len(codes):
        distinct = np.empty(len(codes), dtype=bool)
        distinct[0] = True
        np.not_equal(codes[1:], codes[:-1], out=distinct[1:])
        codes, origin = codes[distinct], origin[distinct]
    return Skeleton(codes.tobytes().decode("ascii"), plain_text, folded, origin)


def pattern_keys(pattern: str) -> tuple[str, ...]:
    """Skeleton keys of a pattern: as words, and glued (for ``newintown``, ``n e w i n``)."""
    words = skeleton(pattern).text.strip()
    if " " not in words:
        return (words,) if words else ()
    glued = _REPEATS.sub(r"\1", words.replace(" ", ""))
    return (words, glued)


def pattern_skeleton(pattern: str) -> str:
    """The skeleton of a pattern as written in the data files (words with single spaces)."""
    return skeleton(pattern).text.strip()
