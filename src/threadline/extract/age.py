"""Claimed ages: ``19yo``, ``19 y/o``, ``I'm 19``, ``age: 19``, ``nineteen years old``, ``19 años``.

Canonical form: the age as a decimal integer string (``"19"``).

Rules (each one is a test in ``tests/test_extract_age.py``):

* A number counts only next to an age cue: a unit after it (``yo``, ``y/o``, ``y.o.``,
  ``yrs old``, ``years young``, ``year old``, ``años``/``anos``) or a cue before it (``age``,
  ``aged``, ``edad``, ``I'm``/``im``/``I am``, ``tengo``, ``barely``, ``just turned``). A bare
  ``19`` is not an age: it is as likely a price, a count or part of a phone number.
* Plausible range :data:`MIN_AGE`..:data:`MAX_AGE` (10-79). Claims under 18 are kept exactly as
  written: a claimed age of 16 is a strong indicator downstream, so nothing here filters minors.
* Not ages: ``19 roses``, ``$19``, ``19/hr``, ``2019``, phone digits, ``24/7``, ``34-24-36``,
  ``100% real``, ``5'6"``, ``I'm 20 min away``, ``I'm 34DD``, ``age 18-25`` (a range is a
  requirement, not a claim), ``18+`` (a disclaimer), ``10 años de experiencia``,
  ``hace 19 años``.
* A bare number word (``nineteen``, ``diecinueve``) counts with the same cues, or when it stands
  alone as a segment of the ad (between line breaks, separators such as ``|``, ``•``, ``,``,
  or emoji, which ``fold`` turns into a run of spaces),
  optionally after one self-describing modifier (``sweet``, ``young``, ``just``, ``barely``...):
  ``Sweet nineteen | new in town``. Inside a sentence (``nineteen ninety``) it does not.
* The identifier's span covers the cue and the unit (``I'm 19``, ``19 years old``), so that a
  reviewer sees the evidence.
"""

from __future__ import annotations

import re

from threadline.extract.gazetteer import match_key
from threadline.extract.normalize import Folded
from threadline.records import Identifier

#: Youngest claimed age extracted. Below 10 a number next to "I'm" is almost never an age.
MIN_AGE = 10
#: Oldest claimed age extracted. Ads rarely claim 80+; such numbers are more often other things.
MAX_AGE = 79

_UNITS_EN = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS_EN = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS_EN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy")
_TEENS_ES = (
    ("diez",),
    ("once",),
    ("doce",),
    ("trece",),
    ("catorce",),
    ("quince",),
    ("dieciséis", "dieciseis"),
    ("diecisiete",),
    ("dieciocho",),
    ("diecinueve",),
)
_VEINTI_ES = (
    ("veintiuno", "veintiún", "veintiun"),
    ("veintidós", "veintidos"),
    ("veintitrés", "veintitres"),
    ("veinticuatro",),
    ("veinticinco",),
    ("veintiséis", "veintiseis"),
    ("veintisiete",),
    ("veintiocho",),
    ("veintinueve",),
)
_UNITS_ES = (
    ("uno", "un", "una"),
    ("dos",),
    ("tres",),
    ("cuatro",),
    ("cinco",),
    ("seis",),
    ("siete",),
    ("ocho",),
    ("nueve",),
)
_TENS_ES_WORDS = ("treinta", "cuarenta", "cincuenta", "sesenta", "setenta")


def _build_number_words() -> dict[str, int]:
    """Every written form of 10-79 in English and Spanish, lowercase, single-spaced."""
    words: dict[str, int] = {}
    for offset, word in enumerate(_TEENS_EN):
        words[word] = 10 + offset
    for t_index, tens in enumerate(_TENS_EN_WORDS):
        base = 20 + 10 * t_index
        words[tens] = base
        for u_index, unit in enumerate(_UNITS_EN):
            for sep in (" ", "-", ""):
                words[f"{tens}{sep}{unit}"] = base + u_index + 1
    for offset, forms in enumerate(_TEENS_ES):
        for form in forms:
            words[form] = 10 + offset
    words["veinte"] = 20
    for offset, forms in enumerate(_VEINTI_ES):
        for form in forms:
            words[form] = 21 + offset
    for t_index, tens in enumerate(_TENS_ES_WORDS):
        base = 30 + 10 * t_index
        words[tens] = base
        for u_index, forms in enumerate(_UNITS_ES):
            for form in forms:
                words[f"{tens} y {form}"] = base + u_index + 1
    return words


_NUMBER_WORDS = _build_number_words()

