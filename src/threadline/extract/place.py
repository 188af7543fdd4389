"""Places: city names from the offline gazetteer, canonical ``City, Region, CC``.

``in Houston this week`` -> ``Houston, TX, US``; ``Portland, ME`` -> ``Portland, ME, US``;
``San Jose`` and ``San José`` alike; ``NYC``, ``Philly``, ``Vegas``, ``LA``, ``CDMX`` through a
small alias table (:data:`threadline.extract.gazetteer.CITY_ALIASES`).

Matching: one Aho-Corasick pass over a same-length key of the text (lowercase, accents removed,
punctuation as spaces), whole words only. Case-insensitive, and accents optional in one
direction: ``San Jose`` matches ``San José``, but ``quitó`` (a Spanish verb) does not match
``Quito``: an accented letter in the text must be the letter of the name.

Which matches count depends on the name's tier (see :mod:`threadline.extract.gazetteer`):

* plain names (``Houston``, ``houston``) always count;
* everyday words (``Mobile``, ``Reading``, ``Nice``, ``Bath``, ``Independence``, any name of three
  letters or fewer) need a capital letter *and* either a following state or country
  (``Mobile, AL``, ``Reading PA``) or a locative cue before them (``in``, ``en``, ``near``,
  ``around``, ``from``, ``visiting``, ``outside``, ``desde``, ``cerca de``): ``in Reading``, not
  ``in reading``, ``mobile, al`` nor ``Reading is fun``;
* given names (``Paris``, ``Savannah``, ``Charlotte``, ``Victoria``) need a following state or
  country, a locative cue (any case), or a following ``area``/``metro``/``downtown``;
* names of a state or country that the city is not in (Florida in Uruguay) need a following
  state or country that the city is in;
* capitals-only aliases (``LA``, ``DC``, ``ATL``, ``SF``) must be written in capitals and not
  right after a comma (``Monroe, LA`` is Louisiana).

Disambiguation: a following state, province or country (``Portland, OR``, ``Paris, TX``,
``Guadalajara, Jalisco``) picks the city in it and is included in the span; otherwise the city in
``region`` is preferred, then the most populous. Within one text, overlapping matches keep the
longest (``Salt Lake City`` over ``Salt``).

For a post's free-text ``location`` field, :func:`resolve` and :func:`region_of` read the field
as a location: word and given-name cities need no locative cue there (a capital letter is still
required for everyday words), and a country named anywhere in the field steers the choice.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import NamedTuple

from threadline.extract.gazetteer import (
    City,
    Gazetteer,
    RegionReadings,
    RegionRef,
    load,
    match_key,
    region_word_key,
)
from threadline.extract.normalize import Folded, fold
from threadline.records import Identifier

_LOCATIVE_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:in|en|near|around|from|visiting|outside|desde|cerca\s+de)[ \t]+$",
    re.IGNORECASE,
)
_AREA_AFTER = re.compile(r"[ \t]+(?:area|metro|downtown|suburbs|region)(?![A-Za-z])", re.IGNORECASE)
_COMMA_BEFORE = re.compile(r",[ \t]*$")
_QUALIFIER_SEPARATOR = re.compile(r"(?:[ \t]*[,/|(\-][ \t]*|[ \t]+)")
#: One word of a state or country name: letters, inner dots and apostrophes ("D.C.", "d'Ivoire").
#: (Runs of letters between the marks, so ``re`` repeats one character class at C speed.)
_REGION_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:['’.](?=[^\W\d_])[^\W_]*)*\.?")
#: A separator and the first word of a qualifier, in one match: most words after a city begin
#: no state or country, and this rules them out with one call.
_QUALIFIER_HEAD = re.compile(_QUALIFIER_SEPARATOR.pattern + "(" + _REGION_TOKEN.pattern + ")")
_TOKEN_GAP = re.compile(r"[ \t]+")
_CLOSING_PAREN = re.compile(r"[ \t]*\)")


class _Place(NamedTuple):
    """An accepted place: a tuple, as thousands are built per second of extraction."""

    start: int
    end: int
    city: City
    qualified: bool


#: A state/province/country right after a city name: (end, what it may stand for).
_Qualifier = tuple[int, RegionReadings]


def _region_phrase(gazetteer: Gazetteer, text: str, pos: int) -> tuple[int, RegionReadings] | None:
    """The longest state/province/country spelling starting at ``pos``: (end, refs).

    Words are added one at a time while they still begin some spelling, so the usual case (the
    next word is no region at all) costs one token match and one set lookup.
    """
    found: tuple[int, RegionReadings] | None = None
    prefix = ""
    cursor = pos
    region_prefixes = gazetteer.region_prefixes
    for _ in range(gazetteer.max_region_words):
        token = _REGION_TOKEN.match(text, cursor)
        if token is None:
            break
        written = token.group()
        word = (
            written.lower() if written.isascii() and written.isalpha() else region_word_key(written)
        )
        prefix = f"{prefix} {word}" if prefix else word
        if prefix not in region_prefixes:
            break
        end = token.end()
        if prefix in gazetteer.region_words and not (
            end < len(text) and (text[end].isalnum() or text[end] == "_")
        ):
            phrase = text[pos:end]
            if phrase.endswith(".") and "." not in phrase[:-1]:
                end -= 1  # "Houston, Texas." ends a sentence; "D.C." keeps its dot
            # In capitals every reading counts; otherwise not those that need capitals.
            allowed = (
                gazetteer.region_readings[prefix]
                if phrase.isupper()
                else gazetteer.region_readings_lower[prefix]
            )
            if allowed[0]:
                found = (end, allowed)
        gap = _TOKEN_GAP.match(text, token.end())
        if gap is None:
            break
        cursor = gap.end()
    return found


def _qualifier(gazetteer: Gazetteer, text: str, end: int) -> _Qualifier | None:
    """The state/province/country written right after a city ending at ``end``, if any."""
    head = _QUALIFIER_HEAD.match(text, end)
    if head is None:
        return None
    # The usual case: the next word begins no state or country ("Houston tonight").
    written = head.group(1)
    # region_word_key of a plain ASCII word is its lowercase: no call for the usual case.
    word = written.lower() if written.isascii() and written.isalpha() else region_word_key(written)
    if word not in gazetteer.region_prefixes:
        return None
    word_start = head.start(1)
    found = _region_phrase(gazetteer, text, word_start)
    if found is None:
        return None
    q_end, refs = found
    if "(" in text[end:word_start]:
        closing = _CLOSING_PAREN.match(text, q_end)
        if closing is not None:
            q_end = closing.end()
    return q_end, refs


def _satisfies(city: City, refs: RegionReadings) -> bool:
    """Whether a qualifier names the city's state or its country."""
    pairs = refs[1]
    return (city.country, city.region) in pairs or (city.country, None) in pairs


