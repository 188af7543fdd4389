"""The screening form: paste a post, see its score and every flag highlighted with its source."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from threadline.errors import ThreadlineError
from threadline.screening import Screener
from threadline.web.auth import check_csrf, need
from threadline.web.highlight import Mark, segments
from threadline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/screen", response_class=HTMLResponse)
def screen_form(request: Request) -> Response:
    need(request, "screen")
    return render(request, "screen.html", {"text": "", "result": None, "error": None})


@router.post("/screen", response_class=HTMLResponse)
def screen_submit(
    request: Request,
    text: Annotated[str, Form(max_length=200_000)],
    profile: Annotated[str, Form()] = "",
    csrf: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    need(request, "screen")
    check_csrf(request, csrf)
    screener: Screener = request.app.state.screener
    try:
        result = screener.screen(text, profile=profile or None)
    except ThreadlineError as exc:
        return render(
            request, "screen.html", {"text": text, "result": None, "error": str(exc)}, status=422
        )
    marks = [
        Mark(flag.start, flag.end, f"flag flag-{flag.strength}", f"{flag.code}: {flag.label}")
        for flag in result.flags
        if flag.field == "text"
    ]
    return render(
        request,
        "screen.html",
        {"text": text, "result": result, "segments": segments(text, marks), "error": None},
    )
