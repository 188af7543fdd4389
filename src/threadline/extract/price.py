"""Prices and rates: ``$200hh``, ``150 roses/hr``, ``€100``, ``MXN 500``, ``2k a month``.

Canonical form: ``AMOUNT CUR`` or ``AMOUNT CUR/UNIT``, e.g. ``150 USD/hr``, ``100 EUR``. AMOUNT is
a plain decimal without thousands separators or trailing zeros (``$1,500.00`` -> ``1500``,
``$12.50`` -> ``12.5``, ``2k`` -> ``2000``); CUR is an ISO 4217 code; UNIT is one of
:data:`UNITS`.

Rules (each one is a test in ``tests/test_extract_price.py``):

* Currency from the symbol or word: ``€``/``eur``/``euro(s)`` EUR, ``£``/``gbp`` GBP, ``mxn``
  MXN, ``US$``/``usd`` USD, ``C$``/``CA$``/``cad`` CAD, ``A$``/``AU$``/``aud`` AUD, ``₱`` PHP,
  ``₹`` INR; ``pesos`` is the peso of the region when the region uses one, else MXN.
* A bare ``$``, ``dollars`` and ``bucks`` are the region's dollar-sign currency
  (:data:`DOLLAR_SIGN_CURRENCY`: CAD in CA, AUD in AU, MXN in MX, COP in CO...), USD otherwise.
  The ad euphemisms ``roses``, ``donation(s)`` and ``kisses`` are priced in that same currency.
* Units normalised to ``hr`` (hour, 1hr, 60 min, hora), ``hh`` (half hour, 30 min, media hora),
  ``qv`` (quick visit, quickie), ``day``, ``week``, ``month``, ``night`` (overnight, noche).
  Rate-card order works too: ``QV 80 HH 120 HR 200``.
* A number without any currency is a price only as a rate, priced in the region's currency:
  ``200 for hh``, ``150/hr``, ``150hh``, ``80 qv``, ``2k a month`` (amount >=
  :data:`MIN_BARE_AMOUNT`), ``hh 150`` (rate card, >= :data:`MIN_RATE_CARD_AMOUNT`), ``250hr``
  (glued, >= :data:`MIN_GLUED_HOURLY`). A bare number next to ``hr``/``day`` without ``/``,
  ``per``, ``a`` or ``for`` is a duration (``24 hr``, ``24hr``, ``2 hours``), not a price.
* Not prices: ages, phone numbers, dates (``12/25``), ``24/7``, ``100%``, ``120 pounds`` (a
  weight), ``5'6"``. ``$19`` on its own *is* a price.
* Decimal point only, with at most two decimals; thousands groups are commas of exactly three
  digits. ``1.500`` (a European thousands dot) and ``1,50`` are left alone rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from threadline.extract.normalize import Folded
from threadline.records import Identifier

#: Canonical units.
UNITS: tuple[str, ...] = ("hr", "hh", "qv", "day", "week", "month", "night")

#: The currency a bare ``$`` (and "dollars", "bucks", "roses") means, by region. Countries
#: whose own currency is written with ``$``; everywhere else ``$`` is taken as USD.
DOLLAR_SIGN_CURRENCY: dict[str, str] = {
    "US": "USD",
    "PR": "USD",
    "EC": "USD",
    "SV": "USD",
    "PA": "USD",
    "TL": "USD",
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "MX": "MXN",
    "CO": "COP",
    "AR": "ARS",
    "CL": "CLP",
    "UY": "UYU",
    "DO": "DOP",
    "CU": "CUP",
    "SG": "SGD",
    "HK": "HKD",
    "TW": "TWD",
    "JM": "JMD",
    "TT": "TTD",
    "BS": "BSD",
    "BB": "BBD",
    "BZ": "BZD",
    "GY": "GYD",
    "LR": "LRD",
    "NA": "NAD",
    "FJ": "FJD",
    "BN": "BND",
}
#: The peso a bare "pesos" means, by region; MXN elsewhere (the most common in this corpus).
PESO_CURRENCY: dict[str, str] = {
    "MX": "MXN",
    "CO": "COP",
    "AR": "ARS",
    "CL": "CLP",
    "UY": "UYU",
    "DO": "DOP",
    "CU": "CUP",
    "PH": "PHP",
}
#: A number with no currency at all must be at least this to count as a rate ("2 for 1" is not).
MIN_BARE_AMOUNT = 10
#: On a rate card the unit comes first ("hh 150"); a smaller number there is a duration or a
#: count ("hr 2"), not a price.
MIN_RATE_CARD_AMOUNT = 20

_FIXED_CURRENCY: dict[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "quid": "GBP",
    "us$": "USD",
    "usd": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "mx$": "MXN",
    "mxn": "MXN",
    "₱": "PHP",
    "php": "PHP",
    "₹": "INR",
    "inr": "INR",
    "cop": "COP",
    "ars": "ARS",
    "clp": "CLP",
    "nzd": "NZD",
    "dlls": "USD",
    "dls": "USD",
    "dólares": "USD",
    "dolares": "USD",
}
_DOLLAR_WORDS = frozenset(
    {"$", "dollar", "dollars", "bucks", "roses", "rose", "donation", "donations", "kisses"}
)

_UNIT_WORDS: dict[str, str] = {
    "hr": "hr",
    "hrs": "hr",
    "h": "hr",
    "hour": "hr",
    "hours": "hr",
    "hourly": "hr",
    "1hr": "hr",
    "1 hr": "hr",
    "1 hour": "hr",
    "one hour": "hr",
    "60min": "hr",
    "60 min": "hr",
    "60 mins": "hr",
    "hora": "hr",
    "una hora": "hr",
    "1 hora": "hr",
    "hh": "hh",
    "half hour": "hh",
    "half-hour": "hh",
    "half an hour": "hh",
    "1/2 hr": "hh",
    "1/2hr": "hh",
    "1/2 hour": "hh",
    "30min": "hh",
    "30 min": "hh",
    "30 mins": "hh",
    "30 minutes": "hh",
    "media hora": "hh",
    "1/2 hora": "hh",
    "qv": "qv",
    "quick visit": "qv",
    "quickie": "qv",
    "quicky": "qv",
    "15min": "qv",
    "15 min": "qv",
    "15 mins": "qv",
    "rapidito": "qv",
    "day": "day",
    "daily": "day",
    "a day": "day",
    "dia": "day",
    "día": "day",
    "diario": "day",
    "week": "week",
    "wk": "week",
    "weekly": "week",
    "semana": "week",
    "semanal": "week",
    "month": "month",
    "mo": "month",
    "monthly": "month",
    "mes": "month",
    "mensual": "month",
    "night": "night",
    "nite": "night",
    "overnight": "night",
    "all night": "night",
    "noche": "night",
    "toda la noche": "night",
}
#: Units that make a bare number a price even without a connector ("150hh", "80 qv").
_STRONG_UNITS = frozenset({"hh", "qv"})


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, any run of spaces matching ``\\s*``."""
    escaped = sorted((re.escape(w).replace(r"\ ", r"\s*") for w in words), key=len, reverse=True)
    return "|".join(escaped)