def _accent_compatible(surface: str, spelling: str) -> bool:
    """Accents are optional in the text; in a one-word name an accent written must be its own.

    ``quitó`` (a Spanish verb) is not ``Quito``; ``San José`` may still be San Jose, California,
    which is often written with the accent.
    """
    if " " in spelling:
        return True
    for index, char in enumerate(surface):
        if not char.isascii() and char.lower() != spelling[index].lower():
            return False
    return True


def _locative_before(text: str, start: int) -> bool:
    """Whether a locative cue ("in", "near", "desde"...) and spaces come right before ``start``.

    Every cue ends in one of ``nrdmge`` and is followed by spaces or tabs (the pattern's ``$``
    also matches before a final newline): two characters rule out most places ("... Say").
    """
    cut = start - 1 if start and text[start - 1] == "\n" else start
    before = cut
    while before and text[before - 1] in " \t":
        before -= 1
    if before == cut or not before:
        return False
    last = text[before - 1]
    if last.isascii() and last not in "nrdmgeNRDMGE":
        return False
    return _LOCATIVE_BEFORE.search(text, max(0, start - 16), start) is not None


def _evaluate(
    gazetteer: Gazetteer,
    text: str,
    start: int,
    end: int,
    key_id: int,
    region: str | None,
    location_mode: bool,
) -> _Place | None:
    """The city a whole-word match at ``text[start:end]`` stands for, if its context allows."""
    surface = text[start:end]
    capital = surface[:1].isupper()
    if not capital and gazetteer.needs_capital[key_id]:
        return None  # "mobile", "police", "to", "la": these need a capital at least
    ascii_surface = surface.isascii()
    qualifier = _qualifier(gazetteer, text, end)
    cities = gazetteer.cities
    if qualifier is None:
        tier = gazetteer.key_tiers[key_id]
        if tier == "plain" and ascii_surface:
            # The common case ("Houston"): every entry counts as it is; only the choice is left.
            plain = gazetteer.entries[key_id]
            if len(plain) == 1:
                return _Place(start, end, cities[plain[0].city], False)
            return _Place(start, end, _best([cities[entry.city] for entry in plain], region), False)
        if tier == "word" and not location_mode and not _locative_before(text, start):
            return None  # "Say", "Can", "Young" starting a sentence: an everyday word
    cue: bool | None = None
    qualified_pool: list[City] = []
    unqualified_pool: list[City] = []
    for entry in gazetteer.entries[key_id]:
        if not ascii_surface and not _accent_compatible(surface, entry.spelling):
            continue
        city = cities[entry.city]
        qualified = qualifier is not None and _satisfies(city, qualifier[1])
        tier = entry.tier
        if tier == "plain":
            pass  # the common case: no context needed
        elif tier == "alias":
            if entry.upper_only and (
                not surface.isupper() or _COMMA_BEFORE.search(text, max(0, start - 4), start)
            ):
                continue
        elif tier == "qualified":
            if not qualified:
                continue
        elif tier == "word" and not capital:
            continue
        elif not qualified and not location_mode:  # tier is "word" or "name"
            if cue is None:
                cue = _locative_before(text, start)
            if tier == "word" and not (capital and cue):
                continue
            if tier == "name" and not (cue or _AREA_AFTER.match(text, end)):
                continue
        (qualified_pool if qualified else unqualified_pool).append(city)
    if qualified_pool:
        assert qualifier is not None
        return _Place(start, qualifier[0], _best(qualified_pool, region), True)
    if unqualified_pool:
        return _Place(start, end, _best(unqualified_pool, region), False)
    return None


