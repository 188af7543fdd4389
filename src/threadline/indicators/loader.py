"""Reading and validating the indicator data files (``indicators/data/*.toml``).

Layout of the data directory:

* ``sources.toml``: ``[source.<id>]`` tables (citation, publisher, year, url, note);
* ``lexicon.toml``: ``[cues.<profile>]`` and ``[negation.before]`` / ``[negation.after]``
  tables, each mapping a language code to a list of words;
* any other ``*.toml``: ``[[indicator]]`` entries (see docs/indicators.md for the fields), and
  ``[[extend]]`` entries (``id``, ``patterns.<lang>``, ``examples``, ``counter_examples``) that
  add a language to an indicator defined in another file: a new language can be a new file.

Patterns may spell alternatives as ``{a|b|}`` (an empty alternative makes the group optional);
the loader expands them. Every rule a data file must follow is checked here, with the file and
the indicator named in the error, so a bad edit fails at load (and in the test suite) rather than
silently matching nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

from threadline.errors import ThreadlineError
from threadline.indicators.model import (
    CATEGORIES,
    IDENTIFIER_RULE_KINDS,
    PROFILES,
    STRENGTHS,
    WEIGHT_RANGES,
    IdentifierRule,
    Indicator,
    Library,
    Profile,
    Source,
    Strength,
)
from threadline.indicators.textnorm import pattern_keys

DATA_DIR = Path(__file__).resolve().parent / "data"

_ID = re.compile(r"^[A-Z]{2,8}\.[A-Z0-9_]{2,40}$")
_LANG = re.compile(r"^[a-z]{2}$")
_GROUP = re.compile(r"\{([^{}]*)\}")
#: Most expansions one pattern may produce: more means the pattern should be split.
MAX_EXPANSIONS = 2048
#: Shortest skeleton a pattern may have: shorter ones match by accident inside other words.
MIN_SKELETON = 3

_INDICATOR_KEYS = frozenset(
    {
        "id",
        "label",
        "category",
        "profiles",
        "strength",
        "weight",
        "sources",
        "description",
        "patterns",
        "examples",
        "counter_examples",
        "negatable",
        "identifier",
        "unless",
        "htcds",
    }
)
_HTCDS_CONTROL = frozenset(
    {
        "PhysicalThreats",
        "ThreatsLawEnforcement",
        "ThreatensChildrenFamily",
        "DebtBondage",
        "FalsePromises",
        "PhysicalAbuse",
        "SexualAbuse",
        "TakesEarnings",
        "RestrictsFinancialAccess",
        "RestrictsMedicalCare",
        "WithholdsNecessities",
        "PsychologicalAbuse",
        "PsychoactiveSubstance",
        "ExcessiveWorkingHours",
        "WithholdsDocuments",
        "Other",
    }
)


class IndicatorDataError(ThreadlineError):
    """A data file breaks a rule of the indicator library."""


def expand(pattern: str) -> tuple[str, ...]:
    """Every spelling of ``pattern``: ``"{keep|hold} your passport"`` gives two."""
    pieces = _GROUP.split(pattern)
    literals = pieces[0::2]
    groups = [group.split("|") for group in pieces[1::2]]
    if any(ch in literal for literal in literals for ch in "{}|"):
        raise ValueError(f"unbalanced braces or stray '|' in pattern {pattern!r}")
    total = 1
    for group in groups:
        total *= len(group)
    if total > MAX_EXPANSIONS:
        raise ValueError(f"pattern {pattern!r} expands to {total} spellings (max {MAX_EXPANSIONS})")
    out: list[str] = []
    for choice in itertools.product(*groups):
        parts = [literals[0]]
        for alternative, literal in zip(choice, literals[1:], strict=True):
            parts.append(alternative)
            parts.append(literal)
        out.append(" ".join("".join(parts).split()))
    return tuple(dict.fromkeys(out))


def _fail(file: str, where: str, message: str) -> IndicatorDataError:
    return IndicatorDataError(f"{file}: {where}: {message}")


def _str_list(value: object, file: str, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _fail(file, where, f"{name} must be a list of non-empty strings")
    return tuple(cast(list[str], value))


def _lang_lists(value: object, file: str, where: str, name: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _fail(file, where, f"{name} must be a table of language code -> list of strings")
    out: dict[str, tuple[str, ...]] = {}
    for lang, items in value.items():
        if not _LANG.match(lang):
            raise _fail(file, where, f"{name}: {lang!r} is not a two-letter language code")
        out[lang] = _str_list(items, file, where, f"{name}.{lang}")
    return out


def _identifier_rule(value: object, file: str, where: str) -> IdentifierRule:
    if not isinstance(value, dict):
        raise _fail(file, where, "identifier must be a table")
    unknown = set(value) - {"kind", "min", "max", "platforms"}
    if unknown:
        raise _fail(file, where, f"identifier has unknown keys {sorted(unknown)}")
    kind = value.get("kind")
    if kind not in IDENTIFIER_RULE_KINDS:
        raise _fail(file, where, f"identifier.kind must be one of {IDENTIFIER_RULE_KINDS}")
    bounds: list[int | None] = []
    for key in ("min", "max"):
        bound = value.get(key)
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
            raise _fail(file, where, f"identifier.{key} must be an integer")
        bounds.append(bound)
    platforms = _str_list(value.get("platforms", []), file, where, "identifier.platforms")
    return IdentifierRule(str(kind), bounds[0], bounds[1], platforms)


def _indicator(raw: Mapping[str, Any], file: str, sources: Mapping[str, Source]) -> Indicator:
    where = f"indicator {raw.get('id', '?')!r}"
    unknown = set(raw) - _INDICATOR_KEYS
    if unknown:
        raise _fail(file, where, f"unknown keys {sorted(unknown)}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise _fail(file, where, "id must look like 'TP.THIRD_PERSON' (PREFIX.NAME, uppercase)")
    for key in ("label", "description"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(file, where, f"{key} is required (a non-empty string)")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise _fail(file, where, f"category {category!r} is not one of {sorted(CATEGORIES)}")
    profiles = _str_list(raw.get("profiles"), file, where, "profiles")
    if any(profile not in PROFILES for profile in profiles):
        raise _fail(file, where, f"profiles must be among {PROFILES}")
    strength = raw.get("strength")
    if strength not in STRENGTHS:
        raise _fail(file, where, f"strength must be one of {STRENGTHS}")
    weight = raw.get("weight")
    if not isinstance(weight, float | int) or isinstance(weight, bool):
        raise _fail(file, where, "weight must be a number")
    low, high = WEIGHT_RANGES[str(strength)]
    if not low <= float(weight) <= high:
        raise _fail(file, where, f"weight {weight} is outside [{low}, {high}] for {strength}")
    source_ids = _str_list(raw.get("sources"), file, where, "sources")
    missing = [source_id for source_id in source_ids if source_id not in sources]
    if missing:
        raise _fail(file, where, f"unknown sources {missing} (declare them in sources.toml)")
    patterns = _lang_lists(raw.get("patterns", {}), file, where, "patterns")
    expanded: dict[str, tuple[str, ...]] = {}
    for lang, written in patterns.items():
        spellings: list[str] = []
        for pattern in written:
            try:
                spellings.extend(expand(pattern))
            except ValueError as exc:
                raise _fail(file, where, str(exc)) from exc
        for spelling in spellings:
            if min(map(len, pattern_keys(spelling)), default=0) < MIN_SKELETON:
                raise _fail(file, where, f"pattern {spelling!r} is too short to match safely")
        expanded[lang] = tuple(dict.fromkeys(spellings))
    identifier = None
    if "identifier" in raw:
        identifier = _identifier_rule(raw["identifier"], file, where)
    if not patterns and identifier is None:
        raise _fail(file, where, "needs patterns or an identifier rule")
    examples = _str_list(raw.get("examples"), file, where, "examples")
    counter = _str_list(raw.get("counter_examples"), file, where, "counter_examples")
    negatable = raw.get("negatable", False)
    if not isinstance(negatable, bool):
        raise _fail(file, where, "negatable must be true or false")
    unless = _str_list(raw.get("unless", []), file, where, "unless")
    if any(kind not in IDENTIFIER_RULE_KINDS for kind in unless):
        raise _fail(file, where, f"unless must list identifier kinds among {IDENTIFIER_RULE_KINDS}")
    htcds = raw.get("htcds")
    if htcds is not None and htcds not in _HTCDS_CONTROL:
        raise _fail(file, where, f"htcds {htcds!r} is not an HTCDS 2.0 MethodsOfControl value")
    return Indicator(
        id=ident,
        label=str(raw["label"]).strip(),
        category=str(category),
        profiles=cast(tuple[Profile, ...], profiles),
        strength=cast(Strength, strength),
        weight=float(weight),
        sources=source_ids,
        description=" ".join(str(raw["description"]).split()),
        patterns=patterns,
        expanded=expanded,
        examples=examples,
        counter_examples=counter,
        negatable=negatable,
        identifier=identifier,
        unless=unless,
        htcds=htcds,
        file=file,
    )


def _extend(indicators: list[Indicator], raw: object, file: str) -> list[Indicator]:
    """Apply one ``[[extend]]`` entry: patterns (and examples) of a language for an indicator
    defined in another file, so that adding a language can be adding one file
    (``sex_ad.fr.toml``) without touching the others."""
    if not isinstance(raw, dict):
        raise IndicatorDataError(f"{file}: [[extend]] entries must be tables")
    where = f"extend {raw.get('id', '?')!r}"
    unknown = set(raw) - {"id", "patterns", "examples", "counter_examples"}
    if unknown:
        raise _fail(file, where, f"unknown keys {sorted(unknown)}")
    target = raw.get("id")
    matches = [n for n, indicator in enumerate(indicators) if indicator.id == target]
    if not matches:
        raise _fail(file, where, "extends an indicator that no file defines")
    index = matches[0]
    base = indicators[index]
    patterns = _lang_lists(raw.get("patterns", {}), file, where, "patterns")
    clash = set(patterns) & set(base.patterns)
    if clash:
        raise _fail(file, where, f"languages {sorted(clash)} already have patterns")
    expanded: dict[str, tuple[str, ...]] = {}
    for lang, written in patterns.items():
        spellings: list[str] = []
        for pattern in written:
            try:
                spellings.extend(expand(pattern))
            except ValueError as exc:
                raise _fail(file, where, str(exc)) from exc
        if any(min(map(len, pattern_keys(x)), default=0) < MIN_SKELETON for x in spellings):
            raise _fail(file, where, "a pattern is too short to match safely")
        expanded[lang] = tuple(dict.fromkeys(spellings))
    examples = _str_list(raw.get("examples", []), file, where, "examples")
    counter = _str_list(raw.get("counter_examples", []), file, where, "counter_examples")
    extended = dataclasses.replace(
        base,
        patterns={**base.patterns, **patterns},
        expanded={**base.expanded, **expanded},
        examples=base.examples + examples,
        counter_examples=base.counter_examples + counter,
    )
    return [*indicators[:index], extended, *indicators[index + 1 :]]


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise IndicatorDataError(f"{path.name}: not valid TOML: {exc}") from exc


def _sources(raw: Mapping[str, Any], file: str) -> dict[str, Source]:
    out: dict[str, Source] = {}
    table = raw.get("source")
    if not isinstance(table, dict) or not table:
        raise IndicatorDataError(f"{file}: needs [source.<id>] tables")
    for source_id, entry in table.items():
        where = f"source {source_id!r}"
        if not isinstance(entry, dict):
            raise _fail(file, where, "must be a table")
        for key in ("citation", "publisher", "url"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise _fail(file, where, f"{key} is required")
        year = entry.get("year")
        if not isinstance(year, int) or not 1900 <= year <= 2100:
            raise _fail(file, where, "year must be an integer")
        out[source_id] = Source(
            id=source_id,
            citation=entry["citation"],
            publisher=entry["publisher"],
            year=year,
            url=entry["url"],
            note=" ".join(str(entry.get("note", "")).split()),
        )
    return out


def load_library(data_dir: Path | None = None) -> Library:
    """Load and validate every data file of ``data_dir`` (the packaged data by default)."""
    directory = DATA_DIR if data_dir is None else data_dir
    sources_path = directory / "sources.toml"
    lexicon_path = directory / "lexicon.toml"
    for required in (sources_path, lexicon_path):
        if not required.is_file():
            raise IndicatorDataError(f"missing data file {required}")
    sources = _sources(_read(sources_path), sources_path.name)
    lexicon = _read(lexicon_path)
    cues_raw = lexicon.get("cues", {})
    if not isinstance(cues_raw, dict) or set(cues_raw) != set(PROFILES):
        raise IndicatorDataError(f"lexicon.toml: [cues.*] must name exactly {PROFILES}")
    cues = {
        profile: _lang_lists(value, "lexicon.toml", f"cues.{profile}", "cues")
        for profile, value in cues_raw.items()
    }
    negation = lexicon.get("negation", {})
    if not isinstance(negation, dict):
        raise IndicatorDataError("lexicon.toml: [negation] must be a table")
    before = _lang_lists(negation.get("before", {}), "lexicon.toml", "negation", "before")
    after = _lang_lists(negation.get("after", {}), "lexicon.toml", "negation", "after")
    indicators: list[Indicator] = []
    seen: dict[str, str] = {}
    pending: list[tuple[str, Any]] = []
    for path in sorted(directory.glob("*.toml")):
        if path in (sources_path, lexicon_path):
            continue
        raw = _read(path)
        unknown = set(raw) - {"indicator", "extend"}
        if unknown:
            raise IndicatorDataError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
        entries = raw.get("indicator", [])
        extensions = raw.get("extend", [])
        if not isinstance(entries, list) or not isinstance(extensions, list):
            raise IndicatorDataError(f"{path.name}: [[indicator]] / [[extend]] entries expected")
        for entry in entries:
            indicator = _indicator(entry, path.name, sources)
            if indicator.id in seen:
                first = seen[indicator.id]
                raise IndicatorDataError(
                    f"{path.name}: indicator {indicator.id!r} already defined in {first}"
                )
            seen[indicator.id] = path.name
            indicators.append(indicator)
        pending.extend((path.name, extension) for extension in extensions)
    if not indicators:
        raise IndicatorDataError(f"{directory}: no indicators found")
    for file, extension in pending:
        indicators = _extend(indicators, extension, file)
    return Library(tuple(indicators), sources, cues, before, after)


@cache
def default_library() -> Library:
    """The packaged library, loaded once per process (it is immutable)."""
    return load_library()