_UNIT = rf"(?:{_alternation(_UNIT_WORDS)})"
#: Units that may come before the amount on a rate card ("QV 80 HH 120 1hr 200").
_RATE_CARD_UNITS = {
    word: unit
    for word, unit in _UNIT_WORDS.items()
    if unit in _STRONG_UNITS or (unit == "hr" and word != "h")
}
_RATE_CARD_TAIL = re.compile(
    rf"(?<![A-Za-z0-9/])(?:{_alternation(_RATE_CARD_UNITS)})\Z", re.IGNORECASE
)
#: Last word of every rate-card unit: a cheap test before :data:`_RATE_CARD_TAIL` runs.
_RATE_CARD_LAST_WORDS = frozenset(word.split()[-1] for word in _RATE_CARD_UNITS)
#: Their last two letters: a cheaper test still ("of $50", "age 25" stop here).
_RATE_CARD_ENDINGS = frozenset(word[-2:] for word in _RATE_CARD_LAST_WORDS)
_CONNECTOR = r"(?:/|per|an?|for(?:\s+(?:an?|the|one|1))?|each|x|por|la|el|al|a\s+la|cada|@)"
_AMOUNT = re.compile(
    r"(?:\d{1,3}(?:,\d{3})+|\d{1,7})(?:\.\d{1,2})?(?![\d'’\"”]|[.,]\d)(?:\s?[kK](?![A-Za-z]))?"
)
_CURRENCY_AFTER = (
    r"(?:€|£|\$|usd|eur|euros?|gbp|quid|mxn|cad|aud|php|inr|cop|ars|clp|nzd|dlls|dls|"
    r"d[oó]lares|dollars?|bucks|pesos|roses?|donations?|kisses)"
)
#: After the amount: a currency word, then a unit with or without a connector.
_AFTER = re.compile(
    rf"(?:[ \t]*(?P<cur>{_CURRENCY_AFTER})(?![A-Za-z]))?"
    rf"(?:(?P<gap>[ \t]*)(?P<conn>{_CONNECTOR})?[ \t]*(?P<unit>{_UNIT})(?![A-Za-z]))?",
    re.IGNORECASE,
)
_CURRENCY_ONLY_AFTER = re.compile(rf"[ \t]*(?P<cur>{_CURRENCY_AFTER})(?![A-Za-z])", re.IGNORECASE)
_SYMBOLS = frozenset("$€£₱₹")
_PREFIXED_SYMBOLS = frozenset({"us$", "ca$", "au$", "mx$", "c$", "a$"})
_CODES_BEFORE = frozenset(
    {
        "usd",
        "eur",
        "gbp",
        "mxn",
        "cad",
        "aud",
        "php",
        "inr",
        "cop",
        "ars",
        "clp",
        "nzd",
    }
)
#: What may follow an amount for it to be worth a closer look.
_INTERESTING_AFTER = frozenset("/$€£")
#: A price glued to a word ("$12jane" is a cashtag) is not a price.
_GLUED_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
#: ASCII characters that cannot start :data:`_AFTER` (no currency, connector or unit does):
#: after them the regex is not run.
_NEVER_AFTER = frozenset(
    char for char in map(chr, range(128)) if not (char.isalnum() or char in " \t/@$")
)


