"""The analyst web app: server-rendered pages over a workspace, one module per page kind.

:func:`mount` adds the pages to the FastAPI app of :mod:`threadline.api` (the same app serves
``/v1/screen``): templates are Jinja2 with autoescaping, assets are served from the package
(nothing from a CDN), and the workspace is opened read-only (:class:`WorkspaceReader`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response

from threadline.web import clusters, labelling, networks, overview, posts, screen_form
from threadline.web.reader import WorkspaceReader
from threadline.web.templating import STATIC_DIR, render

__all__ = ["WorkspaceReader", "mount"]


def mount(app: FastAPI, workspace: Path | str | None) -> None:
    """Add the pages to ``app``; with no workspace, only the screening form is served."""
    app.state.reader = WorkspaceReader(workspace) if workspace is not None else None
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (overview, networks, labelling, posts, clusters, screen_form):
        app.include_router(module.router)
    if getattr(app.state, "cases", None) is not None:
        from threadline.web import cases  # the case pages, with the case records' API

        cases.install(app)

    @app.exception_handler(HTTPException)
    async def page_errors(request: Request, exc: HTTPException) -> Response:
        """Errors of pages as a page; of the JSON API (``/v1``) and assets as before."""
        path = request.url.path
        if path.startswith(("/v1/", "/static/", "/openapi", "/docs")):
            return await http_exception_handler(request, exc)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail},
            exc.status_code,
        )
