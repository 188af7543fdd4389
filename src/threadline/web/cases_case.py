"""One case's page and its forms: person, context, her account, comments, consents, referrals,
support plan, perpetrators, status, reassignment and erasure (behind a confirmation page), and
what was shared under which consent.

The page shows the case as the policy lets the user see it: in clear through the store's
audited ``read_case`` (her caseworker, a supervisor), otherwise the pseudonymous view
(analysts). The purpose asked before the first read is kept for the session's next reads of the
same case and passed with every read and write; each form carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from threadline.cases.errors import CaseError
from threadline.cases.policy import Action, Principal, Scope, decide
from threadline.cases.store import CONSENT_PURPOSES, CaseStore, ServiceInfo
from threadline.cases.vocab import SERVICE_TYPES
from threadline.web.auth import check_csrf
from threadline.web.cases_common import (
    CASE_ID,
    CasePageError,
    PageRoute,
    ask_purpose,
    human,
    options,
    page_principal,
    parse_date,
    private_page,
    purposes,
    refusals,
    session_key,
    store_of,
)

__all__ = ["CONSENT_PURPOSE_WORDS", "router"]

router = APIRouter(prefix="/cases", include_in_schema=False, route_class=PageRoute)

_PURPOSE_WORDS = {
    "referral": "Referral to a service",
    "case_transfer": "Handing her case to another organisation",
    "legal_proceedings": "Legal proceedings",
}
#: The store's consent purposes in plain words.
CONSENT_PURPOSE_WORDS = {
    purpose: _PURPOSE_WORDS.get(purpose, human(purpose)) for purpose in sorted(CONSENT_PURPOSES)
}
_Csrf = Annotated[str, Form(max_length=128)]
_Id = Annotated[str, Form(max_length=64)]


def _checked_id(case_id: str) -> str:
    if not CASE_ID.fullmatch(case_id):
        raise CasePageError(404, "We could not find that record", f"no case {case_id[:40]}")
    return case_id


def _purpose(request: Request, principal: Principal, case_id: str) -> str:
    """The purpose given for this case in this session, or a page asking for it."""
    why = purposes(request).recall(session_key(request, principal), case_id)
    if why is None:
        raise CasePageError(
            422,
            "Please say why you are opening this case first",
            "a purpose is needed for every read and change of a case; it is kept in the audit log",
            f"Open the case again (/cases/{case_id}) and answer 'Why are you opening this?'.",
        )
    return why


def _back(case_id: str, section: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}#{section}", status_code=303)


def _directory(store: CaseStore, principal: Principal, why: str) -> list[ServiceInfo]:
    """Every directory service (for organisation names and the consent and plan forms); a role
    without directory access simply gets none."""
    try:
        return store.find_services(principal, why=why)
    except CaseError:
        return []


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: str,
    view: Literal["auto", "pseudonymous"] = "auto",
    service_type: Annotated[str, Query(max_length=100)] = "",
    language: Annotated[str, Query(max_length=20)] = "",
    ask: bool = False,
) -> Response:
    principal = page_principal(request)
    _checked_id(case_id)
    why = purposes(request).recall(session_key(request, principal), case_id)
    if why is None or ask:
        return ask_purpose(request, case_id, "Why are you opening this case?")
    store = store_of(request)
    own = Scope(principal.user_id, principal.organisation)
    clear = view == "auto" and decide(principal, Action.CASE_READ, own).allowed
    if not clear:
        with refusals():
            pseudonymous = store.read_pseudonymous(principal, case_id, why=why)
        return private_page(request, "cases/pseudonymous.html", {"case": pseudonymous})
    with refusals():
        case = store.read_case(principal, case_id, why=why)
    services = _directory(store, principal, why)
    found: list[ServiceInfo] | None = None
    if service_type or language:
        with refusals():
            found = store.find_services(
                principal,
                why=why,
                service_type=service_type or None,
                language=language.strip() or None,
            )
    organisations = {s.organisation_id: s.organisation_name for s in services}
    may_pseudonymous = decide(principal, Action.CASE_READ_PSEUDONYMOUS, own).allowed
    # Forms offered only when the policy (asked through the store, on this case) allows them;
    # sending one anyway still goes to the store, which decides and audits.
    may_reassign = store.permits(principal, Action.CASE_REASSIGN, case_id)
    may_erase = store.permits(principal, Action.CASE_ERASE, case_id)
    return private_page(
        request,
        "cases/case.html",
        {
            "case": case,
            "why": why,
            "organisations": organisations,
            "services": {s.id: s for s in services},
            "found": found,
            "search": {"service_type": service_type, "language": language},
            "service_types": sorted(SERVICE_TYPES),
            "consent_purposes": CONSENT_PURPOSE_WORDS,
            "referral_reasons": options("cas_ReasonForOutgoingReferral"),
            "plan_types": options("spl_Type"),
            "statuses": options("cas_Status"),
            "may_pseudonymous": may_pseudonymous,
            "may_reassign": may_reassign,
            "may_erase": may_erase,
            "perpetrator_roles": options("per_RoleInProcess"),
        },
    )


@router.post("/{case_id}/comments")
def add_comment(
    request: Request,
    case_id: str,
    text: Annotated[str, Form(max_length=100_000)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    if not text.strip():
        raise CasePageError(422, "The comment is empty", "write the comment, then send it")
    with refusals():
        store_of(request).add_comment(principal, case_id, text.strip(), why=why)
    return _back(case_id, "comments")


@router.post("/{case_id}/account")
def record_account(
    request: Request,
    case_id: str,
    text: Annotated[str, Form(max_length=100_000)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).record_account(principal, case_id, text, why=why)
    return _back(case_id, "account")


@router.post("/{case_id}/consents")
def grant_consent(
    request: Request,
    case_id: str,
    purpose: _Id = "",
    organisation_id: _Id = "",
    expires_on: Annotated[str, Form(max_length=20)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    expires_at = None
    if expires_on.strip():
        try:
            day = datetime.fromisoformat(expires_on.strip()).date()
        except ValueError:
            raise CasePageError(
                422, "Some of the form could not be used", "until: not a date (YYYY-MM-DD)"
            ) from None
        expires_at = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    with refusals():
        store_of(request).grant_consent(
            principal,
            case_id,
            purpose=purpose,
            recipient_organisation_id=organisation_id,
            why=why,
            expires_at=expires_at,
        )
    return _back(case_id, "consents")


@router.post("/{case_id}/consents/{consent_id}/revoke")
def revoke_consent(request: Request, case_id: str, consent_id: str, csrf: _Csrf = "") -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).revoke_consent(principal, consent_id, why=why)
    return _back(case_id, "consents")


@router.post("/{case_id}/referrals")
def refer(
    request: Request,
    case_id: str,
    service_id: _Id = "",
    reason: _Id = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).refer(principal, case_id, service_id, reason=reason, why=why)
    return _back(case_id, "referrals")


@router.post("/{case_id}/referrals/{referral_id}")
def update_referral(
    request: Request,
    case_id: str,
    referral_id: str,
    status: Annotated[Literal["accepted", "declined", "completed"], Form()],
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).update_referral(principal, referral_id, status, why=why)
    return _back(case_id, "referrals")


@router.post("/{case_id}/support-plans")
def add_support_plan(
    request: Request,
    case_id: str,
    plan_type: _Id = "",
    objectives: Annotated[str, Form(max_length=100_000)] = "",
    planned_end: Annotated[str, Form(max_length=20)] = "",
    services: Annotated[list[str] | None, Form()] = None,
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).add_support_plan(
            principal,
            case_id,
            plan_type=plan_type,
            why=why,
            objectives=objectives.strip() or None,
            planned_end=parse_date(planned_end, "planned end"),
            services=services or (),
        )
    return _back(case_id, "plan")


@router.post("/{case_id}/status")
def set_status(request: Request, case_id: str, status: _Id = "", csrf: _Csrf = "") -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    with refusals():
        store_of(request).set_status(principal, case_id, status, why=why)
    return _back(case_id, "status")


@router.post("/{case_id}/perpetrators")
def add_perpetrator(
    request: Request,
    case_id: str,
    roles: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    details: Annotated[str, Form(max_length=100_000)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    if not roles:
        raise CasePageError(
            422, "Some of the form could not be used", "role: choose at least one role"
        )
    with refusals():
        store_of(request).add_perpetrator(
            principal,
            case_id,
            roles=roles,
            why=why,
            name=name.strip() or None,
            details=details.strip() or None,
        )
    return _back(case_id, "perpetrators")


@router.post("/{case_id}/owner")
def reassign(request: Request, case_id: str, owner_id: _Id = "", csrf: _Csrf = "") -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    why = _purpose(request, principal, _checked_id(case_id))
    if not owner_id.strip():
        raise CasePageError(
            422, "Some of the form could not be used", "caseworker: name the new caseworker"
        )
    with refusals():
        store_of(request).reassign(principal, case_id, owner_id.strip(), why=why)
    return _back(case_id, "status")


@router.get("/{case_id}/erase", response_class=HTMLResponse)
def erase_confirmation(request: Request, case_id: str) -> Response:
    """The page before an erasure: plain words about what it does; reads no personal field."""
    principal = page_principal(request)
    _checked_id(case_id)
    why = _purpose(request, principal, case_id)
    with refusals():
        allowed = store_of(request).permits(principal, Action.CASE_ERASE, case_id)
    if not allowed:
        raise CasePageError(
            403,
            "This is not open to you",
            "not allowed to case.erase on this case",
            "Only a supervisor or an administrator of her organisation may erase a case.",
        )
    return private_page(request, "cases/erase.html", {"case_id": case_id, "why": why})


@router.post("/{case_id}/erase")
def erase(
    request: Request,
    case_id: str,
    why: Annotated[str, Form(max_length=500)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal = page_principal(request)
    check_csrf(request, csrf)
    _purpose(request, principal, _checked_id(case_id))
    if not why.strip():
        raise CasePageError(
            422,
            "Please say why her record is erased",
            "the reason for an erasure is kept in the audit log",
            "Go back and write it, for example 'she asked for it'. Name no person.",
        )
    with refusals():
        store_of(request).erase(principal, case_id, why=why.strip())
    return private_page(request, "cases/erased.html", {"case_id": case_id})