def _best(cities: list[City], region: str | None) -> City:
    if len(cities) == 1:
        return cities[0]
    return max(cities, key=lambda city: (city.country == region, city.population))


def _places(
    gazetteer: Gazetteer, text: str, region: str | None, location_mode: bool
) -> list[_Place]:
    """Accepted, non-overlapping places in ``text`` (folded), in text order."""
    key = f" {match_key(text)} "
    candidates: list[_Place] = []
    lengths = gazetteer.key_lengths
    needs_capital = gazetteer.needs_capital
    for padded_end, key_id in gazetteer.automaton.iter(key):
        # The pattern is " name ": the name ends one before the trailing space; the padded key
        # has one extra leading space, hence the shift by one more.
        end = padded_end - 1
        start = end - lengths[key_id]
        if needs_capital[key_id] and not text[start].isupper():
            continue  # most matches ("to", "can", "say"): rejected before any call
        place = _evaluate(gazetteer, text, start, end, key_id, region, location_mode)
        if place is not None:
            candidates.append(place)
    if len(candidates) <= 1:
        return candidates
    if all(left.end <= right.start for left, right in pairwise(candidates)):
        return candidates  # already apart and in text order: nothing to choose
    candidates.sort(key=lambda p: (p.start - p.end, p.start))
    chosen: list[_Place] = []
    for place in candidates:
        if all(place.end <= other.start or place.start >= other.end for other in chosen):
            chosen.append(place)
    chosen.sort(key=lambda p: p.start)
    return chosen


