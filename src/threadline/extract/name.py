"""Persona names: the first name an ad gives its persona, so that a network's personas are
name + claimed age, not the post's author id alone.

Canonical form: the name NFKC-normalised and casefolded (``Jasmine`` -> ``jasmine``). The value
is the name as written, without its cue.

Precision comes first, because a wrong name splits or merges personas downstream. A word is a
name only when it stands in a name's place, a **cue**:

* a cue before it: ``I'm X``, ``I am X``, ``Im X``, ``my name is X``, ``my name's X``,
  ``name: X``, ``they call me X``, ``call me X``, ``meet X``, ``ask for X`` (``ask 4 X``),
  ``this is X``, ``say hi to X``, ``xoxo X``, ``love, X``, ``kisses, X``, ``just arrived: X``
  (in titles: ``Just arrived: X``, ``visit - ask for X``);
  in Spanish ``soy X``, ``me llamo X``, ``mi nombre es X``, ``pregunta por X``; in Portuguese
  ``sou X``, ``me chamo X``, ``meu nome é X``; ``je m'appelle X``; ``меня зовут X``;
* a cue after it: ``X here``, ``X just turned 18``;
* a claimed age right after it: ``X, 21``, ``X 21yo``, ``X (21)``, ``X age 21``, ``X 21 years
  old``, ``X, only 19``, ``X, 22 años``: title forms such as ``X 23yo - sweet and young``.

A cue word written with two neighbouring letters swapped (``heer``, ``my nmae is``, ``say hi ot``)
still counts: that is the commonest typo, and ads are typed in a hurry.

And the word must pass one of two tests:

* it is in the first-name list (``data/first_names.txt``: US Census 1990 names and Faker's
  per-locale lists, see its header), written capitalised, in capitals or in a script without
  case; lowercase (``im jasmine``) only with an age right after it or an explicit naming cue
  (``my name is``, ``they call me``, ``me llamo``...);
* or, for a name the list lacks (``Lexi``, ``Nyxie``), the **strong cue**: written capitalised
  (``Lexi``, not ``LEXI`` nor ``lexi``), not ending like an English verb or adverb (``-ed``,
  ``-ing``, ``-ly``...), and either a claimed age (10 or more) right after it, an explicit
  naming cue, or an apposition after ``I'm``/``meet``... (``I'm Lexi, a petite ...``). After an
  age alone (no cue before), the age must look like one: a unit (``yo``, ``years``), ``age``,
  brackets or a comma, or the name starting a segment of the ad.

Words that are cues or ad vocabulary (``new``, ``girls``, ``gentlemen``, ``daddy``, ``baby``,
``here``, ``details``, ``available``...) are never names, even capitalised: ``meet new girls``,
``ask for details``, ``I'm Available``. A city that is also a name (``Charlotte``, ``Austin``)
is decided by context: ``meet Charlotte, 21`` is a name; ``in Charlotte`` has no name cue, and
the extraction facade lets a place span win over a name.

Scripts: any script whose words are separated by spaces (Latin, Cyrillic, Greek, Arabic...);
capitalisation is required only of cased scripts. Not supported: scripts written without spaces
(Chinese, Japanese, Thai), where a name has no word boundary to find.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import ahocorasick  # type: ignore[import-not-found,unused-ignore]  # ships no type hints

from threadline.extract.normalize import Folded
from threadline.records import Identifier

__all__ = ["STOP_WORDS", "find", "first_names", "is_first_name"]

_DATA = Path(__file__).resolve().parent.parent / "data" / "first_names.txt"

#: Longest name accepted (characters); a longer word is a run-on or a username.
_MAX_NAME = 20
#: Youngest claimed age that makes a number after a name an age (as :mod:`age` reads ages).
_MIN_AGE = 10
#: Endings of English verbs, adverbs and abstract nouns: a capitalised word the name list lacks
#: that ends so is not taken for a name.
_WORD_ENDINGS = ("ed", "ing", "ly", "tion", "ment", "ness", "able", "ful", "less", "ies")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that follow a name cue in ads without being a name: function words, ad vocabulary,
#: descriptions, cue words themselves, and common words that are also in the name lists.
STOP_WORDS: frozenset[str] = _words(
    """
    a an the this that these those it its is are was be been am im i'm i’m i me my mine myself
    you your
    yours u ur he him his she her hers we us our they them their who what when where why how
    which whom whose here there now then today tonight tomorrow yesterday weekend week day days
    night nights morning evening afternoon and or but so not no nor yes yeah yep ok okay if as
    at by for from in into of off on onto out over to up down with without about above after
    before again against all any both each few more most other some such only own same too very
    can will just should would could may might must shall do does did done doing have has had
    having also else ever many much among anyone anybody anything everything nothing something
    someone somebody everyone noone one two three four five six seven eight nine ten first last
    next back away around again always never still already almost really truly totally fully
    new newbie newest girl girls gal gals lady ladies woman women chick chicks guy guys man men
    gentleman gentlemen gents gent sir sirs boys boy daddy daddies baby babe babes babies bae
    hun hon sweetie sweetheart darling dear dearest mami mamii mommy papi papa
    beautiful gorgeous pretty cute sexy hot hottest sweet sweetest young younger fresh petite
    tiny small little big tall slim thin curvy thick busty bbw milf mature exotic ebony latina
    asian white black blonde blond brunette redhead redheaded classy elegant naughty nice
    shy playful bubbly sultry sensual discreet discrete independent indy indie real genuine
    verified legit legal safe clean single married available ready open free busy bored lonely
    horny wet waiting looking here hear visiting located based staying traveling travelling
    arriving arrived leaving moving passing coming going staying open online offline visiting
    student model escort escorts companion provider providers courtesan dancer stripper masseuse
    massage massages spa incall incalls outcall outcalls carcall rates rate price prices
    donation donations roses rose special specials deal deals discount details detail info
    information more pics pic pictures picture photos photo selfies videos video text texts
    texting call calls calling message messages msg dm email number phone contact book booking
    appointment appointments appt session sessions service services available availability
    everyday anytime sometime whenever ask asking meet meeting meets see seeing hello hi hey
    hiya hii hiii greetings welcome thanks thank please love loves loving lover kisses kiss
    xoxo xo hugs muah bye cheers best regards truly sincerely yours yummy juicy wild kinky
    friendly fun funny happy lucky princess queen king lady miss mistress goddess angelic
    doll kitten peach diamonds stars vip town city area downtown uptown hotel motel
    room suite apt apartment unit exit highway route street st ave road rd interstate station
    airport mall park center centre north south east west page top bottom size age aged years
    cities states countries towns areas places locations
    tengo tiene tienes tenemos cumplo experience experiencia since under exactly barely turned
    turning approx nearly
    year yrs yo old legal minute minutes min mins hour hours hr hrs half quick short long
    full way will may bill art job man son sun toy gay fem see so un le la el lo los las les
    de del da do das dos du des y e o en con sin por para tu su mi te se nos una uno unos
    unas muy mas más nueva nuevo nuevas nuevos chica chicas chico nena bebe bebé mamita
    linda bonita guapa hermosa preciosa caliente rica sabrosa joven jovencita morena rubia
    latina colombiana venezolana mexicana dominicana cubana brasileña brasilena independiente
    discreta real disponible lista aqui aquí hola besos amor cariño carino papi señor senor
    caballero caballeros novia novio gringo nuevo sou uma um eu você voce gata
    morena loira safada
    """
)

#: Endings of an English contraction (``I'm``, ``you're``), which no name has.
_CONTRACTIONS = frozenset({"m", "s", "re", "ll", "ve", "d", "t"})

_LETTERS = r"[^\W\d_]"
#: A name: letters, optionally one inner apostrophe or hyphen part (``D'Asia``, ``Mary-Jane``).
_NAME = rf"{_LETTERS}+(?:['’\-]{_LETTERS}+)?"
#: The same, read backwards (for matching on the reversed text).
_NAME_REVERSED = rf"(?:{_LETTERS}+['’\-])?{_LETTERS}+"
#: Between a cue and the name: spaces, an optional colon, comma or dash, at most one line break.
_GAP = r"(?:[ \t]*[:,\-–][ \t]*\n?[ \t]*|[ \t]*\n[ \t]*|[ \t]+)"

#: Cues before a name: (first words as written in lowercase, pattern, explicit). One
#: Aho-Corasick pass finds the first words; the cue's own pattern is then matched there.
#: ``explicit`` cues say that a name follows (``my name is``): a capitalised word there is a name
#: even when the name list lacks it.
_CUES_BEFORE: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("i'm", "i’m", "i`m", "i´m", "im"), r"i[ \t]*['’`´]?[ \t]*m", False),
    (("i am",), r"i[ \t]+am", False),
    (("iam",), r"iam", False),
    (("my name",), r"my[ \t]+name(?:[ \t]*(?:is|['’]?s)|s)", True),
    (("name",), r"name[ \t]*[:=]", True),
    (("call me",), r"call[ \t]+me", False),
    (("meet",), r"meet", False),
    (("ask for", "ask 4"), r"ask[ \t]+(?:for|4)", False),
    (("aks for",), r"aks[ \t]+for", False),
    (("this is",), r"this[ \t]+is", False),
    (("say hi", "say hello"), r"say[ \t]+(?:hi|hello)[ \t]+(?:to|ot)", False),
    (("xoxo",), r"xoxo", False),
    (("love",), r"love[ \t]*,", False),
    (("kisses",), r"kisses[ \t]*,", False),
    (("arrived",), r"arrived[ \t]*[:!\-]", False),
    (("soy",), r"soy", False),
    (("sou",), r"sou", False),
    (("pregunt",), r"pregunt[ae]n?[ \t]+por", False),
    (("me llamo",), r"me[ \t]+llamo", True),
    (("mi nombre",), r"mi[ \t]+nombre[ \t]+es", True),
    (("me chamo",), r"me[ \t]+chamo", True),
    (("meu nome",), r"meu[ \t]+nome[ \t]+[eé]", True),
    (("je m",), r"je[ \t]+m['’]appelle", True),
    (("меня зовут",), r"меня[ \t]+зовут", True),
)
_CUE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(f"(?:{pattern}){_GAP}(?P<name>{_NAME})", re.IGNORECASE)
    for _, pattern, _ in _CUES_BEFORE
)
#: Cues after a name, read backwards from where they start: ``X here``, ``X just turned 18``.
_CUES_AFTER: tuple[str, ...] = ("here", "just turned")
_CALL_ME = next(i for i, (words, _, _) in enumerate(_CUES_BEFORE) if words == ("call me",))
#: How far after a name an age may start and still be that name's (``Rosa (age 22``).
_AGE_REACH = 12
#: Before ``call me``, what makes it a naming cue ("they call me X", not "call me now").
_CALL_ME_EXPLICIT = re.compile(
    r"(?:they|you[ \t]+can|u[ \t]+can|just|everyone|friends)[ \t]+\Z", re.IGNORECASE
)
#: After a name, an apposition that makes it one: ``I'm Lexi, a petite ...``, ``your ...``.
_APPOSITION = re.compile(r"[ \t]*,[ \t]*(?:a|an|your)[ \t]", re.IGNORECASE)
#: The spaces and the name before a cue after it, read backwards.
_NAME_BEFORE_CUE = re.compile(rf"[ \t]+(?P<name>{_NAME_REVERSED})(?![^\W_])")
#: A name ending where an age starts (``Jasmine, 21``, ``Rosa (age 22``, ``Lexi - 21``), read
#: backwards from the age's first digit.
_NAME_BEFORE_AGE = re.compile(
    r"(?P<marker>[ \t]*[:=]?[ \t]*(?:ega|dega|dade|ylno|tsuj|ylerab|olos)[ \t]*\(?)?"
    r"(?P<sep>[ \t]*[,(:\-–][ \t]*|[ \t]+)"
    rf"(?P<name>{_NAME_REVERSED})(?![^\W_])",
    re.IGNORECASE,
)
#: An age right after a name (``, 21``, `` (21)``, `` age 22``, ``, nineteen``), optionally
#: after ``here``.
_AGE_AFTER_NAME = re.compile(
    r"(?:[ \t]+(?:here|heer|hree))?[ \t]*[,(:\-–]?[ \t]*\(?[ \t]*"
    r"(?:(?:only|just|barely|now|solo|age|aged|edad)[ \t]*[:=]?[ \t]*)?"
    r"(?:\d\d(?!\d)|(?:eighteen|nineteen|twenty|thirty|forty|fifty|dieciocho|diecinueve|veinte|"
    r"veinti[^\W\d_]+|treinta|cuarenta)(?![^\W\d_]))",
    re.IGNORECASE,
)
#: An age unit right after the number: this number is an age.
_AGE_UNIT = re.compile(
    r"[ \t]*-?[ \t]*(?:y[ \t]*/[ \t]*o|y\.[ \t]*o\.?|yo|yrs?|years?|a[ñn]os|anos)(?![^\W\d_])|"
    r"[ \t]*\)",
    re.IGNORECASE,
)
#: What after a number makes it no age: money, time, distance, measures, more digits.
_NOT_AGE_AFTER = re.compile(
    r"[^\W\d_]|[ \t]*(?:%|\+|/|\$|€|£|\d|[.,]\d|-[ \t]*\d|"
    r"(?:min|mins|minutes?|mi|miles?|blocks?|hours?|hrs?|hr|h|dollars?|bucks|roses|usd|cad|"
    r"pesos|euros?|k|kg|lbs?|pounds|cm|inch(?:es)?|in|ft|feet|percent|times|pm|am|x|dd|"
    r"minutos|horas|cuadras|km|hh|qv|hhr|fs)(?![^\W\d_]))",
    re.IGNORECASE,
)
#: Where a segment of an ad starts (a name starting one needs no other cue before an age).
_SEGMENT_START = re.compile(r"(?:\A|[\n|•·*~!?.;:]|[ \t][-–][ \t]|[ \t]{2})[ \t]*\Z")
#: ASCII bytes -> "0" for digits, space otherwise: two-digit runs found with ``bytes.find``.
_DIGIT_MASK = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
#: What may stand right before a two-digit age that follows a name (``Jasmine 21``,
#: ``Jasmine, 21``, ``Rosa (21``, ``Rosa age: 21``, ``Lexi - 21``).
_BEFORE_AGE_CHARS = frozenset(" \t,(:=-–")


def _transpositions(phrase: str) -> list[str]:
    """``phrase`` with two neighbouring letters of one word swapped, the commonest typo
    (``heer``, ``meet`` -> ``mete``); words under four letters are left as written."""
    variants: list[str] = []
    offset = 0
    for word in phrase.split(" "):
        if len(word) >= 4 and word.isalpha():
            for i in range(len(word) - 1):
                if word[i] != word[i + 1]:
                    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
                    variants.append(phrase[:offset] + swapped + phrase[offset + len(word) :])
        offset += len(word) + 1
    return variants


@cache
def _automaton() -> Any:
    """Aho-Corasick automaton of every cue's first words, as written and with one typo: value
    (length, cue, spelling), where ``cue`` indexes :data:`_CUES_BEFORE` (``-1`` for a cue after
    the name) and ``spelling`` is the word as the cue's pattern reads it (None when the text
    has it so)."""
    automaton = ahocorasick.Automaton()
    entries: list[tuple[str, int]] = [
        (word, index) for index, (words, _, _) in enumerate(_CUES_BEFORE) for word in words
    ]
    entries += [(word, -1) for word in _CUES_AFTER]
    exact = {word for word, _ in entries}
    for word, index in entries:
        automaton.add_word(word, (len(word), index, None))
    for word, index in entries:
        for typo in _transpositions(word):
            if typo not in exact and not automaton.exists(typo):
                automaton.add_word(typo, (len(typo), index, word))
    automaton.make_automaton()
    return automaton


def _lower(text: str) -> str:
    """``text`` lowercased with one character per character (offsets kept)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


