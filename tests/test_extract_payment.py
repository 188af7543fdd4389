"""Payment extraction: Cash App, Venmo, PayPal and Zelle forms, prices, prose, properties."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import payment
from threadline.extract.normalize import fold
from threadline.records import Identifier

#: Canonical form of the contract: service:tag lowercase; Zelle (and PayPal) may take a phone
#: number in E.164 or an email.
EMAIL = r"[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z0-9-]+"
CANONICAL = re.compile(
    r"cashapp:[a-z][a-z0-9_]{0,19}"
    r"|venmo:[a-z0-9_-]{5,30}"
    r"|paypal:(?:[a-z0-9]{1,20}|" + EMAIL + r")"
    r"|zelle:(?:\+[1-9]\d{6,14}|" + EMAIL + r")"
)


def run(text: str, region: str = "US") -> list[Identifier]:
    """Extract and check the invariants every result must keep."""
    found = payment.find(fold(text), region)
    previous_end = 0
    for ident in found:
        assert ident.kind == "payment"
        assert ident.value == text[ident.start : ident.end]
        assert ident.start >= previous_end, "overlapping or unsorted results"
        previous_end = ident.end
        assert CANONICAL.fullmatch(ident.canonical), ident.canonical
    return found


def pairs(text: str, region: str = "US") -> list[tuple[str, str]]:
    return [(i.value, i.canonical) for i in run(text, region)]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        # Cash App
        ("cashapp $jane12", "cashapp $jane12", "cashapp:jane12"),
        ("CashApp: $Jane12", "CashApp: $Jane12", "cashapp:jane12"),
        ("cash app jane12", "cash app jane12", "cashapp:jane12"),
        ("Cash-App - $jane12", "Cash-App - $jane12", "cashapp:jane12"),
        ("CA $jane12", "CA $jane12", "cashapp:jane12"),
        ("CA: $jane12", "CA: $jane12", "cashapp:jane12"),
        ("cash.app/$jane12", "cash.app/$jane12", "cashapp:jane12"),
        ("https://cash.app/$Jane12/25", "https://cash.app/$Jane12", "cashapp:jane12"),
        ("cash.me/$jane12", "cash.me/$jane12", "cashapp:jane12"),
        ("deposit to $jane12.", "$jane12", "cashapp:jane12"),
        ("mi cashapp es $jane12", "cashapp es $jane12", "cashapp:jane12"),
        # Venmo
        ("venmo @jane-12", "venmo @jane-12", "venmo:jane-12"),
        ("venmo: jane12", "venmo: jane12", "venmo:jane12"),
        ("venmo: janedoe", "venmo: janedoe", "venmo:janedoe"),
        ("Venmo me @Jane_12", "Venmo me @Jane_12", "venmo:jane_12"),
        ("venmo.com/u/jane12", "venmo.com/u/jane12", "venmo:jane12"),
        ("venmo.com/jane12", "venmo.com/jane12", "venmo:jane12"),
        (
            "https://account.venmo.com/u/Jane-12",
            "https://account.venmo.com/u/Jane-12",
            "venmo:jane-12",
        ),
        # PayPal
        ("paypal.me/jane12", "paypal.me/jane12", "paypal:jane12"),
        ("www.paypal.com/paypalme/Jane12", "www.paypal.com/paypalme/Jane12", "paypal:jane12"),
        ("paypal: jane12", "paypal: jane12", "paypal:jane12"),
        ("pay pal - jane12", "pay pal - jane12", "paypal:jane12"),
        ("paypal: jane@x.com", "paypal: jane@x.com", "paypal:jane@x.com"),
        # Zelle
        ("zelle 212-555-0123", "zelle 212-555-0123", "zelle:+12125550123"),
        ("Zelle: (212) 555-0123.", "Zelle: (212) 555-0123", "zelle:+12125550123"),
        ("zelle me at +1 212 555 0123", "zelle me at +1 212 555 0123", "zelle:+12125550123"),
        ("zelle: jane@x.com", "zelle: jane@x.com", "zelle:jane@x.com"),
        ("zelle: Jane@X.com.", "zelle: Jane@X.com", "zelle:jane@x.com"),
        ("zelle jane at gmail dot com", "zelle jane at gmail dot com", "zelle:jane@gmail.com"),
        ("pago por zelle al 212 555 0123", "zelle al 212 555 0123", "zelle:+12125550123"),
    ],
)
def test_written_forms(text: str, value: str, canonical: str) -> None:
    assert pairs(text) == [(value, canonical)]


def test_zelle_uses_the_region_for_national_numbers() -> None:
    assert pairs("zelle 81 1234 5678", region="MX") == [
        ("zelle 81 1234 5678", "zelle:+528112345678")
    ]
    assert run("zelle 81 1234 5678", region="US") == []  # 811 is no US area code


@pytest.mark.parametrize(
    "text",
    [
        "$200",
        "$150hh and $300/hr",
        "$200hh, $ 300, 200$",
        "$1jane",  # cashtags start with a letter
        "$abcdefghijklmnopqrstu",  # 21 > 20 characters
        "$jane.doe",  # '.' is not allowed: no partial tag
        "$jane-12",
        "$USD 200 or $BTC",
        "US$jane",
        "$$jane",
        "cash app only",
        "cash app a lot",
        "cash app no deposit",
        "cash app only accepted",
        "venmo janedoe",  # letters only after spaces alone: read as prose
        "cash only, no cashapp",
        "venmo me",
        "venmo: jane",  # 4 < 5 characters
        "venmo @jane.doe",
        "paypal only",
        "paypal.me/help",
        "cash.app/help",
        "venmo.com/u/",
        "zelle only",
        "zelle: Jane Doe",  # a name, not a phone or an email
        "zelle 555-0123",  # too short for a number
        "cash app: @jane",  # '@' is not a cashtag sigil
        "BOCA Raton",
        "CA: jane12",  # CA without $ is a state
        "",
    ],
)
def test_not_payments(text: str) -> None:
    assert run(text) == []


def test_ca_before_a_cashtag_needs_a_word_boundary() -> None:
    assert pairs("BOCA $jane") == [("$jane", "cashapp:jane")]


def test_cue_and_bare_cashtag_do_not_overlap() -> None:
    text = "cashapp $jane12 or $joe_34, venmo @jane-12"
    assert [i.canonical for i in run(text)] == ["cashapp:jane12", "cashapp:joe_34", "venmo:jane-12"]


def test_spans_index_the_original_through_folding() -> None:
    text = "💰 ＣａｓｈＡｐｐ： ＄ｊａｎｅ１２ 💰"
    (ident,) = run(text)
    assert ident.canonical == "cashapp:jane12"
    assert ident.value == "ＣａｓｈＡｐｐ： ＄ｊａｎｅ１２"

    zero_width = "venmo\u200b @jane\u200d-12"
    (ident,) = run(zero_width)
    assert ident.canonical == "venmo:jane-12"
    assert ident.value == zero_width


@pytest.mark.parametrize(
    "text",
    [
        "$a" * 50_000,
        "cash app " * 11_000,
        "cashapp $jane12 " * 6_000,
        "zelle " + "1-" * 50_000,
        "venmo.com/u/" * 8_000,
        "cash" * 25_000,
        "zelle" * 20_000,
    ],
)
def test_hostile_input_stays_fast(text: str) -> None:
    """Long runs of anchors must cost linear time, not a stall (fields reach 100k chars)."""
    started = time.perf_counter()
    run(text)
    assert time.perf_counter() - started < 3.0


# --- properties ----------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "$",
        "cashapp",
        "cash app",
        "CA",
        "venmo",
        "paypal",
        "zelle",
        ":",
        " ",
        "-",
        "@",
        "/",
        "cash.app/",
        "venmo.com/u/",
        "paypal.me/",
        "jane12",
        "jane-12",
        "200",
        "hh",
        "me",
        "212-555-0123",
        "jane@x.com",
        ".",
        "\u200b",
        "＄",
        "💰",
        "é",
        "\t",
        "us",
    ]
)
PAYMENTISH = st.lists(FRAGMENTS | st.text(max_size=4), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(PAYMENTISH, st.sampled_from(["US", "GB", "MX", "", "ZZ"]))
def test_property_paymentish_text(text: str, region: str) -> None:
    run(text, region)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_property_any_text(text: str) -> None:
    run(text)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9_]{4,15}", fullmatch=True))
def test_property_generated_cashtags_round_trip(tag: str) -> None:
    if tag in ("usd", "hours"):
        return
    found = run(f"deposit $50 to ${tag.upper()} now")
    assert [(i.value, i.canonical) for i in found] == [(f"${tag.upper()}", f"cashapp:{tag}")]
