"""Claimed ages: every form of the brief, the look-alikes that are not ages, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import age
from threadline.extract.normalize import fold


def ages(text: str) -> list[tuple[str, str]]:
    return [(ident.value, ident.canonical) for ident in age.find(fold(text), "US")]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("19yo", "19yo", "19"),
        ("19 y/o", "19 y/o", "19"),
        ("19 y.o.", "19 y.o.", "19"),
        ("19 years old", "19 years old", "19"),
        ("19 yrs young", "19 yrs young", "19"),
        ("19-year-old", "19-year-old", "19"),
        ("19 year old", "19 year old", "19"),
        ("age 19", "age 19", "19"),
        ("age: 19", "age: 19", "19"),
        ("Age:19", "Age:19", "19"),
        ("age is 19", "age is 19", "19"),
        ("I'm 19", "I'm 19", "19"),
        ("I’m 22 and new", "I’m 22", "22"),
        ("im 19", "im 19", "19"),
        ("I am 21", "I am 21", "21"),
        ("barely 18", "barely 18", "18"),
        ("just turned 18", "just turned 18", "18"),
        ("19 años", "19 años", "19"),
        ("19 anos", "19 anos", "19"),
        ("edad: 19", "edad: 19", "19"),
        ("tengo 19", "tengo 19", "19"),
        ("tengo 19 años de edad", "tengo 19 años de edad", "19"),
        ("nineteen years old", "nineteen years old", "19"),
        ("twenty-one years old", "twenty-one years old", "21"),
        ("I am twenty one", "I am twenty one", "21"),
        ("diecinueve años", "diecinueve años", "19"),
        ("veintidós años", "veintidós años", "22"),
        ("tengo treinta y dos años", "tengo treinta y dos años", "32"),
    ],
)
def test_every_written_form_is_an_age(text: str, value: str, canonical: str) -> None:
    assert ages(text) == [(value, canonical)]


@pytest.mark.parametrize("claimed", ["13", "14", "15", "16", "17"])
def test_claimed_minors_are_extracted_as_written(claimed: str) -> None:
    # A claimed age under 18 is a strong indicator downstream: it must never be filtered.
    assert ages(f"new girl, {claimed}yo, call me") == [(f"{claimed}yo", claimed)]
    assert ages(f"hi im {claimed} new here") == [(f"im {claimed}", claimed)]


def test_sixteen_as_a_word_with_a_cue() -> None:
    assert ages("I'm sixteen") == [("I'm sixteen", "16")]


@pytest.mark.parametrize(
    "text",
    [
        "19 roses",
        "$19",
        "19/hr",
        "2019",
        "call 555-1919 now",
        "open 24/7",
        "34-24-36",
        "100% real",
        "5'6\" and petite",
        "I'm 20 min away",
        "I'm 34DD",
        "I'm 25 miles from downtown",
        "age 18-25 only",
        "must be 18+",
        "ages 21 to 30",
        "10 años de experiencia",
        "hace 19 años",
        "born in nineteen ninety",
        "once upon a time",
        "I'm 9",
        "I'm 85",
        "1.19 yo",
        "room 19",
        "",
    ],
)
def test_look_alikes_are_not_ages(text: str) -> None:
    assert ages(text) == []


def test_bare_number_word_counts_only_standing_alone() -> None:
    assert ages("Sweet nineteen | new in town") == [("nineteen", "19")]
    assert ages("Ashley\n nineteen \nLatina") == [("nineteen", "19")]
    assert ages("nineteen") == [("nineteen", "19")]
    assert ages("💋NEW IN TOWN💋 Sweet nineteen | Latina") == [("nineteen", "19")]
    assert ages("Latina 🌹 nineteen 🌹 new") == [("nineteen", "19")]
    assert ages("we were nineteen girls in the house") == []
    assert ages("nineteen ninety nine") == []


def test_bare_digits_never_count_alone() -> None:
    # Digits alone are as likely a price or a count: only number words may stand alone.
    assert ages("Ashley | 19 | Latina") == []


def test_out_of_range_cued_numbers_are_dropped() -> None:
    assert age.MIN_AGE == 10 and age.MAX_AGE == 79
    assert ages("age 09") == []
    assert ages("age 80") == []
    assert ages("age 79") == [("age 79", "79")]
    assert ages("age 10") == [("age 10", "10")]


def test_several_ages_in_one_text_do_not_overlap() -> None:
    found = age.find(fold("I'm 19 years old, my friend is 21yo"), "US")
    assert [(i.value, i.canonical) for i in found] == [("I'm 19 years old", "19"), ("21yo", "21")]


def test_spans_map_back_through_folding() -> None:
    # Full-width digits, an emoji separator and a zero-width joiner: spans index the original.
    text = "💋 １９yo 💋 and I\u200d'm 2\u200d0"
    found = age.find(fold(text), "US")
    assert [i.canonical for i in found] == ["19", "20"]
    for ident in found:
        assert text[ident.start : ident.end] == ident.value
    assert found[0].value == "１９yo"


def test_non_latin_text_gives_nothing_and_no_error() -> None:
    assert ages("Мне 19 лет, Москва") == []
    assert ages("我今年19岁") == []
    assert ages("عمري ١٩ سنة") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_spans_index_the_original(text: str) -> None:
    folded = fold(text)
    found = age.find(folded, "US")
    previous_end = 0
    for ident in found:
        assert ident.kind == "age"
        assert 0 <= ident.start < ident.end <= len(text)
        assert ident.value == text[ident.start : ident.end]
        assert age.MIN_AGE <= int(ident.canonical) <= age.MAX_AGE
        assert ident.start >= previous_end
        previous_end = ident.end


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "I'm",
                "19",
                "yo",
                "age",
                ":",
                "nineteen",
                "años",
                "tengo",
                "$",
                "/",
                "-",
                " ",
                "\n",
                "|",
                "💋",
                "24/7",
                "y/o",
                "twenty",
                "one",
                "barely",
            ]
        ),
        max_size=20,
    )
)
def test_ad_like_token_soup_never_breaks(tokens: list[str]) -> None:
    text = " ".join(tokens)
    for ident in age.find(fold(text), "US"):
        assert ident.value == text[ident.start : ident.end]