def _two_digit_numbers(text: str) -> list[int]:
    """Start of every run of exactly two digits (``fold`` made every digit ASCII, and
    ``encode("ascii", "replace")`` keeps one byte per character)."""
    mask = b" " + text.encode("ascii", "replace").translate(_DIGIT_MASK) + b" "
    starts: list[int] = []
    found = mask.find(b" 00 ")
    while found != -1:
        starts.append(found)  # the pad before the digits cancels the pad at the mask's start
        found = mask.find(b" 00 ", found + 3)
    return starts


@cache
def first_names() -> frozenset[str]:
    """The first-name list, casefolded, with every name's accent-free spelling too."""
    names: set[str] = set()
    with _DATA.open(encoding="utf-8") as handle:
        for line in handle:
            name = line.strip()
            if name and not name.startswith("#"):
                names.add(name)
                names.add(_strip_accents(name))
    return frozenset(names)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _key(name: str) -> str:
    """Canonical form: NFKC, casefolded."""
    if name.isascii():
        return name.lower()
    return unicodedata.normalize("NFKC", name).casefold()


def is_first_name(word: str) -> bool:
    """Whether ``word`` is in the first-name list (any case, accents optional)."""
    return _listed(_key(word))


def _listed(key: str) -> bool:
    names = first_names()
    return key in names or (not key.isascii() and _strip_accents(key) in names)


