"""Jinja2 environment shared by the page modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from threadline import __version__
from threadline.web.reader import WorkspaceReader

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
templates.env.globals["version"] = __version__


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page: ``context`` plus what every page shows (the workspace's name)."""
    reader: WorkspaceReader | None = getattr(request.app.state, "reader", None)
    context = {
        "workspace": reader.path.name if reader else None,
        "principal": getattr(request.state, "principal", None),
        "csrf": getattr(request.state, "csrf", ""),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def reader_of(request: Request) -> WorkspaceReader:
    """The app's workspace, or 404 when it serves none (``threadline serve`` without one)."""
    reader: WorkspaceReader | None = getattr(request.app.state, "reader", None)
    if reader is None:
        raise HTTPException(404, "no workspace is served: start `threadline serve --workspace W`")
    return reader
