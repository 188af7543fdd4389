"""The extraction facade: every kind at once, overlaps resolved, contract forms kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from threadline.extract import FINDERS, extract, extract_fields, extract_fields_many, extract_many
from threadline.records import HANDLE_PLATFORMS, IDENTIFIER_KINDS

#: The canonical form of each kind (DESIGN.md, identifier contract).
CANONICAL = {
    "phone": re.compile(r"\+[1-9]\d{6,14}"),
    "email": re.compile(r"[^@\sA-Z]+@[^@\sA-Z]+\.[a-z0-9-]+"),
    "handle": re.compile(rf"(?:{'|'.join(HANDLE_PLATFORMS)}):[^\sA-Z]+"),
    "url": re.compile(r"[a-z0-9.-]+\.[a-z0-9-]+(?::\d+)?(?:[/?].*)?"),
    "crypto": re.compile(r"(?:btc|eth|trx|ltc|xmr):\S+"),
    "payment": re.compile(r"(?:cashapp|venmo|paypal|zelle):\S+"),
    "age": re.compile(r"[1-7]?\d"),
    "price": re.compile(r"\d+(?:\.\d+)? [A-Z]{3}(?:/[a-z]+)?"),
    "place": re.compile(r"[^,]+, [^,]+, [A-Z]{2}"),
    "name": re.compile(r"[^\sA-Z]+"),
}

AD = (
    "New in town!! Lexi 19yo 💋 call two one two 555 o1two3 or 2️⃣1️⃣2️⃣-555-0199. "
    "SC: lexi_x, IG @lexi.rose, wa.me/12125550123. Deposit via cashapp $lexi12 or "
    "zelle: lexi@x.com, btc 1BoatSLRHtKNngkdXEeobR76b53LETtpyT. $200hh 150 roses/hr. "
    "In Houston, TX this week. verify at www.Verify-Me.com/x or lexi(at)proton(dot)me"
)


def test_every_kind_is_found_in_one_ad() -> None:
    found = extract(AD)
    kinds = {ident.kind for ident in found}
    assert kinds == set(IDENTIFIER_KINDS)
    canonicals = {(ident.kind, ident.canonical) for ident in found}
    for expected in [
        ("phone", "+12125550123"),
        ("phone", "+12125550199"),
        ("handle", "snapchat:lexi_x"),
        ("handle", "instagram:lexi.rose"),
        ("handle", "whatsapp:+12125550123"),
        ("payment", "cashapp:lexi12"),
        ("payment", "zelle:lexi@x.com"),
        ("email", "lexi@x.com"),
        ("email", "lexi@proton.me"),
        ("crypto", "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
        ("url", "verify-me.com/x"),
        ("age", "19"),
        ("price", "200 USD/hh"),
        ("price", "150 USD/hr"),
        ("place", "Houston, TX, US"),
    ]:
        assert expected in canonicals, expected
    for ident in found:
        assert AD[ident.start : ident.end] == ident.value
        assert CANONICAL[ident.kind].fullmatch(ident.canonical), ident


def test_results_are_in_text_order() -> None:
    starts = [ident.start for ident in extract(AD)]
    assert starts == sorted(starts)


def test_higher_priority_kind_wins_an_overlap() -> None:
    found = extract("write to jane.doe@gmail.com today")
    assert [(i.kind, i.canonical) for i in found] == [("email", "jane.doe@gmail.com")]


def test_nested_facts_are_both_kept() -> None:
    found = extract("wa.me/12125550123 and zelle: lexi@x.com")
    pairs = {(i.kind, i.canonical) for i in found}
    assert ("handle", "whatsapp:+12125550123") in pairs
    assert ("phone", "+12125550123") in pairs
    assert ("payment", "zelle:lexi@x.com") in pairs
    assert ("email", "lexi@x.com") in pairs


def test_no_two_kept_identifiers_overlap_except_nested_facts() -> None:
    nested = {
        frozenset({"payment", "email"}),
        frozenset({"payment", "phone"}),
        frozenset({"handle", "phone"}),
    }
    found = extract(AD)
    for a in found:
        for b in found:
            if a is not b and a.start < b.end and b.start < a.end:
                assert frozenset({a.kind, b.kind}) in nested, (a, b)


def test_region_changes_national_phone_numbers() -> None:
    assert [i.canonical for i in extract("020 7946 0958", region="GB", kinds=["phone"])] == [
        "+442079460958"
    ]
    assert extract("020 7946 0958", region="US", kinds=["phone"]) == []


def test_kinds_limit_the_extraction() -> None:
    assert {i.kind for i in extract(AD, kinds=["email"])} == {"email"}


@pytest.mark.parametrize("region", ["USA", "1", "", "U$"])
def test_bad_region_is_a_clear_error(region: str) -> None:
    with pytest.raises(ValueError, match="alpha-2"):
        extract("212 555 0123", region=region)


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown identifier kind"):
        extract("x", kinds=["phones"])


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        extract(b"212 555 0123")  # type: ignore[arg-type]


def test_empty_and_blank_texts() -> None:
    assert extract("") == []
    assert extract("   \n\t ") == []


def test_fields_take_the_region_from_the_location() -> None:
    region, found = extract_fields(
        "call 020 7946 0958", title="Lexi 020 7946 0958", location="London, UK"
    )
    assert region == "GB"
    assert [(field, i.canonical) for field, i in found if i.kind == "phone"] == [
        ("text", "+442079460958"),
        ("title", "+442079460958"),
    ]
    region, _ = extract_fields("x", title=None, location=None, default_region="CA")
    assert region == "CA"


def test_every_kind_has_a_finder_once() -> None:
    assert sorted(kind for kind, _ in FINDERS) == sorted(IDENTIFIER_KINDS)


pieces = st.sampled_from(
    [
        "212",
        "555",
        "0123",
        "two",
        "one",
        "oh",
        " ",
        ".",
        "-",
        "@",
        " at ",
        " dot ",
        "com",
        "$",
        "jane",
        "SC:",
        "IG @",
        "t.me/",
        "wa.me/",
        "cashapp",
        "zelle",
        "19yo",
        "roses",
        "/hr",
        "Houston",
        ", TX",
        "www.",
        "http://",
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "💋",
        "2️⃣",
        "５",
        "\u200b",
        "ñ",
        "北京",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(pieces, max_size=25).map("".join)))
def test_any_text_gives_valid_spans_and_contract_forms(text: str) -> None:
    for ident in extract(text):
        assert 0 <= ident.start < ident.end <= len(text)
        assert text[ident.start : ident.end] == ident.value
        assert CANONICAL[ident.kind].fullmatch(ident.canonical), ident


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(pieces, max_size=20).map("".join),
            st.sampled_from([None, "US", "gb", "MX"]),
        ),
        max_size=6,
    )
)
def test_a_batch_gives_what_each_text_gives_alone(batch: list[tuple[str, str | None]]) -> None:
    assert extract_many(batch) == [extract(text, region=region) for text, region in batch]


def test_a_batch_of_fields_gives_what_each_post_gives_alone() -> None:
    posts = [
        ("call 020 7946 0958", "Lexi 020 7946 0958", "London, UK"),
        (AD, None, None),
        ("", "title only 212 555 0123", "Houston, TX"),
        ("x", None, "nowhere"),
    ]
    assert extract_fields_many(posts, default_region="CA") == [
        extract_fields(text, title=title, location=location, default_region="CA")
        for text, title, location in posts
    ]


def test_a_batch_rejects_bad_input_before_extracting() -> None:
    with pytest.raises(TypeError):
        extract_many([("ok", None), (None, None)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="alpha-2"):
        extract_many([("ok", None), ("212 555 0123", "USA")])
    with pytest.raises(ValueError, match="alpha-2"):
        extract_fields_many([("x", None, None)], default_region="Mexico")


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join), st.lists(pieces, max_size=12).map("".join))
@example("call 212 555 0123", "4567 now")
@example("rates $", "200 hh, jane at gmail")
@example("SC:", "jane_x")
@example("jane at", "gmail dot com")
def test_title_and_text_joined_give_what_each_gives_alone(title: str, text: str) -> None:
    # extract_fields reads title and text in one pass, joined by a separator no finder reads
    # across: the result must be what each field gives on its own.
    _, found = extract_fields(text, title=title or None, location=None)
    alone = [("title", ident) for ident in (extract(title) if title else [])] + [
        ("text", ident) for ident in extract(text)
    ]
    assert sorted(found) == sorted(alone)
