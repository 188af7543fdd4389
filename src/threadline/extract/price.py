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
    "US": "USD", "PR": "USD", "EC": "USD", "SV": "USD", "PA": "USD", "TL": "USD",
    "CA": "CAD", "AU": "AUD", "NZ": "NZD", "MX": "MXN", "CO": "COP", "AR": "ARS", "CL": "CLP",
    "UY": "UYU", "DO": "DOP", "CU": "CUP", "SG": "SGD", "HK": "HKD", "TW": "TWD", "JM": "JMD",
    "TT": "TTD", "BS": "BSD", "BB": "BBD", "BZ": "BZD", "GY": "GYD", "LR": "LRD", "NA": "NAD",
    "FJ": "FJD", "BN": "BND",
}
#: The peso a bare "pesos" means, by region; MXN elsewhere (the most common in this corpus).
PESO_CURRENCY: dict[str, str] = {
    "MX": "MXN", "CO": "COP", "AR": "ARS", "CL": "CLP", "UY": "UYU", "DO": "DOP", "CU": "CUP",
    "PH": "PHP",
}
#: A number with no currency at all must be at least this to count as a rate ("2 for 1" is not).
MIN_BARE_AMOUNT = 10
#: On a rate card the unit comes first ("hh 150"); a smaller number there is a duration or a
#: count ("hr 2"), not a price.
MIN_RATE_CARD_AMOUNT = 20

_FIXED_CURRENCY: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "quid": "GBP",
    "us$": "USD", "usd": "USD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD",
    "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "mx$": "MXN", "mxn": "MXN",
    "₱": "PHP", "php": "PHP", "₹": "INR", "inr": "INR", "cop": "COP", "ars": "ARS",
    "clp": "CLP", "nzd": "NZD", "dlls": "USD", "dls": "USD", "dólares": "USD", "dolares": "USD",
}
_DOLLAR_WORDS = frozenset({"$", "dollar", "dollars", "bucks", "roses", "rose", "donation",
                           "donations", "kisses"})

_UNIT_WORDS: dict[str, str] = {
    "hr": "hr", "hrs": "hr", "h": "hr", "hour": "hr", "hours": "hr", "hourly": "hr", "1hr": "hr",
    "1 hr": "hr", "1 hour": "hr", "one hour": "hr", "60min": "hr", "60 min": "hr",
    "60 mins": "hr", "hora": "hr", "una hora": "hr", "1 hora": "hr",
    "hh": "hh", "half hour": "hh", "half-hour": "hh", "half an hour": "hh", "1/2 hr": "hh",
    "1/2hr": "hh", "1/2 hour": "hh", "30min": "hh", "30 min": "hh", "30 mins": "hh",
    "30 minutes": "hh", "media hora": "hh", "1/2 hora": "hh",
    "qv": "qv", "quick visit": "qv", "quickie": "qv", "quicky": "qv", "15min": "qv",
    "15 min": "qv", "15 mins": "qv", "rapidito": "qv",
    "day": "day", "daily": "day", "a day": "day", "dia": "day", "día": "day", "diario": "day",
    "week": "week", "wk": "week", "weekly": "week", "semana": "week", "semanal": "week",
    "month": "month", "mo": "month", "monthly": "month", "mes": "month", "mensual": "month",
    "night": "night", "nite": "night", "overnight": "night", "all night": "night",
    "noche": "night", "toda la noche": "night",
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
    word: unit for word, unit in _UNIT_WORDS.items()
    if unit in _STRONG_UNITS or (unit == "hr" and word != "h")
}
_RATE_CARD_TAIL = re.compile(
    rf"(?<![A-Za-z0-9/])(?:{_alternation(_RATE_CARD_UNITS)})\Z", re.IGNORECASE
)
#: Last word of every rate-card unit: a cheap test before :data:`_RATE_CARD_TAIL` runs.
_RATE_CARD_LAST_WORDS = frozenset(word.split()[-1] for word in _RATE_CARD_UNITS)
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
_CURRENCY_ONLY_AFTER = re.compile(
    rf"[ \t]*(?P<cur>{_CURRENCY_AFTER})(?![A-Za-z])", re.IGNORECASE
)
_SYMBOLS = frozenset("$€£₱₹")
_PREFIXED_SYMBOLS = frozenset({"us$", "ca$", "au$", "mx$", "c$", "a$"})
_CODES_BEFORE = frozenset({
    "usd", "eur", "gbp", "mxn", "cad", "aud", "php", "inr", "cop", "ars", "clp", "nzd",
})
#: What may follow an amount for it to be worth a closer look.
_INTERESTING_AFTER = frozenset("/$€£")
#: A price glued to a word ("$12jane" is a cashtag) is not a price.
_GLUED = re.compile(r"[A-Za-z0-9_]")
#: ASCII bytes -> "0" for digits, space otherwise: digit runs found with ``bytes.find``.
_DIGIT_MASK = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_SPACES = re.compile(r"\s+")
#: A bare amount glued to "hr" ("250hr") is a rate only from this amount up ("24hr" is a
#: duration).
MIN_GLUED_HOURLY = 50