def _trim(text: str, start: int, end: int) -> int:
    """End of the name without a possessive ``'s`` (``Jasmine's``)."""
    if end - start > 2 and text[end - 2] in "'’" and text[end - 1] in "sS":
        return end - 2
    return end


def _age_follows(text: str, end: int) -> bool:
    """Whether a claimed age starts right after a name ending at ``end``."""
    found = _AGE_AFTER_NAME.match(text, end)
    if found is None:
        return False
    number_end = found.end()
    if text[number_end - 1].isdigit() and int(text[number_end - 2 : number_end]) < _MIN_AGE:
        return False
    return not _NOT_AGE_AFTER.match(text, number_end) or bool(_AGE_UNIT.match(text, number_end))


def _accept(text: str, start: int, end: int, *, explicit: bool, cued: bool = True) -> bool:
    """Whether ``text[start:end]`` is a name (see the module docstring): ``explicit`` after a
    naming cue, ``cued`` after or before a cue word (else the name stands before an age)."""
    if end - start < 2 or end - start > _MAX_NAME:
        return False
    word = text[start:end]
    key = _key(word)
    if key in STOP_WORDS:
        return False
    if "'" in key or "’" in key:
        head, _, tail = key.replace("’", "'").partition("'")
        if tail in _CONTRACTIONS or head in STOP_WORDS:
            return False  # "I'm", "you're", "it's": never a name
    first = word[0]
    cased = first.isupper() or first.islower()
    if _listed(key):
        if first.isupper() or not cased or explicit:
            return True
        return cued and _age_follows(text, end)
    if cased and (not first.isupper() or word.isupper()):
        return False  # a word the list lacks must be written capitalised: "Velvet"
    if key.endswith(_WORD_ENDINGS):
        return False  # "Claimed age 18", "Amazing, 22": a verb or an adjective, not a name
    return explicit or not cued or _age_follows(text, end)


