"""Networks: the ranked list with filters, and one network with its factors and evidence, the
graph of posts and what they share, the timeline, the circuit, and its template clusters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from threadline.extract.place import resolve
from threadline.labels import LABELS
from threadline.steps.link import NETWORK_ORDERS
from threadline.web.auth import audit, need
from threadline.web.charts import circuit, persona_lanes, timeline
from threadline.web.templating import reader_of, render

router = APIRouter(include_in_schema=False)

PATTERNS = (
    "multi_persona_network",
    "recruitment_lure",
    "scam_blast",
    "unclear",
    "independent_reposter",
)
SORTS = tuple(NETWORK_ORDERS)
#: Networks per page of the list.
PAGE_SIZE = 100


@router.get("/networks", response_class=HTMLResponse)
def network_list(
    request: Request,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
    pattern: Annotated[str, Query()] = "",
    city: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query()] = "score",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    need(request, "view")
    if pattern and pattern not in PATTERNS:
        raise HTTPException(422, f"unknown pattern {pattern!r}; one of {', '.join(PATTERNS)}")
    if sort not in SORTS:
        raise HTTPException(422, f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    reader = reader_of(request)
    rows = reader.networks(
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        min_score=min_score,
        pattern=pattern or None,
        city=city or None,
        order_by=sort,
    )
    more = len(rows) > PAGE_SIZE
    return render(
        request,
        "networks.html",
        {
            "networks": rows[:PAGE_SIZE],
            "total": reader.network_count(),
            "page": page,
            "more": more,
            "first_rank": (page - 1) * PAGE_SIZE + 1,
            "filters": {"min_score": min_score, "pattern": pattern, "city": city, "sort": sort},
            "patterns": PATTERNS,
            "sorts": SORTS,
        },
    )


@router.get("/networks/{network_id}", response_class=HTMLResponse)
def network_page(request: Request, network_id: str) -> Response:
    need(request, "view")
    reader = reader_of(request)
    item = reader.network(network_id)
    if item is None:
        raise HTTPException(404, f"no network {network_id!r} in this workspace")
    audit(request, "network.view", f"network:{network_id}")
    view = reader.network_view(network_id)
    activity = view.activity
    places = {loc: resolve(loc) for _, loc, _ in activity if loc}
    stops = circuit((when, places.get(loc or "")) for when, loc, _ in activity)
    bars = timeline(when for when, _, _ in activity)
    factors = sorted(item["factors"], key=lambda f: -f["contribution"])
    return render(
        request,
        "network.html",
        {
            "net": item,
            "factors": factors,
            "bars": bars,
            "lanes": persona_lanes(view.personas, bars),
            "stops": stops,
            "circuit": [stop.to_dict() for stop in stops],
            "graph": view.graph,
            "labels": _labels_of(request, network_id),
            "label_names": LABELS,
        },
    )


def _labels_of(request: Request, network_id: str) -> list[Any] | None:
    """The network's labels, newest first (None when the app has no accounts)."""
    if getattr(request.app.state, "accounts", None) is None:
        return None
    from threadline.web.labelling import label_book

    return [item for item in reversed(label_book(request).all()) if item.target_id == network_id]


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: Annotated[str, Query(max_length=500)] = "") -> Response:
    need(request, "view")
    answer = reader_of(request).find(q) if q.strip() else None
    if answer is not None:
        audit(request, "search", "identifiers", q[:200])
    return render(request, "search.html", {"q": q, "answer": answer})
