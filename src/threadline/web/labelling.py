"""Labelling: label a network from its page, review what to label next, export the labels and
see how re-fitting the factor weights on them would change the ranking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from threadline.labels import LABELS, LabelBook, LabelError, refit
from threadline.web.auth import audit, check_csrf, need, principal_of
from threadline.web.templating import reader_of, render

router = APIRouter(include_in_schema=False)


def label_book(request: Request) -> LabelBook:
    """The served workspace's labels; labelling needs accounts (labels say who gave them)."""
    accounts = getattr(request.app.state, "accounts", None)
    if accounts is None:
        raise HTTPException(404, "labelling needs accounts: serve with `threadline serve`")
    return LabelBook(accounts.engine, reader_of(request).path.name)


@router.post("/networks/{network_id}/label")
def label_network(
    request: Request,
    network_id: str,
    label: Annotated[str, Form()],
    csrf: Annotated[str, Form(max_length=128)],
    confidence: Annotated[float, Form(ge=0, le=1)] = 1.0,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    principal = need(request, "label")
    check_csrf(request, csrf)
    book = label_book(request)
    if reader_of(request).network(network_id) is None:
        raise HTTPException(404, f"no network {network_id!r} in this workspace")
    try:
        book.mark("network", network_id, label, by=principal.name if principal else "open",
                  confidence=confidence, note=note)  # fmt: skip
    except LabelError as exc:
        raise HTTPException(422, str(exc)) from exc
    audit(request, "label", f"network:{network_id}", label)
    return RedirectResponse(f"/networks/{network_id}#labels", status_code=303)


@router.post("/networks/{network_id}/export")
def export_pack(
    request: Request,
    network_id: str,
    csrf: Annotated[str, Form(max_length=128)],
    mask: Annotated[bool, Form()] = False,
) -> Response:
    """The network's evidence pack (a zip with a SHA-256 manifest), masked on request."""
    from threadline.web.evidence import PackError, build_pack

    principal = need(request, "export")
    check_csrf(request, csrf)
    reader = reader_of(request)
    try:
        data = build_pack(
            reader.path, network_id, mask=mask, exported_by=principal.name if principal else "open"
        )
    except PackError as exc:
        raise HTTPException(404, str(exc)) from exc
    audit(
        request, "export", f"network:{network_id}", "evidence pack" + (" (masked)" if mask else "")
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{network_id}-evidence.zip"'},
    )


@router.get("/labels", response_class=HTMLResponse)
def labels_page(request: Request) -> Response:
    need(request, "view")
    book = label_book(request)
    networks = reader_of(request).networks(limit=100_000)
    current = book.current("network")
    try:
        result = refit(networks, current)
        problem = None
    except LabelError as exc:
        result, problem = None, str(exc)
    return render(
        request,
        "labels.html",
        {
            "labels": list(reversed(book.all()))[:500],
            "next": book.next(networks),
            "refit": result,
            "refit_problem": problem,
            "label_names": LABELS,
        },
    )


@router.get("/labels.json")
def labels_export(request: Request) -> Response:
    need(request, "export")
    book = label_book(request)
    audit(request, "export", "labels", f"{len(book.all())} labels")
    return Response(
        book.export(),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="labels.json"'},
    )


__all__ = ["label_book", "principal_of", "router"]