def _unit_of(raw: str | None) -> str | None:
    if raw is None:
        return None
    return _UNIT_WORDS.get(_SPACES.sub(" ", raw.lower()).strip())


def _amount_of(raw: str) -> Decimal | None:
    cleaned = raw.replace(",", "").replace(" ", "")
    multiplier = 1
    if cleaned[-1:] in ("k", "K"):
        multiplier = 1000
        cleaned = cleaned[:-1]
    try:
        return Decimal(cleaned) * multiplier
    except InvalidOperation:
        return None


def _format_amount(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def _currency_of(symbol: str | None, word: str | None, region: str) -> str | None:
    """ISO code for a symbol or currency word, given the region's conventions."""
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
    "GB": "GBP", "IE": "EUR", "FR": "EUR", "DE": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR",
    "BE": "EUR", "PT": "EUR", "AT": "EUR", "GR": "EUR", "FI": "EUR", "IN": "INR",
}


def _default_currency(region: str) -> str:
    """Currency of a number written without one, in ``region``."""
    return DOLLAR_SIGN_CURRENCY.get(region) or PESO_CURRENCY.get(region) or _LOCAL.get(
        region, "USD"
    )


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of digits.

    ``fold`` has made every digit ASCII, and ``encode("ascii", "replace")`` keeps one byte per
    character, so byte offsets are text offsets.
    """
    mask = text.encode("ascii", "replace").translate(_DIGIT_MASK)
    runs: list[tuple[int, int]] = []
    start = mask.find(b"0")
    while start != -1:
        end = mask.find(b" ", start)
        if end == -1:
            runs.append((start, len(mask)))
            break
        runs.append((start, end))
        start = mask.find(b"0", end)
    return runs


def _symbol_before(text: str, start: int) -> tuple[int, str] | None:
    """A currency symbol or code right before ``start`` (spaces allowed): (its start, it)."""
    cursor = start
    while cursor > 0 and start - cursor < 2 and text[cursor - 1] in " \t":
        cursor -= 1
    if cursor == 0:
        return None
    last = text[cursor - 1]
    if last == "$":
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
    if cursor == 0 or not text[cursor - 1].isalpha():
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
    return unit.start(), _RATE_CARD_UNITS[_SPACES.sub(" ", unit.group().lower())]


def _worth_a_look(text: str, start: int, end: int) -> bool:
    """Cheap test on the characters around a digit run before any regex runs."""
    length = len(text)
    if end < length - 1 and text[end] in "-/" and text[end + 1].isdigit():
        return False  # phone groups, ranges, dates, 24/7, 34-24-36
    before = start
    while before > 0 and start - before < 2 and text[before - 1] in " \t":
        before -= 1
    if before > 0:
        char = text[before - 1]
        if char in _SYMBOLS or char.isalpha() or char in "-:=@":
            return True
    after = end
    while after < length and after - end < 2 and text[after] in " \t":
        after += 1
    if after < length:
        char = text[after]
        return char.isalpha() or char in _INTERESTING_AFTER or char in ".,"
    return False


def _is_bare_rate(
    amount: Decimal, unit: str | None, connector: str | None, glued: bool, rate_card: bool
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
    """Prices and rates in ``folded``; ``region`` decides what a bare ``$`` or number means."""
    text = folded.text
    region = region.upper()
    found: list[Identifier] = []
    last_end = 0
    length = len(text)
    for start, run_end in _digit_runs(text):
        if start < last_end:
            continue
        if start > 0:
            before = text[start - 1]
            if before in ".,/'’:" or (before == "-" and start > 1 and text[start - 2].isdigit()):
                continue
        if not _worth_a_look(text, start, run_end):
            continue
        amount_match = _AMOUNT.match(text, start)
        if amount_match is None:
            continue
        amount_end = amount_match.end()
        symbol = _symbol_before(text, start)
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
        else:
            after_match = _AFTER.match(text, amount_end)
            if after_match is not None and after_match.end() > amount_end:
                word = after_match.group("cur")
                unit = _unit_of(after_match.group("unit"))
                connector = after_match.group("conn")
                glued_unit = after_match.group("gap") == "" and word is None and connector is None
                end = after_match.end()
        if end < length and _GLUED.match(text, end):
            continue
        amount = _amount_of(amount_match.group())
        if amount is None or amount <= 0:
            continue
        symbol_text = symbol[1] if symbol is not None else None
        if (
            symbol_text is None
            and word is None
            and not _is_bare_rate(amount, unit, connector, glued_unit, rate_card is not None)
        ):
            continue
        currency_code = _currency_of(symbol_text, word, region) or _default_currency(region)
        canonical = f"{_format_amount(amount)} {currency_code}"
        if unit is not None:
            canonical += f"/{unit}"
        span_start = start
        if symbol is not None:
            span_start = symbol[0]
        if rate_card is not None:
            span_start = min(span_start, rate_card[0])
        last_end = end
        orig_start, orig_end = folded.span(span_start, end)
        value = folded.original[orig_start:orig_end]
        found.append(Identifier("price", value, canonical, orig_start, orig_end))
    return found
