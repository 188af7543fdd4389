"""Phone numbers, seen through the obfuscation ads use, canonicalised to E.164.

Ads write contact numbers so that filters miss them: ``(212) 555-0123``, ``2l2-555-O123``,
``two one two 555 o1two3``, ``2 1 2 5 5 5 0 1 2 3``, ``212🔥555🔥0123``, keycap or full-width
digits (:func:`~threadline.extract.normalize.fold` has already turned emoji into spaces and
styled digits into ASCII, so only the folded text is read here). Every number is validated with
``phonenumbers`` (the post's region for national forms; ``+`` or ``00`` for international ones)
and only valid numbers are returned.

How a post is read (the C regex scanner does the per-character work; Python sees only runs):

1. **Digit words.** English and Spanish number words (``oh`` and a lone ``o`` are zero), alone
   or glued to digits, to each other and to the look-alikes ``o``/``l`` ("5five5", "onefive",
   "zerolnine9"), but never part of a longer word ("someone", "network", "mistress"), and only
   next to a digit or another digit word, become their digit followed by filler characters, so
   the working text keeps its length and every offset still indexes the folded text. "I'm the
   one you want" keeps its word. Case does not matter ("TWO", "Two").
2. **Runs.** One regex, anchored on an ASCII digit, finds runs of digit *groups* (characters
   glued together) joined by separators: whitespace and ``- . _ * / ~ | ( ) +`` (emoji are spaces
   by now), at most six in a row. A look-ahead drops runs with fewer than 7 digit characters
   (prices, ages, measurements) before Python sees them.
3. **Look-alike letters** inside a group: ``O``/``o`` -> 0 and ``l``/``I`` -> 1 in a cluster
   of at most three glued to a real digit and to no other letter (``2l2``, ``O123``); ``S`` -> 5,
   ``B`` -> 8 and ``i`` -> 1 only between two real digits (``2125S50123``), because those
   letters fill words, wallets and codes. Lower-case ``s``/``b`` never count, and ``|`` is always
   a separator, never a 1. A group of two to four look-alikes alone (``555-OlOO``) reads as digits
   only after another group of the run. A group that uses letters any other way is not part of
   a number.
4. **Candidates.** A phone is a contiguous sequence of whole groups. From each group, the
   longest sequence with a plausible length (for the region, or for the country code after ``+``
   or ``00``) that ``phonenumbers`` accepts wins; then reading resumes after it. This splits
   several numbers in one run and drops digits on either side (``age 19 212 555 0123``). A lone
   digit word at the edge (``one 212 555 0123``) is dropped when the number is valid without it.
   Groups that read as a list of numbers (counting, price lists, round numbers, small numbers of
   mixed widths: "1 2 3 4 5 6 7", "100 150 200 250", "9 10 11 12 1 2 3") are never one number.
   The digits after a ``+`` that make no valid number are not read again as a national one.
5. **Not phones.** A group is blocked (no candidate may contain it) when it belongs to a date
   (``12/25/2024``, ``2024-01-15``, ``25.12.2024``), a body measurement (``34-24-36``,
   ``34DD-24-36``), a height (``5'6"``), a time range (``10.30-11.30``), a price (``$200``,
   ``150$``, ``€ 1.500.000``), a ZIP code after a state code (``TX 77002-1234``), or is a digit run
   longer than any phone (16+ digits; 18+ after ``00``). The first group of a run is blocked
   after an id cue: an id word ("post id 4839201174", "ref", "order", "invoice", "tracking",
   "zip"...) or a record word followed by ``#``/``no.``/``number`` ("ad #...", "listing no.
   ..."); contact words are not cues ("call #2125550123" is a phone). All groups are blocked
   inside a URL (WhatsApp and Telegram links excepted: their digits are international); the
   first or last group when glued to a token that mixes letters and digits (wallets, hex
   strings), and the first group when it is a few digits ending a word (``$jane77.`` before a
   number). "call2125550123now" is still a phone: plain words may touch a whole number.

Spans start at the first digit token and end after the last (``(212) 555-0123`` gives the value
``212) 555-0123``; a leading ``+`` is not part of it). Canonical forms are E.164; phonenumbers
results longer than E.164's 15 digits are dropped.

Validation asks only candidates of a plausible length, and its answers are memoised (the same
number recurs across the ads of one network). It gives phonenumbers' answer (parse,
is_valid_number, format E.164) but reads it from phonenumbers' compiled metadata
(:mod:`threadline.extract.phonemeta`): ``phonenumbers.parse`` costs tens of microseconds per
candidate, the direct reading a few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers

from threadline.extract import phonemeta
from threadline.extract.normalize import Folded
from threadline.records import Identifier

#: Spelled digits, English and Spanish. ``oh`` is how zero is read aloud.
_DIGIT_WORDS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "cero": "0",
    "uno": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
}
#: Fills the rest of a digit word's width in the working text (see :func:`_with_words_as_digits`).
_GLUE = "\x01"
#: What a look-alike letter stands for; glue disappears when a group is read.
_GROUP_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "S": "5", "B": "8", _GLUE: None}
)
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOOKALIKE_LETTERS = frozenset("OolI")
_ASCII_ALNUM = _ASCII_LETTERS | frozenset("0123456789")


#: Look-alike letters that may be glued to digit words in lower-case text ("zerolnine",
#: "oone"): ``o`` is 0, ``l`` is 1.
_GLUED_LOOKALIKES: dict[str, str] = {"o": "0", "l": "1"}


def _unit_alternation() -> str:
    """Digit words and glued look-alikes, grouped by first letter, longest first."""
    by_first: dict[str, list[str]] = {}
    units = sorted([*_DIGIT_WORDS, *_GLUED_LOOKALIKES], key=len, reverse=True)
    for unit in units:
        by_first.setdefault(unit[0], []).append(re.escape(unit[1:]))
    return "|".join(
        f"{first}(?:{'|'.join(rests)})" if rests != [""] else first
        for first, rests in sorted(by_first.items())
    )


#: A chunk of letters made only of digit words and glued look-alikes, between spaces, in text
#: where every byte that is not a lower-case ASCII letter is a space (see
#: :func:`_spelled_digits`). It starts with a literal space, so the regex engine jumps from space
#: to space in C and tries words only at word starts; the possessive repeat never backtracks
#: (each unit is read greedily, as :data:`_UNIT_RE` reads it again).
_CHUNK_RE = re.compile(f" (?:{_unit_alternation()})++(?= )".encode("ascii"))
_UNIT_RE = re.compile(_unit_alternation())
#: Every byte that is not a lower-case ASCII letter becomes a space.
_LETTERS_ONLY = bytes(byte if 97 <= byte <= 122 else 32 for byte in range(256))
_DIGIT_RE = re.compile("[0-9]")
_NEAR = 7  # separators between tokens of a run, plus one
_SEPARATOR_CHARS = r" \t\r\n\-._*/~|()+"
#: A character that can stand for (part of) a digit: a digit, a digit word's glue, a look-alike
#: letter next to a digit or to another look-alike (a cheap superset, for the look-ahead below).
_DIGITISH = rf"(?:[0-9{_GLUE}]|(?<=[0-9OolI])[OolISBi]|[OolI](?=[0-9OolI]))"
#: A run of groups; it starts at an ASCII digit so that prose is skipped by the C scanner.
#: The look-ahead skips runs with fewer than 7 characters that can be digits (most digits in ads:
#: prices, ages, measurements), so that only a few runs per post reach Python; the look-behind
#: tries it once per digit cluster, at its first digit.
_RUN_RE = re.compile(
    rf"[0-9](?<![0-9][0-9])(?=(?:[{_SEPARATOR_CHARS}]{{0,6}}{_DIGITISH}){{6}})"
    rf"[0-9{_GLUE}OolISBi]*"
    rf"(?:[{_SEPARATOR_CHARS}]{{1,6}}(?:[0-9]|[OolI]{{1,3}}(?=[0-9])|[OolI]{{2,4}}(?![A-Za-z]))"
    rf"[0-9{_GLUE}OolISBi]*)*"
)
_GROUP_RE = re.compile(rf"[0-9{_GLUE}OolISBi]+")
#: A group that reads as digits: digits (a digit word is its digit plus glue), look-alikes.
_LOOKALIKE_GROUP_RE = re.compile(
    rf"(?:[0-9]{_GLUE}*|[OolI]{{1,3}}(?=[0-9])|(?<=[0-9])[OolI]{{1,3}}|(?<=[0-9])[SBi](?=[0-9]))+"
)
#: A group of look-alikes alone ("555-OlOO" for 555-0100): read only after a group of the run.
_ALL_LOOKALIKE_RE = re.compile(r"[OolI]{2,4}")
#: A look-alike cluster right before a run's first digit ("O123", "lO2").
_LEADING_CLUSTER_RE = re.compile(r"(?<![A-Za-z])[OolI]{1,3}\Z")

#: Spans that look like numbers but are not phones; their digits never join a phone. The first
#: character is a digit or a currency sign, so the C scanner skips everything else.
_NOT_PHONE_RE = re.compile(
    r"[0-9$€£¥](?:"
    r"(?<=[$€£¥]) ?[0-9][0-9,.]*"  # $200, € 1.500.000
    r"|(?<![0-9]{2})(?<![0-9][/.\-][0-9])(?:"  # the first digit of a number
    r"[0-9]?([/.\-])[0-9]{1,2}\1(?:[0-9]{4}|[0-9]{2})"  # 12/25/2024, 25.12.24, 34-24-36
    r"|[0-9]{3}([/.\-])[0-9]{1,2}\2[0-9]{1,2}"  # 2024-01-15
    r"|[0-9][A-Za-z]{1,3}-[0-9]{2}-[0-9]{2}"  # 34DD-24-36
    r"|[0-9]?[:.][0-9]{2} ?- ?[0-9]{1,2}[:.][0-9]{2}"  # 10.30-11.30
    r"|' ?[0-9]{1,2}"  # 5'6"
    r"|(?<=[A-Z][A-Z] [0-9])[0-9]{4}(?:-[0-9]{4})?"  # TX 77002-1234: a ZIP code
    r"|[0-9]{0,5}(?:[.,][0-9]{1,3})*[$€£¥]"  # 150$, 1.500€
    r")(?![0-9])(?![/.\-][0-9]))"
)
_NOT_PHONE_MARGIN = 8  # farther than any span above reaches out of a run it overlaps
#: Words that make the digits right after them the identifier of something else: on their own
#: ("post id 4839201174", "zip 77002"), or records when followed by "#"/"no."/"number"
#: ("ad #4839201174", "order no. 4839201174"). Contact words ("call #...") are not cues.
_ID_WORDS = frozenset(
    {
        "id",
        "ids",
        "ref",
        "reference",
        "order",
        "invoice",
        "tracking",
        "ticket",
        "transaction",
        "txn",
        "sku",
        "serial",
        "confirmation",
        "receipt",
        "zip",
        "postal",
        "postcode",
    }
)
_RECORD_WORDS = frozenset(
    {
        "post",
        "ad",
        "listing",
        "item",
        "case",
        "file",
        "room",
        "lot",
        "unit",
        "apt",
        "suite",
        "box",
        "member",
        "user",
        "profile",
        "account",
        "acct",
        "booking",
        "reservation",
        "claim",
        "policy",
        "customer",
        "product",
        "model",
        "part",
        "batch",
        "page",
    }
)
#: The end of the text before a run, read backwards (the string is reversed): separators, an
#: optional "#"/"no."/"number" mark, then the word before them.
_REVERSED_CUE_RE = re.compile(
    r"[ \t]*(?P<mark>[#№:=.][ \t:=.#№]*)?(?:(?P<num>\.?on|mun|rebmun)(?![a-z])[ \t.:]*)?"
    r"(?P<word>[a-z]+)(?![a-z])"
)
_CUE_CHARS = 32  # how far back an id cue is looked for
#: Digits glued to the end of a word start a phone only if they could be one on their own.
_MIN_GLUED_DIGITS = 7
_SPACE_RE = re.compile(r"\s")
_ALNUM_BEFORE_RE = re.compile(r"[A-Za-z0-9]+\Z")
_ALNUM_AFTER_RE = re.compile(r"[A-Za-z0-9]+")
_URL_CHUNK_RE = re.compile(r"(?:://|www\.|[a-z0-9-]\.[a-z]{2,}(?:[/?#=]|\Z))")
_MESSENGER_LINK_RE = re.compile(r"(?i)(?:wa\.me/|whatsapp\.com/send/?\?phone=|t\.me/)\+?\Z")
_CHUNK_CHARS = 64  # how far back the start of a URL is looked for
#: How far back from a run anything is read: a URL's start, a cue, a messenger link.
_CONTEXT_BEFORE = _CHUNK_CHARS + 4  # a leading look-alike cluster moves the start back

_MIN_DIGITS = 7
_MIN_LIST_PARTS = 4  # groups in steps or all round from which a run is a list of numbers
_MAX_NUMBER_DIGITS = 15  # E.164
_MAX_DIALLED_DIGITS = 17  # "00" + 15


@dataclass(slots=True)
class _Run:
    """The groups of one run (digit tokens glued together) as parallel lists, one entry a group.

    Offsets index the folded text. Lists rather than an object per group: a run of spaced digits
    has ten groups, and this is the hot path.
    """

    starts: list[int]
    ends: list[int]
    digits: list[str]
    #: A ``+`` before the group: a number starting there is international.
    plus: list[bool]
    #: The group's digits may not be part of a phone.
    blocked: list[bool]
    #: The group is one spelled digit (a word or a lone ``o``) and nothing else.
    lone_word: list[bool]
    #: For a group inside a list of numbers, the index of the list's last group, else -1 (see
    #: :func:`_number_lists`); empty when the run has too few groups for a list.
    list_end: list[int]


def find(folded: Folded, region: str) -> list[Identifier]:
    """Every valid phone number in ``folded``, in text order, as ``phone`` identifiers.

    ``region`` (ISO 3166 alpha-2) reads national forms; an unknown or empty region still finds
    numbers written with ``+`` or ``00``.
    """
    text = folded.text
    lower = text.lower()
    if len(lower) != len(text):  # a few letters ("İ") lower-case to two characters
        lower = text.translate(_ASCII_LOWER)
    chunks = _words_in_numbers(text, _spelled_digits(lower))
    work = text.replace(_GLUE, " ") if _GLUE in text else text
    if chunks:
        work = _with_words_as_digits(work, chunks)
    national_region = _national_region(region)
    found: list[Identifier] = []
    length = len(text)
    for run in _RUN_RE.finditer(work):
        start, end = run.span()
        # Everything a run's reading looks at lies within _CONTEXT_BEFORE characters before it
        # and the token glued after it (at least _NOT_PHONE_MARGIN characters).
        low = max(0, start - _CONTEXT_BEFORE)
        high = end + _NOT_PHONE_MARGIN
        if end < length and text[end] in _ASCII_ALNUM:
            glued = _ALNUM_AFTER_RE.match(text, end)
            if glued is not None:
                high = max(high, glued.end())
        high = min(high, length)
        for number_start, number_end, canonical in _numbers_in_run(
            text[low:high], work[low:high], lower[low:high], start - low, end - low, national_region
        ):
            orig_start, orig_end = folded.span(number_start + low, number_end + low)
            value = folded.original[orig_start:orig_end]
            found.append(Identifier("phone", value, canonical, orig_start, orig_end))
    return found


@lru_cache(maxsize=65_536)
def _numbers_in_run(
    text: str, work: str, lower: str, start: int, end: int, region: str | None
) -> tuple[tuple[int, int, str], ...]:
    """(start, end, E.164) of the numbers of the run ``work[start:end]``, read with the text
    around it (a window of the post, see :func:`find`).

    Memoised: one network repeats the same number in the same words across hundreds of posts,
    and reading a run costs tens of microseconds.
    """
    if start > 0 and work[start - 1] in _LOOKALIKE_LETTERS:
        leading = _LEADING_CLUSTER_RE.search(work, max(0, start - 4), start)
        if leading is not None:
            start = leading.start()
    groups = _read_run(text, work, start, end)
    if not groups.starts or not _any_plausible(groups, region):
        return ()  # most runs: dates, measurements, prices; no context needed
    if len(groups.starts) >= _MIN_LIST_PARTS:
        groups.list_end = _number_lists(groups)
    groups.blocked = _blocked_in_context(text, lower, groups)
    return tuple(_numbers(groups, region))


def _spelled_digits(lower: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each chunk of digit words in the lower-cased text.

    A chunk is a whole word made of digit words, glued to each other, to digits or to the
    look-alikes ``o`` and ``l`` ("two", "5five5", "onefive", "zerolnine9"), never part of a longer
    word ("someone", "network"). ``digits`` has the chunk's width: each word becomes its digit
    followed by glue. Chunks of look-alikes alone ("lol", "loo") are letters, except a lone
    ``o``. Bytes, not str: the text becomes one byte per character (Latin-1, anything else "?"),
    so positions do not move, and everything but letters becomes a space in one C call.
    """
    spaced = b" " + lower.encode("latin-1", "replace").translate(_LETTERS_ONLY) + b" "
    chunks: list[tuple[int, int, str]] = []
    for match in _CHUNK_RE.finditer(spaced):
        chunk = match.group()[1:].decode("ascii")
        if chunk != "o" and not chunk.strip("ol"):
            continue
        units = _UNIT_RE.findall(chunk)
        digits = "".join(
            (_DIGIT_WORDS.get(unit) or _GLUED_LOOKALIKES[unit]) + _GLUE * (len(unit) - 1)
            for unit in units
        )
        # A match starts at the space before the chunk: that is the chunk's index in ``lower``.
        chunks.append((match.start(), match.end() - 1, digits))
    return chunks