def _before_age(
    text: str, reversed_text: str, number_start: int, known: dict[int, int]
) -> tuple[int, int, bool] | None:
    """The name right before a two-digit age at ``number_start``: (start, end, sure), where
    ``sure`` says the age is marked as one (unit, ``age``, brackets, comma or a name starting a
    segment); None also for a name in ``known``. Cheapest tests first: most two-digit numbers
    have no word right before them."""
    if number_start < 3 or text[number_start - 1] not in _BEFORE_AGE_CHARS:
        return None
    if int(text[number_start : number_start + 2]) < _MIN_AGE:
        return None
    size = len(text)
    found = _NAME_BEFORE_AGE.match(reversed_text, size - number_start)
    if found is None:
        return None
    r_start, r_end = found.span("name")
    start, end = size - r_end, size - r_start
    if start in known or _key(text[start:end]) in STOP_WORDS:
        return None
    number_end = number_start + 2
    unit = _AGE_UNIT.match(text, number_end)
    if unit is None and _NOT_AGE_AFTER.match(text, number_end):
        return None
    sep = found.group("sep")
    marker = (found.group("marker") or "").lower()
    sure = unit is not None or "ega" in marker or "dade" in marker or "," in sep or "(" in sep
    if not sure and _SEGMENT_START.search(text, max(0, start - 8), start):
        sure = True
    return start, end, sure