#: A cue right before the number (searched in a short window ending at the number).
_CUE_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:"
    r"ages?d?|edad|tengo|barely|(?:just\s+)?turned|"
    r"i\s*['’`´]?\s*m(?:\s+(?:just|only|barely|now))?|i\s+am(?:\s+(?:just|only|barely|now))?"
    r")\s*(?:is\s+|de\s+)?[:=\-]?\s*\Z",
    re.IGNORECASE,
)
#: A unit right after the number.
_SUFFIX_AFTER = re.compile(
    r"\s*-?\s*(?:"
    r"y\s*/\s*o|y\.\s*o\.?|yo|"
    r"(?:yrs?|years?)\.?\s*-?\s*(?:old|young|of\s+age)|"
    r"(?P<anos>a(?:ñ|n)(?:os|itos))(?:\s+de\s+edad)?"
    r")(?![A-Za-z])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W\d_]+")
#: Characters that, right before a number, make it a price, a decimal or a measurement.
_BAD_BEFORE = frozenset("$€£¥₱#/.,'’")
#: ASCII bytes -> "0" for digits, space otherwise: digit runs found with ``bytes.find``.
_DIGIT_MASK = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
#: ASCII bytes -> lowercase letters, space otherwise: words found with ``bytes.split``.
_LETTER_MASK = bytes(
    b | 0x20 if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A else 0x20 for b in range(256)
)
#: What may not follow a cued number: units, ranges, percentages, heights, measurements.
_NOT_AN_AGE_AFTER = re.compile(
    r"[A-Za-z]|\s*(?:%|\+|/|'|\"|’|”|\$|€|£|\d|[.,]\d|-\s*\d|(?:to|a|y)\s+\d|"
    r"(?:min|mins|minutes?|mi|miles?|blocks?|hours?|hrs?|hr|h|dollars?|bucks|roses|usd|"
    r"pesos|euros?|k|kg|lbs?|pounds|cm|inch(?:es)?|in|ft|feet|percent|times|pm|am|x|"
    r"minutos|horas|cuadras|kil[oó]metros|km)\b)",
    re.IGNORECASE,
)
#: Years that are a duration, not an age: "hace 19 años", "10 años de experiencia".
_DURATION_BEFORE = re.compile(
    r"(?:\bhace|\bdurante|\bpor|\bdesde|\bm[aá]s\s+de|\bhasta|\bcasi|\bfor|\bover|\bpast|\blast)"
    r"\s*\Z",
    re.IGNORECASE,
)
_DURATION_AFTER = re.compile(
    r"\s+(?:de\s+(?:experiencia|trabajo|servicio|casad|matrimonio|carrera|antig)|en\s|"
    r"atr[aá]s|trabajando|con\s|haciendo|ago\b|of\s+experience|experience)",
    re.IGNORECASE,
)
#: Before a number word standing alone: a segment start and at most one modifier.
_SEGMENT_BEFORE = re.compile(
    r"(?:^|[\n|•·*~,.!?;:()\[\]{}<>]|\s-\s|[ \t]{2})[ \t]*"
    r"(?:(?:sweet|young|just|barely|only|fresh|petite|tiny|dulce|joven|solo)[ \t]+)?\Z",
    re.IGNORECASE,
)
_SEGMENT_AFTER = re.compile(r"[ \t]*[!.]*[ \t]*(?:$|[\n|•·*~,.!?;:()\[\]{}<>]|\s-\s)|[ \t]{2}")
#: How far back a cue may start (longest: "i am just ", "just turned ").
_CUE_WINDOW = 24
#: Last word of every cue: a cheap test before :data:`_CUE_BEFORE` runs.
_CUE_LAST_WORDS = frozenset(
    {
        "age",
        "ages",
        "aged",
        "edad",
        "tengo",
        "barely",
        "turned",
        "im",
        "i'm",
        "i’m",
        "i`m",
        "i´m",
        "m",
        "am",
        "just",
        "only",
        "now",
        "is",
        "de",
    }
)
#: First words of every number word, as bytes for the ASCII fast path.
_FIRST_WORDS = frozenset(match_key(word).split()[0] for word in _NUMBER_WORDS)
_FIRST_WORDS_ASCII = frozenset(w.encode("ascii") for w in _FIRST_WORDS if w.isascii())
_TENS_EN = frozenset(_TENS_EN_WORDS)
_UNITS_EN_VALUES = {word: index + 1 for index, word in enumerate(_UNITS_EN)}
_TENS_ES = frozenset(_TENS_ES_WORDS)
_UNITS_ES_VALUES = {form: index + 1 for index, forms in enumerate(_UNITS_ES) for form in forms}


