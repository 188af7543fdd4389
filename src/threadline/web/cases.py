"""Case pages for caseworkers, supervisors, analysts and researchers (issue 7).

``/cases`` (the caseload) and ``/cases/new`` (open a case) here; the k-anonymous counts in
:mod:`.cases_aggregates`, one case's page and its forms in :mod:`.cases_case`.
Served only when the app has a case database (:func:`install`, called by
:func:`threadline.web.mount`). Every read names a purpose, which the store audits with the
read; the policy decides what each user sees, and every refusal shown is the store's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from threadline.cases.policy import Action, Scope, decide
from threadline.cases.store import CaseContext, PersonInput
from threadline.web import cases_aggregates, cases_case
from threadline.web.auth import check_csrf
from threadline.web.cases_common import (
    CASE_ID,
    CONTEXT_PICKLISTS,
    COUNTRY,
    MAX_WHY,
    CasePageError,
    CodesField,
    PageRoute,
    PurposeMemory,
    ShortField,
    ask_purpose,
    case_role_of,
    country_codes,
    human,
    one,
    options,
    page_principal,
    parse_date,
    picked,
    policy_gate,
    private_page,
    purposes,
    refusals,
    session_key,
    store_of,
)
from threadline.web.templating import templates

__all__ = ["install", "router"]

router = APIRouter(prefix="/cases", include_in_schema=False, route_class=PageRoute)

#: The most cases the caseload page lists (newest status change first); the rest are counted.
MAX_LISTED = 200


def install(app: FastAPI) -> None:
    """Serve the case pages on ``app`` (which already has a case store and accounts)."""
    app.state.case_purposes = PurposeMemory()
    app.include_router(router)
    app.include_router(cases_aggregates.router)  # static paths before /cases/{case_id}
    app.include_router(cases_case.router)
    templates.env.globals["case_role_of"] = case_role_of
    templates.env.filters["plain"] = human

    async def page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CasePageError)
        return private_page(
            request,
            "cases/refused.html",
            {"title": exc.title, "reason": exc.reason, "advice": exc.advice, "status": exc.status},
            exc.status,
        )

    app.add_exception_handler(CasePageError, page)


def scope_target(scope: str) -> str:
    """Where a purpose form leads back to (built from the scope, never a URL sent to us)."""
    if scope in ("caseload", "aggregates"):
        return "/cases" if scope == "caseload" else "/cases/aggregates"
    if CASE_ID.fullmatch(scope):
        return f"/cases/{scope}"
    raise CasePageError(404, "We could not find that record", "unknown page")


@router.post("/purpose")
def give_purpose(
    request: Request,
    scope: Annotated[str, Form(max_length=64)],
    why: Annotated[str, Form(max_length=MAX_WHY)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    target = scope_target(scope)
    if not why.strip():
        raise CasePageError(
            422,
            "Please say why you are opening this",
            "a purpose is needed for every read of case records; it is kept in the audit log",
            "Go back and write a few words, for example 'follow-up call'. Name no person.",
        )
    purposes(request).remember(session_key(request, principal), scope, why.strip())
    return RedirectResponse(target, status_code=303)


# ---- the caseload ----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def caseload(request: Request) -> Response:
    principal = page_principal(request)
    why = purposes(request).recall(session_key(request, principal), "caseload")
    may_open = decide(principal, Action.CASE_CREATE).allowed
    may_count = decide(principal, Action.AGGREGATES_READ).allowed
    own = Scope(principal.user_id, principal.organisation)
    clear = decide(principal, Action.CASE_READ, own).allowed
    context = {"may_open": may_open, "may_count": may_count, "clear": clear}
    if not clear:
        # Analysts and researchers have no caseload to list: they open a case by reference
        # (pseudonymous view) or the counts.
        return private_page(request, "cases/caseload.html", {**context, "rows": None, "more": 0})
    if why is None:
        return ask_purpose(request, "caseload", "Why are you opening your caseload?")
    with refusals():
        # One audited listing: codes, dates and the given name only (no clear read per case).
        rows = store_of(request).caseload_summary(principal, why=why)
    return private_page(
        request,
        "cases/caseload.html",
        {**context, "rows": rows[:MAX_LISTED], "more": max(0, len(rows) - MAX_LISTED)},
    )


@router.get("/open")
def open_by_reference(
    request: Request, case_id: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """Open a case by its reference (for roles without a caseload list)."""
    page_principal(request)
    reference = case_id.strip().lower()
    if not CASE_ID.fullmatch(reference):
        raise CasePageError(
            404, "We could not find that record", "a case reference is 32 letters and digits"
        )
    return RedirectResponse(f"/cases/{reference}", status_code=303)


# ---- opening a case --------------------------------------------------------------------------


def _new_form_context() -> dict[str, object]:
    return {
        "genders": options("prs_Gender"),
        "picklists": {name: options(field) for name, field in CONTEXT_PICKLISTS.items()},
    }


@router.get("/new", response_class=HTMLResponse)
def new_case_form(request: Request) -> Response:
    principal = page_principal(request)
    policy_gate(principal, Action.CASE_CREATE)
    return private_page(request, "cases/new.html", _new_form_context())


def _countries(value: str) -> tuple[str, ...]:
    codes = country_codes(value)
    bad = [code for code in codes if not COUNTRY.fullmatch(code)]
    if bad:
        raise CasePageError(
            422,
            "Some of the form could not be used",
            "citizenship: two-letter country codes (ISO 3166), separated by commas",
        )
    return codes


@router.post("/new")
def open_case(
    request: Request,
    why: Annotated[str, Form(max_length=MAX_WHY)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    given_name: ShortField = "",
    family_name: ShortField = "",
    birth_date: Annotated[str, Form(max_length=20)] = "",
    email: ShortField = "",
    phone: ShortField = "",
    identity_number: ShortField = "",
    gender: ShortField = "",
    citizenship: ShortField = "",
    primary_language: Annotated[str, Form(max_length=20)] = "",
    trafficking_status: ShortField = "",
    relationship_to_trafficker: ShortField = "",
    exploitation_types: CodesField = None,
    control_methods: CodesField = None,
    recruitment_methods: CodesField = None,
    recruitment_apps: CodesField = None,
    exploitation_apps: CodesField = None,
    recruitment_country: Annotated[str, Form(max_length=2)] = "",
    exploitation_country: Annotated[str, Form(max_length=2)] = "",
    vulnerability_notes: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    if not why.strip():
        raise CasePageError(
            422,
            "Please say why you are opening this case",
            "a purpose is needed for every case record; it is kept in the audit log",
            "Go back and fill in 'Why are you opening this case?'. Name no person.",
        )
    person = PersonInput(
        given_name=one(given_name),
        family_name=one(family_name),
        birth_date=parse_date(birth_date, "birth date"),
        email=one(email),
        phone=one(phone),
        identity_number=one(identity_number),
        gender=one(gender),
        citizenship=_countries(citizenship),
        primary_language=one(primary_language),
    )
    context = CaseContext(
        trafficking_status=one(trafficking_status),
        relationship_to_trafficker=one(relationship_to_trafficker),
        recruitment_methods=picked(recruitment_methods),
        recruitment_apps=picked(recruitment_apps),
        control_methods=picked(control_methods),
        exploitation_types=picked(exploitation_types),
        exploitation_apps=picked(exploitation_apps),
        recruitment_country=one(recruitment_country.upper()),
        exploitation_country=one(exploitation_country.upper()),
        vulnerability_notes=one(vulnerability_notes),
    )
    with refusals():
        case_id = store_of(request).create_case(principal, person, context, why=why.strip())
    purposes(request).remember(session_key(request, principal), case_id, why.strip())
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
