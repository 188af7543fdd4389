"""Persona names: every cue form, names the list lacks, words after a cue that are no name,
names that are also places, other scripts, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import extract, name
from threadline.extract.normalize import fold


def names(text: str) -> list[tuple[str, str]]:
    return [(ident.value, ident.canonical) for ident in name.find(fold(text), "US")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I'm Jasmine and I love to travel", "Jasmine"),
        ("I’m Jasmine", "Jasmine"),
        ("Im Jasmine, new here", "Jasmine"),
        ("I am Jasmine.", "Jasmine"),
        ("My name is Jasmine", "Jasmine"),
        ("my name's Jasmine", "Jasmine"),
        ("Name: Jasmine", "Jasmine"),
        ("Hi gentlemen, meet Jasmine, sweet and playful", "Jasmine"),
        ("Ask for Jasmine at the door", "Jasmine"),
        ("ask 4 Jasmine", "Jasmine"),
        ("Jasmine here, ready for you", "Jasmine"),
        ("This is Jasmine, your new friend", "Jasmine"),
        ("Say hi to Jasmine!", "Jasmine"),
        ("They call me Jasmine", "Jasmine"),
        ("call me Jasmine", "Jasmine"),
        ("xoxo Jasmine", "Jasmine"),
        ("Love,\nJasmine", "Jasmine"),
        ("Jasmine, 21yo", "Jasmine"),
        ("Jasmine 21 years old", "Jasmine"),
        ("Jasmine (21)", "Jasmine"),
        ("Jasmine age 21 - sweet", "Jasmine"),
        ("NEW IN TOWN Jasmine 21", "Jasmine"),
        ("Jasmine 23yo - sweet and young", "Jasmine"),
        ("Just arrived: Jasmine", "Jasmine"),
        ("Houston visit - ask for Jasmine", "Jasmine"),
        ("NEW IN TOWN JASMINE 21", "JASMINE"),
        ("im jasmine 21", "jasmine"),
        ("Dulce just turned 18", "Dulce"),
        ("Soy Sofía, 22 años", "Sofía"),
        ("me llamo Lucía", "Lucía"),
        ("Mi nombre es Valeria", "Valeria"),
        ("Pregunta por Camila", "Camila"),
        ("Меня зовут Анна", "Анна"),
        ("I'm Mary-Jane, 24", "Mary-Jane"),
        # Typos: two neighbouring letters of a cue word swapped.
        ("Jasmine heer, ready", "Jasmine"),
        ("Jasmine hree and ready", "Jasmine"),
        ("Say hi ot Jasmine", "Jasmine"),
        ("my nmae is Jasmine", "Jasmine"),
        ("Mete Jasmine tonight", "Jasmine"),
    ],
)
def test_every_cue_form_gives_the_name(text: str, value: str) -> None:
    found = names(text)
    assert found == [(value, value.casefold())]


def test_canonical_is_nfkc_casefolded_and_value_is_as_written() -> None:
    text = "I'm 𝐉𝐚𝐬𝐦𝐢𝐧𝐞, 21"  # mathematical bold letters
    [ident] = name.find(fold(text), "US")
    assert ident.kind == "name"
    assert ident.canonical == "jasmine"
    assert ident.value == "𝐉𝐚𝐬𝐦𝐢𝐧𝐞" == text[ident.start : ident.end]


@pytest.mark.parametrize(
    "text",
    [
        "Nyxie, 22, sweet",  # comma before the age
        "Nyxie 22yo",  # unit
        "Nyxie (22) new",  # brackets
        "Verified only - Nyxie 22",  # the name starts a segment of the title
        "My name is Nyxie",  # explicit naming cue
        "They call me Nyxie, a charming lady",
        "I'm Nyxie, an elegant companion",  # apposition
        "Meet Nyxie, 22",  # a cue and an age
        "Say hi to Nyxie, only 20 y/o",
        "Nyxie here, nineteen and ready",
    ],
)
def test_a_name_the_list_lacks_needs_a_strong_cue(text: str) -> None:
    assert not name.is_first_name("Nyxie")
    assert names(text) == [("Nyxie", "nyxie")]


@pytest.mark.parametrize(
    "text",
    [
        "I'm Nyxie and new",  # a cue but no age: not sure enough
        "Nyxie here, come see me",
        "meet nyxie, 22",  # not capitalised
        "NEW IN TOWN NYXIE 22",  # capitals: cannot tell a name from a shouted word
        "In town Nyxie 22",  # no cue, no segment start, no comma or unit
        "NEW Nyxie only 21",  # "only" is no comma, unit nor "age"
        "Click hree to apply",  # a cue with a typo, and a word before it that is no name
    ],
)
def test_a_name_the_list_lacks_without_a_strong_cue_is_left_out(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "meet new girls every week",
        "Meet New Girls every week",
        "ask for details",
        "Ask for Details",
        "I'm Available now",
        "I'm here all week",
        "Hello gentlemen, this is Daddy's favorite",
        "Hey baby, I'm Baby",
        "I'm 21 and new",
        "I am a student",
        "Call me now",
        "say hi to my friends",
        "Room 21 is on the left",
        "Special 60 roses",
        "Exit 21 off the highway",
        "love, peace and fun",
        "Text 212-555-0101 for 30 min",
        "$21 special",
        "soy nueva en la ciudad",
        "I'm new here, 22",
        "Experience: 16 years in cleaning",
        "Tengo 17 años y soy nueva",
        "Claimed age 18 or 19",
        "Cities: 46 US cities",
        "Amazing, 22 and real",
        "Suite 05, second floor",
        "Zorblax, 05",  # not an age: under 10
    ],
)
def test_words_after_a_cue_that_are_no_names(text: str) -> None:
    assert names(text) == []


def test_a_name_that_is_also_a_city_is_decided_by_context() -> None:
    assert names("Meet Charlotte, 21, sweet and shy") == [("Charlotte", "charlotte")]
    assert names("I'm Austin, 24") == [("Austin", "austin")]
    assert names("Visiting Charlotte this week") == []
    assert names("in Austin until Friday") == []
    # Through the facade: the place wins its span, the name stands where a name stands.
    kinds = {(ident.kind, ident.value) for ident in extract("Ask for Charlotte, in Austin, TX")}
    assert ("name", "Charlotte") in kinds
    assert ("place", "Austin, TX") in kinds
    assert not any(kind == "name" and value.startswith("Austin") for kind, value in kinds)


def test_several_names_in_one_ad_are_all_found_once_each() -> None:
    text = "Jasmine 21 & Rosa 22\nMeet Jasmine, 21 and Rosa, 22. xoxo Jasmine"
    found = name.find(fold(text), "US")
    assert [ident.canonical for ident in found] == [
        "jasmine",
        "rosa",
        "jasmine",
        "rosa",
        "jasmine",
    ]
    starts = [ident.start for ident in found]
    assert starts == sorted(set(starts))


def test_a_possessive_is_not_part_of_the_name() -> None:
    assert names("I'm Jasmine's sister, Rosa, 22") == [("Jasmine", "jasmine"), ("Rosa", "rosa")]


def test_other_scripts() -> None:
    assert names("Меня зовут Вика, 22") == [("Вика", "вика")]
    # A script without case: the age after the name is the strong cue.
    assert names("أنا ليلى، 22") == []  # no cue this finder reads in Arabic
    assert names("Meet ليلى, 22") == [("ليلى", "ليلى")]
    assert names("Ελένη, 22 years old") == [("Ελένη", "ελένη")]


def test_empty_and_cue_only_text() -> None:
    assert names("") == []
    assert names("I'm") == []
    assert names("my name is") == []
    assert names("here") == []
    assert names("21") == []


def test_region_does_not_matter() -> None:
    folded = fold("I'm Jasmine, 21")
    assert name.find(folded, "US") == name.find(folded, "MX")


def test_the_name_list_is_loaded_from_the_package_data() -> None:
    listed = name.first_names()
    assert len(listed) > 10_000
    assert {"jasmine", "maria", "sofia", "sofía", "анна"} <= listed
    assert name.is_first_name("JASMINE") and name.is_first_name("Sofia")
    assert not name.is_first_name("Nyxie")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_raises_and_spans_index_the_original(text: str) -> None:
    for ident in name.find(fold(text), "US"):
        assert ident.kind == "name"
        assert ident.value == text[ident.start : ident.end]
        assert ident.canonical and ident.canonical == ident.canonical.casefold()


_CUE = st.sampled_from(["I'm ", "meet ", "Ask for ", "xoxo ", "My name is ", "", "NEW "])
_WORD = st.sampled_from(["Jasmine", "Nyxie", "new", "ROSA", "𝐉𝐚𝐬", "Анна", "x", "Daddy"])
_TAIL = st.sampled_from([", 21", " 22yo", " here", " (19)", "", " and new", "!!", " 💋 21"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CUE, _WORD, _TAIL), max_size=6), st.text(max_size=20))
def test_ad_like_text_never_raises_and_found_names_do_not_overlap(
    parts: list[tuple[str, str, str]], noise: str
) -> None:
    text = noise.join(cue + word + tail for cue, word, tail in parts)
    found = name.find(fold(text), "US")
    last_end = -1
    for ident in found:
        assert ident.value == text[ident.start : ident.end]
        assert ident.start >= last_end
        last_end = ident.end


def test_other_mentions_of_a_cued_name_are_hers_too() -> None:
    """A title names her without a cue; the text's cue makes it her name in both places."""
    ad = "Unforgettable time with Priya 💦 | Hi, I'm Priya, 24. Priya loves a five star date."
    found = names(ad)
    assert [value for value, _ in found] == ["Priya", "Priya", "Priya"]
    assert {canonical for _, canonical in found} == {"priya"}


def test_other_mentions_need_the_written_form_and_a_whole_word() -> None:
    ad = "Star here, 22. Five star service; Starla is my friend; STAR wars."
    assert [value for value, _ in names(ad)] == ["Star"]
    assert names("Unforgettable time with Priya, no cue names her") == []