def _other_mentions(text: str, spans: dict[int, int]) -> None:
    """Add to ``spans`` every other mention of a name found by a cue, written the same way as
    a whole word ("Unforgettable time with Priya" in the title of an ad whose text says "I'm
    Priya"): once a cue has named her, the same word elsewhere in the post is her name too."""
    for written in {text[start:end] for start, end in spans.items()}:
        if not written[:1].isupper():
            continue
        at = text.find(written)
        while at >= 0:
            after = at + len(written)
            if (
                at not in spans
                and (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"))
                and (after == len(text) or not (text[after].isalnum() or text[after] == "_"))
            ):
                spans[at] = after
            at = text.find(written, after)


def find(folded: Folded, region: str) -> list[Identifier]:
    """Persona names in ``folded`` (``region`` is unused: cues do not depend on it)."""
    del region
    text = folded.text
    if not text:
        return []
    spans: dict[int, int] = {}
    reversed_text = ""
    lowered = _lower(text)
    size = len(text)
    for last, (length, cue_index, spelling) in _automaton().iter(lowered):
        start = last - length + 1
        if start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
            continue
        if cue_index < 0:
            if last + 1 < size and (lowered[last + 1].isalnum() or lowered[last + 1] == "_"):
                continue
            reversed_text = reversed_text or text[::-1]
            named = _NAME_BEFORE_CUE.match(reversed_text, size - start)
            if named is None:
                continue
            name_start, name_end = size - named.end("name"), size - named.start("name")
            if name_start not in spans and _accept(text, name_start, name_end, explicit=False):
                spans[name_start] = name_end
            continue
        if spelling is not None:  # a typo in the cue: read it spelt right (same length)
            cue = _CUE_PATTERNS[cue_index].match(
                text[:start] + spelling + text[start + length :], start
            )
        else:
            cue = _CUE_PATTERNS[cue_index].match(text, start)
        if cue is None:
            continue
        name_start, name_end = cue.span("name")
        if name_start in spans:
            continue
        name_end = _trim(text, name_start, name_end)
        explicit = _CUES_BEFORE[cue_index][2] or (
            cue_index == _CALL_ME
            and _CALL_ME_EXPLICIT.search(text, max(0, start - 16), start) is not None
        )
        if _accept(text, name_start, name_end, explicit=explicit) or (
            _APPOSITION.match(text, name_end) and _accept(text, name_start, name_end, explicit=True)
        ):
            spans[name_start] = name_end
    numbers = _two_digit_numbers(text)
    if numbers:
        ends = sorted(spans.values())
        for number_start in numbers:
            # An age right after a name found already ("Meet Jasmine, 21") adds nothing.
            if any(0 <= number_start - end <= _AGE_REACH for end in ends):
                continue
            reversed_text = reversed_text or text[::-1]
            before = _before_age(text, reversed_text, number_start, spans)
            if before is None:
                continue
            name_start, name_end, sure = before
            if (sure or is_first_name(text[name_start:name_end])) and _accept(
                text, name_start, name_end, explicit=False, cued=False
            ):
                spans[name_start] = name_end
    if spans:
        _other_mentions(text, spans)
    found: list[Identifier] = []
    last_end = -1
    for start, end in sorted(spans.items()):
        if start < last_end:
            continue
        last_end = end
        o_start, o_end = folded.span(start, end)
        found.append(
            Identifier(
                "name", folded.original[o_start:o_end], _key(text[start:end]), o_start, o_end
            )
        )
    return found
