"""``/cases/aggregates``: the store's k-anonymous case counts as bar charts, and as CSV.

For the roles the policy lets read aggregates (researchers, analysts, supervisors). A cell
below k is shown as "fewer than k" with no bar, and no total is given, so that a suppressed
cell cannot be recovered by subtraction. Each dimension is one audited ``aggregates`` call.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from threadline.cases.policy import Action, Principal
from threadline.cases.store import AGGREGATE_DIMENSIONS, DEFAULT_K
from threadline.web.cases_common import (
    PageRoute,
    ask_purpose,
    human,
    page_principal,
    policy_gate,
    private_page,
    purposes,
    refusals,
    session_key,
    store_of,
)

__all__ = ["DIMENSION_TITLES", "Bar", "bars", "router"]

router = APIRouter(prefix="/cases", include_in_schema=False, route_class=PageRoute)

#: Plain titles of the aggregates page's dimensions, in the order shown.
_TITLES = {
    "year": "Year the case was opened",
    "gender": "Gender",
    "age_band": "Age band",
    "citizenship": "Citizenship",
    "exploitation_type": "Type of exploitation",
    "control_method": "Method of control",
    "relationship_to_trafficker": "Relationship to the trafficker",
}
#: Every dimension the store counts, titled (one it adds later is shown under its own name).
DIMENSION_TITLES = {
    **{name: title for name, title in _TITLES.items() if name in AGGREGATE_DIMENSIONS},
    **{name: human(name) for name in sorted(AGGREGATE_DIMENSIONS - set(_TITLES))},
}


@dataclass(frozen=True)
class Bar:
    """One bar of an aggregates chart; ``count`` None when suppressed (fewer than k)."""

    value: str
    label: str
    count: int | None
    width: float  # share of the widest bar, 0..1


def _label(value: str, dimension: str) -> str:
    if value == "unknown":
        return "Not recorded"
    return value if dimension in ("year", "citizenship", "age_band") else human(value)


def bars(cells: list[tuple[str, int | None]], dimension: str) -> list[Bar]:
    """Chart bars of one dimension; suppressed cells get no bar (their size is not shown)."""
    peak = max((count for _, count in cells if count is not None), default=0)
    return [
        Bar(
            value,
            _label(value, dimension),
            count,
            (count / peak) if count is not None and peak else 0.0,
        )
        for value, count in cells
    ]


def _counts(
    request: Request, principal: Principal, why: str, k: int
) -> dict[str, list[tuple[str, int | None]]]:
    store = store_of(request)
    with refusals():
        return {
            dimension: [
                (cell.value, cell.count)
                for cell in store.aggregates(principal, dimension, why=why, k=k)
            ]
            for dimension in DIMENSION_TITLES
        }


_K = Annotated[int, Query(ge=2, le=1000)]


@router.get("/aggregates", response_class=HTMLResponse)
def aggregates_page(request: Request, k: _K = DEFAULT_K) -> Response:
    principal = page_principal(request)
    why = purposes(request).recall(session_key(request, principal), "aggregates")
    if why is None:
        policy_gate(principal, Action.AGGREGATES_READ)
        return ask_purpose(request, "aggregates", "Why are you looking at these counts?")
    counts = _counts(request, principal, why, k)
    charts = [
        (dimension, title, bars(counts[dimension], dimension))
        for dimension, title in DIMENSION_TITLES.items()
    ]
    return private_page(request, "cases/aggregates.html", {"charts": charts, "k": k})


@router.get("/aggregates.csv")
def aggregates_csv(request: Request, k: _K = DEFAULT_K) -> Response:
    principal = page_principal(request)
    why = purposes(request).recall(session_key(request, principal), "aggregates")
    if why is None:
        return RedirectResponse("/cases/aggregates", status_code=303)
    counts = _counts(request, principal, why, k)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["dimension", "value", "count", "k"])
    for dimension, cells in counts.items():
        for value, count in cells:
            writer.writerow([dimension, value, "" if count is None else count, k])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="case-aggregates-k{k}.csv"',
            "Cache-Control": "no-store",
        },
    )
