"""Prices and rates: every form of the brief, currencies by region, look-alikes, properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.extract import price
from threadline.extract.normalize import fold

CANONICAL = re.compile(r"^\d+(?:\.\d{1,2})? [A-Z]{3}(?:/(?:hr|hh|qv|day|week|month|night))?$")


def prices(text: str, region: str = "US") -> list[tuple[str, str]]:
    return [(ident.value, ident.canonical) for ident in price.find(fold(text), region)]


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("150 roses/hr", "150 roses/hr", "150 USD/hr"),
        ("$200hh", "$200hh", "200 USD/hh"),
        ("$150/hour", "$150/hour", "150 USD/hr"),
        ("$80 qv", "$80 qv", "80 USD/qv"),
        ("200 for hh", "200 for hh", "200 USD/hh"),
        ("€100", "€100", "100 EUR"),
        ("100€", "100€", "100 EUR"),
        ("100 euros", "100 euros", "100 EUR"),
        ("£120", "£120", "120 GBP"),
        ("MXN 500", "MXN 500", "500 MXN"),
        ("500 pesos", "500 pesos", "500 MXN"),
        ("$1,500/week", "$1,500/week", "1500 USD/week"),
        ("$15/hour", "$15/hour", "15 USD/hr"),
        ("2k a month", "2k a month", "2000 USD/month"),
        ("2.5k/month", "2.5k/month", "2500 USD/month"),
        ("$12.50/hr", "$12.50/hr", "12.5 USD/hr"),
        ("$19", "$19", "19 USD"),
        ("$ 150", "$ 150", "150 USD"),
        ("$2,000", "$2,000", "2000 USD"),
        ("150 donation", "150 donation", "150 USD"),
        ("100 kisses for an hour", "100 kisses for an hour", "100 USD/hr"),
        ("$300 for the night", "$300 for the night", "300 USD/night"),
        ("$250 overnight", "$250 overnight", "250 USD/night"),
        ("$100 a day", "$100 a day", "100 USD/day"),
        ("150hh", "150hh", "150 USD/hh"),
        ("80 qv", "80 qv", "80 USD/qv"),
        ("150/hr", "150/hr", "150 USD/hr"),
        ("250hr", "250hr", "250 USD/hr"),
        ("$100 per hour", "$100 per hour", "100 USD/hr"),
        ("$80 quick visit", "$80 quick visit", "80 USD/qv"),
        ("$120 half hour", "$120 half hour", "120 USD/hh"),
        ("$150 30min", "$150 30min", "150 USD/hh"),
        ("USD 100", "USD 100", "100 USD"),
        ("US$100", "US$100", "100 USD"),
        ("hh $150", "hh $150", "150 USD/hh"),
        ("1/2 hr 100", "1/2 hr 100", "100 USD/hh"),
    ],
)
def test_every_written_form_is_a_price(text: str, value: str, canonical: str) -> None:
    assert prices(text) == [(value, canonical)]


def test_rate_card_with_units_first() -> None:
    assert prices("QV 80 HH 120 1hr 200") == [
        ("QV 80", "80 USD/qv"),
        ("HH 120", "120 USD/hh"),
        ("1hr 200", "200 USD/hr"),
    ]
    assert prices("hh-150 hr-250") == [("hh-150", "150 USD/hh"), ("hr-250", "250 USD/hr")]


def test_units_after_each_amount_belong_to_that_amount() -> None:
    assert prices("$80 qv $150 hh $250 hr") == [
        ("$80 qv", "80 USD/qv"),
        ("$150 hh", "150 USD/hh"),
        ("$250 hr", "250 USD/hr"),
    ]
    assert prices("150hh 250hr") == [("150hh", "150 USD/hh"), ("250hr", "250 USD/hr")]


@pytest.mark.parametrize(
    ("region", "currency"),
    [("US", "USD"), ("CA", "CAD"), ("AU", "AUD"), ("MX", "MXN"), ("CO", "COP"), ("GB", "USD")],
)
def test_bare_dollar_sign_follows_the_region(region: str, currency: str) -> None:
    assert prices("$200hh", region) == [("$200hh", f"200 {currency}/hh")]
    assert prices("150 roses", region) == [("150 roses", f"150 {currency}")]


def test_explicit_currency_beats_the_region() -> None:
    assert prices("US$100", "MX") == [("US$100", "100 USD")]
    assert prices("100 usd", "MX") == [("100 usd", "100 USD")]
    assert prices("€100", "US") == [("€100", "100 EUR")]
    assert prices("C$80", "US") == [("C$80", "80 CAD")]


def test_pesos_follow_the_region() -> None:
    assert prices("500 pesos", "CO") == [("500 pesos", "500 COP")]
    assert prices("500 pesos", "PH") == [("500 pesos", "500 PHP")]
    assert prices("500 pesos", "US") == [("500 pesos", "500 MXN")]


def test_bare_rate_uses_the_local_currency() -> None:
    assert prices("200 for hh", "GB") == [("200 for hh", "200 GBP/hh")]
    assert prices("200 for hh", "DE") == [("200 for hh", "200 EUR/hh")]


def test_spanish_rates() -> None:
    assert prices("$500 la hora", "MX") == [("$500 la hora", "500 MXN/hr")]
    assert prices("$800 por noche", "MX") == [("$800 por noche", "800 MXN/night")]
    assert prices("300 pesos media hora", "MX") == [("300 pesos media hora", "300 MXN/hh")]


@pytest.mark.parametrize(
    "text",
    [
        "19yo",
        "I'm 19",
        "call 555-123-4567",
        "(555) 123 4567",
        "12/25",
        "12/25/2024",
        "open 24/7",
        "100% real",
        "120 pounds",
        "5'6\"",
        "34-24-36",
        "24 hr service",
        "24hr service",
        "2 hours",
        "week 12",
        "2 for 1",
        "cashapp $jane12",
        "$12jane",
        "555-1234 for hh",
        "hr 5",
        "1.500 €",
        "",
    ],
)
def test_look_alikes_are_not_prices(text: str) -> None:
    assert prices(text) == []


def test_amounts_keep_a_decimal_point_only() -> None:
    # Ambiguous separators are left alone rather than guessed.
    assert prices("$1.50") == [("$1.50", "1.5 USD")]
    assert prices("$1,50") == []
    assert prices("$1.500") == []
    assert prices("$1,5000") == []


def test_spans_map_back_through_folding() -> None:
    text = "💋 ＄２００hh 💋 \u200d$150/hr"
    found = price.find(fold(text), "US")
    assert [i.canonical for i in found] == ["200 USD/hh", "150 USD/hr"]
    for ident in found:
        assert text[ident.start : ident.end] == ident.value


def test_non_latin_text_gives_nothing_and_no_error() -> None:
    assert prices("Москва, звоните 8 900 123 45 67") == []
    assert prices("我今年19岁") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["US", "CA", "MX", "GB", "FR", "ZZ"]))
def test_any_text_spans_index_the_original(text: str, region: str) -> None:
    previous_end = 0
    for ident in price.find(fold(text), region):
        assert ident.kind == "price"
        assert ident.value == text[ident.start : ident.end]
        assert CANONICAL.match(ident.canonical), ident.canonical
        assert ident.start >= previous_end
        previous_end = ident.end


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "$",
                "150",
                "hh",
                "qv",
                "/",
                "hr",
                "roses",
                "for",
                "a",
                "month",
                "2k",
                "€",
                "1,500",
                "-",
                " ",
                "24/7",
                "100%",
                "555-1234",
                "pesos",
                "MXN",
                ".",
                "k",
                "1hr",
                "💋",
            ]
        ),
        max_size=20,
    )
)
def test_ad_like_token_soup_never_breaks(tokens: list[str]) -> None:
    text = "".join(tokens)
    for ident in price.find(fold(text), "US"):
        assert ident.value == text[ident.start : ident.end]
        assert CANONICAL.match(ident.canonical), ident.canonical
