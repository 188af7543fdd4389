"""The post page: the text with every identifier and flag highlighted, and their details."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from threadline.web.auth import audit, need
from threadline.web.highlight import Mark, segments
from threadline.web.templating import reader_of, render

router = APIRouter(include_in_schema=False)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(request: Request, post_id: str) -> Response:
    need(request, "view")
    page = reader_of(request).post(post_id)
    if page is None:
        raise HTTPException(404, f"no post {post_id!r} in this workspace")
    audit(request, "post.view", f"post:{post_id}")
    fields = {}
    for name, text in (("title", page.title), ("text", page.text)):
        if not text:
            continue
        marks = [
            Mark(start, end, f"id id-{kind}", f"{kind}: {canonical}")
            for field, kind, _value, canonical, start, end in page.identifiers
            if field == name
        ] + [
            Mark(start, end, f"flag flag-{strength}", f"{code} ({strength}): {label}")
            for field, code, label, _cat, strength, start, end, _m, _s in page.flags
            if field == name
        ]
        fields[name] = segments(text, marks)
    return render(request, "post.html", {"post": page, "fields": fields})