def _two_digit_numbers(text: str) -> list[int]:
    """Start of every run of exactly two digits.

    ``fold`` has made every digit ASCII, and ``encode("ascii", "replace")`` keeps one byte per
    character, so byte offsets are text offsets.
    """
    mask = b" " + text.encode("ascii", "replace").translate(_DIGIT_MASK) + b" "
    starts: list[int] = []
    found = mask.find(b" 00 ")
    while found != -1:
        starts.append(found)  # the pad before the digits cancels the pad at the mask's start
        found = mask.find(b" 00 ", found + 3)
    return starts


def _may_have_number_word(text: str) -> bool:
    """Cheap test: does any word of ``text`` start a number word?"""
    if text.isascii():
        words = text.encode("ascii").translate(_LETTER_MASK).split()
        return not _FIRST_WORDS_ASCII.isdisjoint(words)
    return not _FIRST_WORDS.isdisjoint(match_key(text).split())


def _find_number_words(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, value)`` of every number word, compounds joined ("twenty-one")."""
    tokens = list(_TOKEN.finditer(text))
    found: list[tuple[int, int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        lowered = token.group().lower()
        value = _NUMBER_WORDS.get(lowered)
        index += 1
        if value is None:
            continue
        start, end = token.span()
        if lowered in _TENS_EN and index < len(tokens):
            unit = tokens[index]
            gap = text[end : unit.start()]
            unit_value = _UNITS_EN_VALUES.get(unit.group().lower())
            if unit_value is not None and len(gap) <= 2 and gap.strip(" -") == "":
                value += unit_value
                end = unit.end()
                index += 1
        elif lowered in _TENS_ES and index + 1 < len(tokens):
            conjunction, unit = tokens[index], tokens[index + 1]
            unit_value = _UNITS_ES_VALUES.get(unit.group().lower())
            if (
                conjunction.group().lower() == "y"
                and unit_value is not None
                and text[end : conjunction.start()].isspace()
                and text[conjunction.end() : unit.start()].isspace()
            ):
                value += unit_value
                end = unit.end()
                index += 2
        found.append((start, end, value))
    return found


def _cue_start(text: str, start: int) -> int | None:
    """Start of an age cue ending right before ``start`` ("I'm ", "age: "), if any."""
    low = max(0, start - _CUE_WINDOW)
    head = text[low:start].rstrip(" \t\n:=-")
    if not head or not head[-1].isalpha():
        return None
    if head.rsplit(None, 1)[-1].lower() not in _CUE_LAST_WORDS:
        return None
    cue = _CUE_BEFORE.search(text, low, start)
    return cue.start() if cue is not None else None


def _claim(text: str, start: int, end: int, value: int, is_word: bool) -> tuple[int, int] | None:
    """Span of the age claim around the number ``text[start:end]``, or None if it is not one."""
    if not MIN_AGE <= value <= MAX_AGE:
        return None
    cue = _cue_start(text, start)
    claim_start = cue if cue is not None else start
    suffix = _SUFFIX_AFTER.match(text, end)
    if suffix is not None:
        if suffix.group("anos") is not None and cue is None:
            # "años": reject durations ("hace 10 años", "10 años de experiencia").
            if _DURATION_BEFORE.search(text, max(0, start - 20), start):
                return None
            if _DURATION_AFTER.match(text, suffix.end()):
                return None
        return claim_start, suffix.end()
    if cue is not None:
        if _NOT_AN_AGE_AFTER.match(text, end):
            return None
        return claim_start, end
    # No cue and no unit: only a number word standing alone as a segment counts.
    if not is_word:
        return None
    if not _SEGMENT_BEFORE.search(text, max(0, start - 40), start):
        return None
    if not _SEGMENT_AFTER.match(text, end):
        return None
    return start, end


def find(folded: Folded, region: str) -> list[Identifier]:
    """Claimed ages in ``folded`` (``region`` is unused: age cues do not depend on it)."""
    del region
    text = folded.text
    claims: list[tuple[int, int, int]] = []
    for start in _two_digit_numbers(text):
        end = start + 2
        if start > 0:
            before = text[start - 1]
            if before in _BAD_BEFORE:
                continue
            if before in "-." and start > 1 and text[start - 2].isdigit():
                continue
        value = int(text[start:end])
        span = _claim(text, start, end, value, is_word=False)
        if span is not None:
            claims.append((span[0], span[1], value))
    if _may_have_number_word(text):
        for start, end, value in _find_number_words(text):
            span = _claim(text, start, end, value, is_word=True)
            if span is not None:
                claims.append((span[0], span[1], value))
    found: list[Identifier] = []
    last_end = -1
    for claim_start, claim_end, value in sorted(claims):
        if claim_start < last_end:
            continue
        last_end = claim_end
        start, end = folded.span(claim_start, claim_end)
        found.append(Identifier("age", folded.original[start:end], str(value), start, end))
    return found
