"""The Spark ranking's reading of long facts (pure Python: no Spark session needed).

The Spark link stage streams each partition's facts, sorted by network, into the ranking; a
network's rows may be cut anywhere by Arrow's batching. These tests cut them everywhere.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.spark.link import (
    _AGE,
    _CONTACT,
    _FLAG,
    _NAME,
    _POST,
    _PRICE,
    _PROFILE,
    _TEMPLATE,
    _networks_of,
    _post_facts,
)

COLUMNS = (
    "component", "id", "part", "f", "start_offset", "end_offset", "kind", "canonical",
    "code", "category", "field", "posted_at", "location", "site", "author", "template",
    "profile",
)  # fmt: skip


def row(component: int, post: str, part: int, **values: Any) -> dict[str, Any]:
    return (
        {name: None for name in COLUMNS}
        | {"component": component, "id": post, "part": part}
        | values
    )


def long_rows(networks: list[list[int]]) -> list[dict[str, Any]]:
    """Sorted long rows: network ``n`` holds posts with ``facts[i]`` fact rows each."""
    rows = []
    for component, facts in enumerate(networks):
        for number, count in enumerate(facts):
            post = f"p{component}-{number}"
            rows.append(row(component, post, _POST, site="s"))
            rows += [row(component, post, _PRICE, canonical=f"{n} USD") for n in range(count)]
    return rows


def batches_of(rows: list[dict[str, Any]], cuts: list[int]) -> list[pa.RecordBatch]:
    edges = sorted({0, len(rows), *(cut % (len(rows) + 1) for cut in cuts)})
    return [
        pa.RecordBatch.from_pylist(rows[start:end]) for start, end in pairwise(edges) if end > start
    ]


@settings(deadline=None)  # building Arrow batches is slow on a first call
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=4), min_size=1, max_size=6),
    st.lists(st.integers(0, 200), max_size=8),
)
def test_networks_are_whole_wherever_the_batches_are_cut(
    networks: list[list[int]], cuts: list[int]
) -> None:
    rows = long_rows(networks)
    found = list(_networks_of(iter(batches_of(rows, cuts))))
    assert [[len(post) - 1 for post in network] for network in found] == networks
    assert [{post[0]["component"] for post in network} for network in found] == [
        {n} for n in range(len(networks))
    ]


def test_a_fact_without_its_post_is_not_given_to_another() -> None:
    rows = [row(1, "a", _POST), row(1, "a", _PRICE, canonical="1 USD"), row(1, "b", _PRICE)]
    ((post,),) = list(_networks_of(iter([pa.RecordBatch.from_pylist(rows)])))
    assert [r["id"] for r in post] == ["a", "a"]


def test_no_rows_no_networks() -> None:
    assert list(_networks_of(iter([]))) == []


def test_a_posts_rows_make_its_facts_in_reading_order() -> None:
    when = datetime(2026, 1, 2, 3, 4)
    rows = [
        row(7, "a", _POST, posted_at=when, location="Reno, NV", site="ads", author="x"),
        row(7, "a", _AGE, f=0, start_offset=0, end_offset=2, canonical="19", field="title"),
        row(7, "a", _AGE, f=1, start_offset=5, end_offset=7, canonical="21", field="text"),
        row(7, "a", _PRICE, f=1, canonical="200 USD/hr", field="text"),
        row(7, "a", _NAME, f=1, canonical="lola", field="text"),
        row(7, "a", _NAME, f=1, canonical="lola", field="text"),
        row(7, "a", _CONTACT, kind="phone", canonical="+17025550123"),
        row(7, "a", _CONTACT, kind="phone", canonical="+17025550123"),
        row(
            7,
            "a",
            _FLAG,
            f=1,
            start_offset=9,
            end_offset=14,
            code="c1",
            category="cat",
            field="text",
        ),
        row(7, "a", _TEMPLATE, template="t1"),
        row(7, "a", _PROFILE, profile="ad"),
    ]
    facts = _post_facts(rows, lambda location: location.upper())
    assert facts.post_id == "a" and facts.posted_at == when
    assert (facts.place, facts.site, facts.author) == ("RENO, NV", "ads", "x")
    assert facts.ages == (19, 21)
    assert facts.age_spans == ((5, 7),)  # only ages in the text have spans the UI can show
    assert facts.prices == ("200 USD/hr",)
    assert facts.names == ("lola",)
    assert facts.contacts == (("phone", "+17025550123"),)
    assert facts.flags == (("cat", "c1", 9, 14, "text"),)
    assert (facts.template, facts.profile) == ("t1", "ad")


def test_a_post_with_no_facts_has_empty_lists() -> None:
    facts = _post_facts([row(1, "b", _POST)], lambda location: pytest.fail("no location"))
    assert facts.place is None
    assert (facts.ages, facts.prices, facts.contacts, facts.flags, facts.names) == ((),) * 5
    assert facts.template is None and facts.profile is None