def _class_table(question_mark: int) -> bytes:
    """ASCII byte -> its class for :data:`_CANDIDATE_RUN`: "0" digit, "a" letter, " " space or
    tab; ``$.,/':-=@`` stand for themselves; "#" anything else. ``question_mark`` is the class
    of "?", which in ``encode("ascii", "replace")`` output is any non-ASCII character."""
    table = bytearray(b"#" * 256)
    for byte in range(128):
        char = chr(byte)
        if char.isdigit():
            table[byte] = ord("0")
        elif char.isalpha():
            table[byte] = ord("a")
        elif char in " \t":
            table[byte] = ord(" ")
        elif char in "$.,/':-=@":
            table[byte] = byte
    table[ord("?")] = question_mark
    return bytes(table)


_CLASS_OF_ASCII = _class_table(ord("#"))
#: "?" stands for any non-ASCII character: a letter, a currency symbol, a curly quote...
_CLASS_OF_ANY = _class_table(ord("?"))
#: A digit run worth reading, on the class string (one byte per character, so offsets are the
#: text's): not after a digit or ``.,/':`` ("1.5", "12/25", "10:30"), nor a phone group after
#: "555-"; not followed by "-" or "/" and a digit; and next to something a price may have: a
#: symbol, letter or ``-:=@`` at most two spaces before, or a letter, ``/$.,`` at most two spaces
#: after. "?" (non-ASCII) passes every test, and :func:`_plausible_run` decides.
_CANDIDATE_RUN = re.compile(
    rb"0(?<![0.,/:']0)(?<!0-0)"
    rb"(?:(?<=[$?a:=@-]0)|(?<=[$?a:=@-] 0)|(?<=[$?a:=@-]  0)|(?=0*+ {0,2}[a?/$.,]))"
    rb"0*+(?![-/]0)"
)
#: What may stand between an amount and a rate-card unit before it, other than letters.
_RATE_CARD_GAP = frozenset(" \t$€£-:=@")
_SPACES = re.compile(r"\s+")
#: A bare amount glued to "hr" ("250hr") is a rate only from this amount up ("24hr" is a
#: duration).
MIN_GLUED_HOURLY = 50


