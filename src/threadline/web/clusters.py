"""Template clusters: the list, and one cluster with its template and each member's fillers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from threadline.cluster import SLOT
from threadline.extract.place import resolve
from threadline.web.auth import need
from threadline.web.charts import circuit, timeline
from threadline.web.templating import reader_of, render

router = APIRouter(include_in_schema=False)


@router.get("/clusters", response_class=HTMLResponse)
def cluster_list(request: Request) -> Response:
    need(request, "view")
    return render(request, "clusters.html", {"clusters": reader_of(request).clusters(limit=200)})


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_page(request: Request, cluster_id: str) -> Response:
    need(request, "view")
    page = reader_of(request).cluster(cluster_id)
    if page is None:
        raise HTTPException(404, f"no cluster {cluster_id!r} in this workspace")
    # The template as constant parts between slots, so the page can mark the slots.
    parts = page.template.split(SLOT)
    activity = reader_of(request).cluster_activity(cluster_id)
    places = {location: resolve(location) for _, location in activity if location}
    stops = circuit((posted_at, places.get(location or "")) for posted_at, location in activity)
    return render(
        request,
        "cluster.html",
        {
            "cluster": page,
            "parts": parts,
            "bars": timeline(posted_at for posted_at, _ in activity),
            "stops": stops,
            "circuit": [stop.to_dict() for stop in stops],
        },
    )
