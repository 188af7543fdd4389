"""The overview page: what the workspace holds, the quarantine, clusters and top leads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from threadline.web.auth import need
from threadline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    need(request, "view")
    reader = getattr(request.app.state, "reader", None)
    if reader is None:
        return RedirectResponse("/screen", status_code=303)
    return render(
        request,
        "overview.html",
        {
            "summary": reader.summary(),
            "flagged": reader.top_flagged(limit=15),
            "clusters": reader.clusters(limit=10),
            "leads": reader.networks(limit=10),
        },
    )