def _words_in_numbers(text: str, chunks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The chunks of digit words that can be part of a number: next to a digit or to another
    chunk. "I'm the one you want" keeps its "one" as a word and the post its fast path."""
    kept: list[tuple[int, int, str]] = []
    last = len(chunks) - 1
    for index, (start, end, digits) in enumerate(chunks):
        if (
            (index > 0 and start - chunks[index - 1][1] <= _NEAR)
            or (index < last and chunks[index + 1][0] - end <= _NEAR)
            or _DIGIT_RE.search(text, max(0, start - _NEAR), end + _NEAR) is not None
        ):
            kept.append((start, end, digits))
    return kept


def _with_words_as_digits(text: str, chunks: list[tuple[int, int, str]]) -> str:
    """``text`` with each chunk of digit words replaced by its digits and glue (same width)."""
    pieces: list[str] = []
    last = 0
    for start, end, digits in chunks:
        pieces.append(text[last:start])
        pieces.append(digits)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _national_region(region: str) -> str | None:
    """The region for national forms, or None when ``region`` is not one phonenumbers knows."""
    upper = region.upper() if region else ""
    return upper if upper in phonenumbers.SUPPORTED_REGIONS else None


def _read_run(text: str, work: str, run_start: int, run_end: int) -> _Run:
    """The groups of one run with their digits and ``+``; blocked if they do not read as digits
    or are longer than any phone."""
    before = text[max(0, run_start - 3) : run_start]
    plus = before.rstrip(" (").endswith("+") or (
        before.endswith(("/", "=", "/+"))
        and _MESSENGER_LINK_RE.search(text, max(0, run_start - 40), run_start) is not None
    )
    has_inner_plus = "+" in text[run_start:run_end]
    starts: list[int] = []
    ends: list[int] = []
    digit_groups: list[str] = []
    pluses: list[bool] = []
    blocked_groups: list[bool] = []
    lone_words: list[bool] = []
    for match in _GROUP_RE.finditer(work, run_start, run_end):
        start, end = match.span()
        if has_inner_plus and ends:
            plus = "+" in text[ends[-1] : start]
        elif ends:
            plus = False
        digits = match.group()
        if not digits.isdigit():
            read = _read_group(work, start, end, first=not ends)
            if read is None:
                digits = ""  # blocked below
            else:
                end, digits = read
        if digits == "0" and pluses and pluses[-1] and text[start - 1 : end + 1] == "(0)":
            continue  # "+44 (0)20": the trunk prefix, not dialled from abroad
        blocked = (
            not digits
            or len(digits) > _MAX_DIALLED_DIGITS
            or (len(digits) > _MAX_NUMBER_DIGITS and not digits.startswith("00"))
        )
        starts.append(start)
        ends.append(end)
        digit_groups.append(digits)
        pluses.append(plus and not blocked)
        blocked_groups.append(blocked)
        lone_words.append(len(digits) == 1 and text[start] in _ASCII_LETTERS)
    return _Run(starts, ends, digit_groups, pluses, blocked_groups, lone_words, [])


def _read_group(work: str, start: int, end: int, *, first: bool) -> tuple[int, str] | None:
    """(end, digits) of the group ``work[start:end]``, or None when it does not read as digits.

    A trailing look-alike cluster glued to a following letter ("2125550123lolx", "55Shop") is
    not part of the group. A group of look-alikes alone ("OlOO") reads as digits only after
    another group of the run, never as a run's ``first`` group ("lol 2125550123").
    """
    group = work[start:end]
    if end < len(work) and work[end] in _ASCII_LETTERS:
        group = group.rstrip("OolISBi")
        end = start + len(group)
    if not group:
        return None
    if _LOOKALIKE_GROUP_RE.fullmatch(group) is None and (
        first or _ALL_LOOKALIKE_RE.fullmatch(group) is None
    ):
        return None
    return end, group.translate(_GROUP_DIGITS)


def _any_plausible(groups: _Run, region: str | None) -> bool:
    """Whether some sequence of groups has a length worth handing to phonenumbers."""
    count = len(groups.digits)
    for first in range(count):
        if groups.blocked[first]:
            continue
        digits = ""
        for last in range(first, count):
            if groups.blocked[last] or (last > first and groups.plus[last]):
                break
            digits += groups.digits[last]
            if len(digits) > _MAX_DIALLED_DIGITS:
                break
            if len(digits) >= _MIN_DIGITS and _plausible(digits, groups.plus[first], region):
                return True
    return False


def _blocked_in_context(text: str, lower: str, groups: _Run) -> list[bool]:
    """Which groups are blocked once the text around them is read: dates, prices, ids, URLs,
    tokens that mix letters and digits."""
    run_start, run_end = groups.starts[0], groups.ends[-1]
    lower_before = lower[max(0, run_start - _CHUNK_CHARS) : run_start]
    chunk_before = lower_before[lower_before.rfind(" ") + 1 :].rsplit("\n", 1)[-1]
    in_url = (
        bool(chunk_before)
        and _URL_CHUNK_RE.search(chunk_before) is not None
        and _MESSENGER_LINK_RE.search(chunk_before) is None
    )
    if in_url:
        # A URL ends at the first space: groups after it ("site.com/jane46.\n1-206-555-0117")
        # are read on their own merits.
        space = _SPACE_RE.search(text, run_start, run_end)
        url_end = space.start() if space is not None else run_end
        url_blocked = [start < url_end for start in groups.starts]
        if all(url_blocked):
            return url_blocked
    else:
        url_blocked = [False] * len(groups.starts)
    first_blocked = _after_id_cue(lower_before[-_CUE_CHARS:])
    if not first_blocked and run_start > 0 and text[run_start - 1] in _ASCII_ALNUM:
        glued = _ALNUM_BEFORE_RE.search(text, max(0, run_start - _CUE_CHARS), run_start)
        # A word may touch a whole number ("call2125550123"), but a few digits glued to the end
        # of a word are part of a name or tag ("$jane77. 212..."), never the start of a phone.
        first_blocked = (
            glued is None
            or not _is_plain_word(glued.group())
            or len(groups.digits[0]) < _MIN_GLUED_DIGITS
        )
    last_blocked = False
    if run_end < len(text) and text[run_end] in _ASCII_ALNUM:
        glued = _ALNUM_AFTER_RE.match(text, run_end)
        last_blocked = glued is None or not _is_plain_word(glued.group())
    blocked = [own or in_link for own, in_link in zip(groups.blocked, url_blocked, strict=True)]
    blocked[0] = blocked[0] or first_blocked
    blocked[-1] = blocked[-1] or last_blocked
    window_start = max(0, run_start - _NOT_PHONE_MARGIN)
    window_end = run_end + _NOT_PHONE_MARGIN
    if not _may_hold_not_phone(text[window_start:window_end], groups):
        return blocked
    for match in _NOT_PHONE_RE.finditer(text, window_start, window_end):
        not_start, not_end = match.span()
        for index, (start, end) in enumerate(zip(groups.starts, groups.ends, strict=True)):
            if not_start < end and start < not_end:
                blocked[index] = True
    return blocked


def _may_hold_not_phone(window: str, groups: _Run) -> bool:
    """A cheap test before :data:`_NOT_PHONE_RE`: whether the run and its margins have the
    shape of a date, time range, measurement, height, price or ZIP code at all.

    Most phones ("(212) 555-0123": groups of 3, 3 and 4 digits, no currency) do not.
    """
    if any(sign in window for sign in "$€£¥'"):
        return True
    if "-" in window[:_NOT_PHONE_MARGIN]:
        return True  # "34DD-24-36": the measurement starts before the run
    lengths = [len(digits) for digits in groups.digits]
    if 5 in lengths:
        return True  # a ZIP code
    return any(
        (first <= 2 and second <= 2 and third in (2, 4)) or (first == 4 and second <= 2 >= third)
        for first, second, third in zip(lengths, lengths[1:], lengths[2:], strict=False)
    )


def _after_id_cue(lower_before: str) -> bool:
    """Whether the lower-cased text before a run ends with an id cue (see :data:`_ID_WORDS`)."""
    cue = _REVERSED_CUE_RE.match(lower_before[::-1])
    if cue is None:
        return False
    word = cue.group("word")[::-1]
    if word in _ID_WORDS:
        return True
    mark = cue.group("mark") or ""
    return word in _RECORD_WORDS and ("#" in mark or "№" in mark or cue.group("num") is not None)


def _is_plain_word(chunk: str) -> bool:
    """A word glued to a number ("call2125550123now") is prose; "0x52..." or "R76b53" is not."""
    return (
        len(chunk) >= 2
        and chunk.isalpha()
        and (chunk.islower() or chunk.isupper() or chunk.istitle())
    )


def _numbers(groups: _Run, region: str | None) -> list[tuple[int, int, str]]:
    """(start, end, E.164) of each number made of whole groups, left to right."""
    numbers: list[tuple[int, int, str]] = []
    count = len(groups.starts)
    i = 0
    while i < count:
        best = _longest_valid(groups, i, region)
        if best is None:
            i += 1
            if groups.plus[i - 1]:
                # The digits after a "+" belong to an international number, even a bad one:
                # read on from the next "+" rather than as a national number.
                while i < count and not groups.plus[i]:
                    i += 1
            continue
        first, last, canonical = best
        numbers.append((groups.starts[first], groups.ends[last], canonical))
        i = last + 1
    return numbers


def _longest_valid(groups: _Run, first: int, region: str | None) -> tuple[int, int, str] | None:
    """The longest valid number starting at group ``first``: (first, last, E.164)."""
    if groups.blocked[first]:
        return None
    total = 0
    last = first
    count = len(groups.starts)
    while last < count:
        if groups.blocked[last] or (last > first and groups.plus[last]):
            break
        total += len(groups.digits[last])
        if total > _MAX_DIALLED_DIGITS:
            break
        last += 1
    lone_word = groups.lone_word
    for stop in range(last - 1, first - 1, -1):
        canonical = _canonical_of(groups, first, stop, region)
        if canonical is None:
            continue
        # A lone digit word at either edge, next to a group with real digits, is dropped when
        # the number stands without it: "one 212 555 0123" is prose before a number.
        if stop > first and lone_word[first] and not lone_word[first + 1]:
            trimmed = _canonical_of(groups, first + 1, stop, region)
            if trimmed is not None:
                return first + 1, stop, trimmed
        if stop > first and lone_word[stop] and not lone_word[stop - 1]:
            trimmed = _canonical_of(groups, first, stop - 1, region)
            if trimmed is not None:
                return first, stop - 1, trimmed
        return first, stop, canonical
    return None


def _mixed_widths(parts: list[str], lone_word: list[bool]) -> bool:
    """Whether digit groups mix single digits and longer numbers ("9 10 11 12 1 2 3"): a list
    of small numbers, not one number written in parts (spelled digits do not count)."""
    if len(parts) < 4:
        return False
    single = sum(
        1 for part, word in zip(parts, lone_word, strict=True) if len(part) == 1 and not word
    )
    return single >= 2 and len(parts) - single >= 2


def _number_lists(groups: _Run) -> list[int]:
    """For each group, the index of the last group of the list of numbers it is in, or -1.

    Four or more groups in steps ("1 2 3 4 5", "one two three four", "100 150 200 250") or all
    round ("250 300 400 500": multiples of 50) are a list: phone numbers are written in parts of
    steady widths with no such pattern, though a part of one may count up ("... 0 1 2 3"). A
    number that lies wholly inside such a list is rejected, its tail included. Permissive
    numbering plans (Germany's) would otherwise accept them. Three round parts ("800 500 1000")
    may still be a number.
    """
    values = [
        int(digits) if digits and len(digits) <= _MAX_DIALLED_DIGITS else -1
        for digits in groups.digits
    ]
    count = len(values)
    list_end = [-1] * count
    first = 0
    while first <= count - _MIN_LIST_PARTS:  # steps
        step = values[first + 1] - values[first]
        if values[first] < 0 or values[first + 1] < 0 or step == 0:
            first += 1
            continue
        last = first + 1
        while last + 1 < count:
            following = values[last + 1]
            if following < 0 or following - values[last] != step:
                break
            last += 1
        if last - first + 1 >= _MIN_LIST_PARTS:
            list_end[first : last + 1] = [last] * (last - first + 1)
        first = last
    if any(value >= 50 and value % 50 == 0 for value in values):
        first = 0
        while first < count:  # round numbers
            last = first
            while last < count and values[last] >= 50 and values[last] % 50 == 0:
                last += 1
            if last - first >= _MIN_LIST_PARTS:
                list_end[first:last] = [max(last - 1, end) for end in list_end[first:last]]
            first = last + 1
    return list_end


def _canonical_of(groups: _Run, first: int, last: int, region: str | None) -> str | None:
    """E.164 of groups ``first..last`` if they make a valid number of a plausible length."""
    parts = groups.digits[first : last + 1]
    digits = "".join(parts)
    plus = groups.plus[first]
    if not _plausible(digits, plus, region):
        return None
    if groups.list_end and groups.list_end[first] >= last:
        return None  # wholly inside a list of numbers
    if _mixed_widths(parts, groups.lone_word[first : last + 1]):
        return None
    if plus:
        return _e164("+" + digits, None)
    if digits.startswith("00"):
        return _e164("+" + digits[2:], None)
    if region in _NANP_REGIONS and len(digits) == 10 and digits[0] in "23456789":
        # In a +1 region a ten-digit national number parses to the same number as "+1" and
        # the digits: one memo entry for both spellings, which ads use interchangeably.
        return _e164("+1" + digits, None)
    return _e164(digits, region)


def _plausible(digits: str, plus: bool, region: str | None) -> bool:
    """Whether ``digits`` have a length that a number can have: after ``+`` or ``00``, for the
    country code they start with; otherwise for ``region``."""
    if len(digits) < _MIN_DIGITS:
        return False
    if plus:
        return _international_length_ok(digits)
    if digits.startswith("00"):
        return not digits.startswith("000") and _international_length_ok(digits[2:])
    if region is None or len(digits) > _MAX_DIALLED_DIGITS:
        return False
    lengths, prefixes = _national_shape(region)
    return len(digits) in lengths or bool(prefixes and digits.startswith(prefixes))


def _international_length_ok(digits: str) -> bool:
    """Whether ``digits`` (after ``+``) start with a calling code and have a length possible
    under it."""
    if not _MIN_DIGITS <= len(digits) <= _MAX_NUMBER_DIGITS:
        return False
    for code_length in (1, 2, 3):
        lengths = _lengths_of_country_code(int(digits[:code_length]))
        if lengths:
            return len(digits) - code_length in lengths
    return False


@cache
def _lengths_of_country_code(country_code: int) -> frozenset[int]:
    """National number lengths possible under a calling code (empty: no such code)."""
    lengths: set[int] = set()
    for region_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            country_code, region_code
        )
        if metadata is not None and metadata.general_desc is not None:
            lengths.update(metadata.general_desc.possible_length or ())
    return frozenset(lengths)


@cache
def _national_shape(region: str) -> tuple[frozenset[int], tuple[str, ...]]:
    """Lengths of digit strings worth parsing in ``region`` (the national number alone, with the
    trunk prefix or with the country code) and the plain international prefix ("011") that
    phonenumbers strips itself."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset(), ()
    national = set(metadata.general_desc.possible_length or ())
    extra = (0, len(metadata.national_prefix or ""), len(str(metadata.country_code)))
    lengths = frozenset(length + add for length in national for add in extra)
    idd = metadata.international_prefix or ""
    return lengths, ((idd,) if idd.isdigit() else ())


#: Regions of the North American Numbering Plan (calling code 1).
_NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])


@lru_cache(maxsize=262_144)
def _e164(number: str, region: str | None) -> str | None:
    """E.164 of ``number`` if phonenumbers calls it valid. The answer is phonenumbers' (parse,
    is_valid_number, format E.164), read from its compiled metadata by :mod:`.phonemeta` without
    ``parse`` (a few microseconds instead of about 0.1 ms). Memoised: the same numbers recur
    across the ads of one network; a quarter million entries (~40 MB) hold a large corpus's."""
    e164 = phonemeta.e164(number, region)
    # phonenumbers accepts some national strings that come out longer than E.164 allows.
    return e164 if e164 is not None and len(e164) <= _MAX_NUMBER_DIGITS + 1 else None