def _compact(word: str) -> str:
    """Lookup key of a unit as written: lowercase, no spaces.

    The unit patterns let every space be absent ("halfhour", "30mins"), so the lookup must not
    depend on them either.
    """
    return "".join(word.lower().split())


#: :data:`_UNIT_WORDS` by :func:`_compact` key (no two spellings collide).
_UNIT_KEYS: dict[str, str] = {_compact(word): unit for word, unit in _UNIT_WORDS.items()}
#: :data:`_RATE_CARD_UNITS` by :func:`_compact` key.
_RATE_CARD_KEYS: dict[str, str] = {_compact(word): unit for word, unit in _RATE_CARD_UNITS.items()}


def _unit_of(raw: str | None) -> str | None:
    if raw is None:
        return None
    return _UNIT_KEYS.get(_compact(raw))


def _amount_of(raw: str) -> int | Decimal | None:
    """The amount written ``raw``; an ``int`` in the common case of plain digits (no Decimal)."""
    if raw.isdigit() and raw.isascii():
        return int(raw)
    cleaned = raw.replace(",", "").replace(" ", "")
    multiplier = 1
    if cleaned[-1:] in ("k", "K"):
        multiplier = 1000
        cleaned = cleaned[:-1]
    try:
        return Decimal(cleaned) * multiplier
    except InvalidOperation:
        return None


def _format_amount(amount: int | Decimal) -> str:
    if isinstance(amount, int):
        return str(amount)
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def _currency_of(symbol: str | None, word: str | None, region: str) -> str | None:
    """ISO code for a symbol or currency word, given the region's conventions.

    A currency named after the amount beats a bare ``$`` before it, which only says "the
    region's dollar-sign currency": ``$7,500 USD al mes`` is USD in Mexico too.
    """
    if symbol == "$" and word is not None:
        lowered = word.lower()
        if lowered in _FIXED_CURRENCY:
            return _FIXED_CURRENCY[lowered]
        if lowered == "pesos":
            return PESO_CURRENCY.get(region, "MXN")
    for raw in (symbol, word):
        if raw is None:
            continue
        lowered = raw.lower()
        if lowered in _FIXED_CURRENCY:
            return _FIXED_CURRENCY[lowered]
        if lowered in _DOLLAR_WORDS:
            return DOLLAR_SIGN_CURRENCY.get(region, "USD")
        if lowered == "pesos":
            return PESO_CURRENCY.get(region, "MXN")
    return None


#: Currency assumed for a bare rate ("200 for hh") outside dollar and peso countries.
_LOCAL: dict[str, str] = {
    "GB": "GBP",
    "IE": "EUR",
    "FR": "EUR",
    "DE": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "BE": "EUR",
    "PT": "EUR",
    "AT": "EUR",
    "GR": "EUR",
    "FI": "EUR",
    "IN": "INR",
}


def _default_currency(region: str) -> str:
    """Currency of a number written without one, in ``region``."""
    return (
        DOLLAR_SIGN_CURRENCY.get(region) or PESO_CURRENCY.get(region) or _LOCAL.get(region, "USD")
    )


