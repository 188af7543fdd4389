"""Folding: look-alike Unicode becomes ASCII, and spans always map back to the original."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from threadline.extract.normalize import fold, strip_accents


def test_ascii_text_is_returned_unchanged() -> None:
    folded = fold("Call 212-555-0123 now")
    assert folded.text == "Call 212-555-0123 now"
    assert folded.span(5, 17) == (5, 17)


def test_digits_of_other_forms_become_ascii() -> None:
    assert fold("５５５").text == "555"  # full-width
    assert fold("①②③⓪").text == "1230"  # circled
    assert fold("𝟏𝟐𝟑").text == "123"  # mathematical bold
    assert fold("٢١٢").text == "212"  # Arabic-Indic
    assert fold("२१२").text == "212"  # Devanagari


def test_styled_letters_become_ascii() -> None:
    assert fold("ｊａｎｅ").text == "jane"
    assert fold("𝐣𝐚𝐧𝐞").text == "jane"
    assert fold("ⓙⓐⓝⓔ").text == "jane"


def test_emoji_are_separators_and_invisibles_are_removed() -> None:
    assert fold("212🔥555🔥0123").text == "212 555 0123"
    assert fold("ja\u200bne\u200d@x.com").text == "jane@x.com"
    assert fold("2\ufe0f\u20e31\ufe0f\u20e3").text == "21"


def test_spans_of_keycap_digits_cover_their_marks() -> None:
    text = "call 2️⃣1️⃣2️⃣ now"
    folded = fold(text)
    match = re.search(r"\d+", folded.text)
    assert match is not None
    start, end = folded.span(*match.span())
    assert text[start:end] == "2️⃣1️⃣2️⃣"


def test_spans_skip_leading_invisibles() -> None:
    text = "x \u200b\u200bjane"
    folded = fold(text)
    start, end = folded.span(folded.text.index("jane"), len(folded.text))
    assert text[start:end] == "jane"


def test_nul_characters_are_not_mistaken_for_removed_ones() -> None:
    folded = fold("a\x00b")
    assert folded.text == "a b"
    assert folded.span(0, 3) == (0, 3)


def test_strip_accents() -> None:
    assert strip_accents("San José, México") == "San Jose, Mexico"


@given(st.text())
def test_fold_maps_every_folded_slice_into_the_original(text: str) -> None:
    folded = fold(text)
    assert len(folded.text) <= len(text)
    previous = 0
    for i in range(len(folded.text) + 1):
        position = folded.offset(i)
        assert previous <= position <= len(text)
        previous = position
    assert folded.offset(len(folded.text)) == len(text) or folded.text == text


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_fold_is_identity_on_ascii_without_nul(text: str) -> None:
    folded = fold(text)
    assert folded.text == text.replace("\x00", " ")
