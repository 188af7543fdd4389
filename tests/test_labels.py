"""The labelling protocol (next / mark), label history and the re-fit of the ranking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from threadline.accounts import AccountStore
from threadline.labels import LabelBook, LabelError, refit
from threadline.link.settings import FACTORS


def _network(
    network: str, model: float, values: dict[str, float], pattern: str = "unclear"
) -> dict[str, Any]:
    return {
        "id": network,
        "score": model,
        "model_score": model,
        "pattern": pattern,
        "factors": [{"name": name, "value": values.get(name, 0.0)} for name in FACTORS],
    }


@pytest.fixture
def book(tmp_path: Path) -> LabelBook:
    return LabelBook(AccountStore(tmp_path / "app.sqlite").engine, "w.duckdb")


def test_mark_keeps_history_and_the_latest_is_current(book: LabelBook) -> None:
    book.mark("network", "nw-1", "unsure", by="ana")
    book.mark("network", "nw-1", "trafficking", by="bob", confidence=0.7, note="4 personas")
    assert [item.label for item in book.all()] == ["unsure", "trafficking"]
    current = book.current()["nw-1"]
    assert (current.label, current.labelled_by, current.confidence) == ("trafficking", "bob", 0.7)
    exported = orjson.loads(book.export())
    assert [item["label"] for item in exported] == ["unsure", "trafficking"]
    other = LabelBook(book.engine, "other.duckdb")
    assert other.all() == []  # labels belong to their workspace


@pytest.mark.parametrize(
    ("kind", "label", "confidence", "message"),
    [
        ("post", "scam", 1.0, "unknown target"),
        ("network", "maybe", 1.0, "unknown label"),
        ("network", "scam", 1.5, "confidence"),
        ("network", "scam", float("nan"), "confidence"),
    ],
)
def test_bad_labels_are_refused(
    book: LabelBook, kind: str, label: str, confidence: float, message: str
) -> None:
    with pytest.raises(LabelError, match=message):
        book.mark(kind, "nw-1", label, by="ana", confidence=confidence)


def test_next_proposes_the_most_uncertain_unlabelled_network(book: LabelBook) -> None:
    networks = [_network("nw-a", 0.95, {}), _network("nw-b", 0.55, {}), _network("nw-c", 0.1, {})]
    nxt = book.next(networks)
    assert nxt is not None and nxt["id"] == "nw-b"
    book.mark("network", "nw-b", "scam", by="ana")
    nxt = book.next(networks)
    assert nxt is not None and nxt["id"] == "nw-c"  # |0.1-0.5| < |0.95-0.5|
    for network in ("nw-a", "nw-c"):
        book.mark("network", network, "unsure", by="ana")
    assert book.next(networks) is None


def test_refit_learns_from_labels_and_reranks(book: LabelBook) -> None:
    networks = []
    for n in range(30):
        trafficking = n % 2 == 0
        values = {
            "multi_persona": 1.0 if trafficking else 0.0,
            "volume": 1.0 if not trafficking else 0.2,
        }
        networks.append(_network(f"nw-{n:02d}", 0.5, values))
        book.mark(
            "network", f"nw-{n:02d}", "trafficking" if trafficking else "independent", by="ana"
        )
    result = refit(networks, book.current(), top=10)
    assert result.labelled == 30
    assert result.after.multi_persona > result.after.volume
    assert all(int(network[3:]) % 2 == 0 for network, _, _, _ in result.changes)
    with pytest.raises(LabelError, match="needs networks labelled"):
        refit(networks[:1], book.current())