def _symbol_at(text: str, cursor: int, last: str) -> tuple[int, str] | None:
    """A currency symbol or code ending at ``cursor`` (``last`` is ``text[cursor - 1]``), at
    most two spaces before an amount: (its start, it)."""
    if last == "$":
        if cursor < 2 or not text[cursor - 2].isalpha():
            return cursor - 1, last  # every prefixed symbol has a letter before its "$"
        for width in (3, 2):
            candidate = text[cursor - width : cursor].lower()
            if candidate in _PREFIXED_SYMBOLS and (
                cursor - width == 0 or not text[cursor - width - 1].isalnum()
            ):
                return cursor - width, candidate
        return cursor - 1, last
    if last in _SYMBOLS:
        return cursor - 1, last
    if not last.isalpha():
        return None
    word_start = cursor - 1
    while word_start > 0 and cursor - word_start < 4 and text[word_start - 1].isalpha():
        word_start -= 1
    word = text[word_start:cursor].lower()
    if word in _CODES_BEFORE and (word_start == 0 or not text[word_start - 1].isalnum()):
        return word_start, word
    return None


def _rate_card_unit_before(text: str, start: int) -> tuple[int, str] | None:
    """A rate-card unit before the amount ("hh 150", "QV-80", "1hr $200"): (its start, unit)."""
    cursor = start
    while cursor > 0 and text[cursor - 1] in " \t":
        cursor -= 1
    if cursor > 0 and text[cursor - 1] in "$€£":
        cursor -= 1
        if text[max(0, cursor - 2) : cursor].lower() == "us":
            cursor -= 2
    while cursor > 0 and text[cursor - 1] in " \t-:=@":
        cursor -= 1
    if (
        cursor == 0
        or not text[cursor - 1].isalpha()
        or text[cursor - 2 : cursor].lower() not in _RATE_CARD_ENDINGS
    ):
        return None
    word_start = cursor - 1
    while word_start > 0 and cursor - word_start < 8 and text[word_start - 1].isalnum():
        word_start -= 1
    word = text[word_start:cursor].lower()
    if word not in _RATE_CARD_LAST_WORDS and word.lstrip("0123456789") not in _RATE_CARD_LAST_WORDS:
        return None
    low = max(0, cursor - 24)
    unit = _RATE_CARD_TAIL.search(text, low, cursor)
    if unit is None:
        return None
    unit_name = _RATE_CARD_KEYS.get(_compact(unit.group()))
    return None if unit_name is None else (unit.start(), unit_name)


def _is_bare_rate(
    amount: int | Decimal, unit: str | None, connector: str | None, glued: bool, rate_card: bool
) -> bool:
    """A number with no currency is a price only as a rate (see the module rules)."""
    if unit is None:
        return False
    if rate_card:
        return amount >= MIN_RATE_CARD_AMOUNT
    if amount < MIN_BARE_AMOUNT:
        return False
    if connector is not None or unit in _STRONG_UNITS:
        return True
    return unit == "hr" and glued and amount >= MIN_GLUED_HOURLY


def find(folded: Folded, region: str) -> list[Identifier]:
    """Prices and rates in ``folded``; ``region`` decides what a bare ``$`` or number means.

    Every ad has a few digit runs (phone groups, ages, measurements) and most have a price. The
    runs worth reading are picked in one regex pass over a one-byte-per-character class string
    (:data:`_CANDIDATE_RUN`); each is then read only as far as needed to reject it.
    """
    text = folded.text
    region = region.upper()
    ascii_text = text.isascii()
    if ascii_text:
        classes = text.encode("ascii").translate(_CLASS_OF_ASCII)
    else:
        classes = text.encode("ascii", "replace").translate(_CLASS_OF_ANY)
    identity = folded.text is folded.original
    found: list[Identifier] = []
    last_end = 0
    for run in _CANDIDATE_RUN.finditer(classes):
        start, run_end = run.span()
        if start < last_end or not (ascii_text or _plausible_run(text, start, run_end)):
            continue
        span = _price_span(text, start, last_end, region)
        if span is None:
            continue
        span_start, last_end, canonical = span
        if identity:
            orig_start, orig_end = span_start, last_end
        else:
            orig_start, orig_end = folded.span(span_start, last_end)
        value = folded.original[orig_start:orig_end]
        found.append(Identifier("price", value, canonical, orig_start, orig_end))
    return found