def find(folded: Folded, region: str) -> list[Identifier]:
    """Places named in ``folded``; ``region`` (ISO alpha-2) breaks ties between homonyms."""
    gazetteer = load()
    found: list[Identifier] = []
    for place in _places(gazetteer, folded.text, region.upper(), location_mode=False):
        start, end = folded.span(place.start, place.end)
        found.append(
            Identifier("place", folded.original[start:end], place.city.canonical, start, end)
        )
    return found


def _region_mentions(
    gazetteer: Gazetteer, text: str
) -> list[tuple[int, int, tuple[RegionRef, ...]]]:
    """Every state/province/country named in ``text``: (start, end, refs), in order."""
    mentions: list[tuple[int, int, tuple[RegionRef, ...]]] = []
    pos = 0
    while True:
        token = _REGION_TOKEN.search(text, pos)
        if token is None:
            return mentions
        if token.start() > 0 and text[token.start() - 1].isalnum():
            pos = token.end()
            continue
        found = _region_phrase(gazetteer, text, token.start())
        if found is None:
            pos = token.end()
            continue
        end, (refs, _) = found
        mentions.append((token.start(), end, refs))
        pos = end


def _explicit_country(refs_in_order: list[tuple[RegionRef, ...]]) -> str | None:
    """The first country named unambiguously (not an ISO code, not also a foreign state)."""
    for refs in refs_in_order:
        countries = {ref.country for ref in refs if ref.region is None and not ref.iso_code}
        if len(countries) != 1:
            continue
        (country,) = countries
        if all(ref.country == country for ref in refs if not ref.iso_code):
            return country
    return None


def _location_places(
    location: str, region: str | None
) -> tuple[list[_Place], list[tuple[RegionRef, ...]], str | None]:
    """Places in a location field, the regions it names outside them, and its country."""
    gazetteer = load()
    text = fold(location).text
    places = _places(gazetteer, text, region, location_mode=True)
    # A state or country inside a place's span is that place's qualifier ("Lebanon, TN"), not
    # a mention of its own.
    outside = [
        refs
        for start, end, refs in _region_mentions(gazetteer, text)
        if not any(p.start <= start and end <= p.end for p in places)
    ]
    country = _explicit_country(outside)
    if country is not None:
        if country != region:
            places = _places(gazetteer, text, country, location_mode=True)
        # "Victoria, Mexico": a city that contradicts the country named is not the place.
        places = [p for p in places if p.qualified or p.city.country == country]
    return places, outside, country


def resolve(location: str, *, region: str | None = None) -> str | None:
    """Canonical place of a post's free-text ``location`` field, or None when it names none.

    A city followed by its state or country wins; otherwise the first city, preferring the
    country named in the field, then ``region``, then the most populous.
    """
    if not location or not location.strip():
        return None
    places, _, _ = _location_places(location, region.upper() if region else None)
    if not places:
        return None
    qualified = [place for place in places if place.qualified]
    return (qualified or places)[0].city.canonical


def region_of(location: str | None, default: str = "US") -> str:
    """ISO country code of a post's ``location`` field, for picking the phone region.

    In order: a city with its state or country (``Toronto ON`` -> CA); a country named in the
    field (``Guadalajara, Jalisco, México`` -> MX); a city alone, preferring ``default`` then the
    most populous (``London`` -> GB, ``Houston`` -> US); a state or province alone (``Texas``
    -> US, ``Ontario`` -> CA); else ``default``.
    """
    default = default.upper()
    if not location or not location.strip():
        return default
    places, mentions, country = _location_places(location, default)
    for place in places:
        if place.qualified:
            return place.city.country
    if country is not None:
        return country
    if places:
        return places[0].city.country
    for refs in mentions:
        candidates = [ref for ref in refs if not ref.iso_code]
        if not candidates:
            continue
        for ref in candidates:
            if ref.country == default:
                return default
        return candidates[0].country
    return default