def _plausible_run(text: str, start: int, run_end: int) -> bool:
    """The tests of :data:`_CANDIDATE_RUN`, exact for non-ASCII neighbours (where the class
    string only says "?")."""
    length = len(text)
    if start > 0:
        before = text[start - 1]
        if before in ".,/'’:" or (before == "-" and start > 1 and text[start - 2].isdigit()):
            return False
    if run_end < length - 1 and text[run_end] in "-/" and text[run_end + 1].isdigit():
        return False  # phone groups, ranges, dates, 24/7, 34-24-36
    cursor = start
    while cursor > 0 and start - cursor < 2 and text[cursor - 1] in " \t":
        cursor -= 1
    if cursor > 0:
        char = text[cursor - 1]
        if char in _SYMBOLS or char.isalpha() or char in "-:=@":
            return True
    after = run_end
    while after < length and after - run_end < 2 and text[after] in " \t":
        after += 1
    if after < length:
        char = text[after]
        return char.isalpha() or char in _INTERESTING_AFTER or char in ".,"
    return False


def _price_span(text: str, start: int, last_end: int, region: str) -> tuple[int, int, str] | None:
    """The price whose amount starts at ``start`` (a run that passed :data:`_CANDIDATE_RUN`),
    if it is one: ``(start, end, canonical)``. ``last_end`` is where the previous price ended.

    Ordered so that the usual non-prices (ages, phone groups, handles with digits) are rejected
    after a few character tests and at most one regex.
    """
    length = len(text)
    # The character before the run, across at most two spaces: where a symbol or code ends.
    cursor = start
    while cursor > 0 and start - cursor < 2 and text[cursor - 1] in " \t":
        cursor -= 1
    prev = text[cursor - 1] if cursor > 0 else ""
    amount_match = _AMOUNT.match(text, start)
    if amount_match is None:
        return None
    amount_end = amount_match.end()
    symbol = _symbol_at(text, cursor, prev) if prev else None
    rate_card = None
    if prev and (prev.isalpha() or prev in _RATE_CARD_GAP):
        rate_card = _rate_card_unit_before(text, start)
        if rate_card is not None and rate_card[0] < last_end:
            rate_card = None  # that unit belongs to the previous price ("$80 qv $150 hh")
    unit: str | None = None
    word: str | None = None
    end = amount_end
    glued_unit = False
    connector: str | None = None
    if rate_card is not None:
        unit = rate_card[1]
        currency = _CURRENCY_ONLY_AFTER.match(text, amount_end)
        if currency is not None:
            word, end = currency.group("cur"), currency.end()
    elif amount_end < length and text[amount_end] not in _NEVER_AFTER:
        after_match = _AFTER.match(text, amount_end)
        if after_match is not None and after_match.end() > amount_end:
            word = after_match.group("cur")
            unit = _unit_of(after_match.group("unit"))
            connector = after_match.group("conn")
            glued_unit = after_match.group("gap") == "" and word is None and connector is None
            end = after_match.end()
    if symbol is None and word is None and unit is None:
        return None  # no currency and no unit on either side: no price
    if end < length and text[end] in _GLUED_CHARS:
        return None
    amount = _amount_of(amount_match.group())
    if amount is None or amount <= 0:
        return None
    symbol_text = symbol[1] if symbol is not None else None
    if (
        symbol_text is None
        and word is None
        and not _is_bare_rate(amount, unit, connector, glued_unit, rate_card is not None)
    ):
        return None
    currency_code = _currency_of(symbol_text, word, region) or _default_currency(region)
    canonical = f"{_format_amount(amount)} {currency_code}"
    if unit is not None:
        canonical += f"/{unit}"
    span_start = start
    if symbol is not None:
        span_start = symbol[0]
    if rate_card is not None:
        span_start = min(span_start, rate_card[0])
    return span_start, end, canonical
