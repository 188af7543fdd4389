"""One case's page and its forms: person, context, her account, comments, consents, referrals,
support plan, perpetrators, status, reassignment and erasure (behind a confirmation page), what
was shared under which consent, corrections of her details and context after intake, and the
pseudonymous links to the analysis.

The page shows the case as the policy lets the user see it: in clear through the store's
audited ``read_case`` (her caseworker, a supervisor), otherwise the pseudonymous view
(analysts). The purpose asked before the first read is kept for the session's next reads of the
same case and passed with every read and write; each form carries the session's CSRF token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from threadline.cases.errors import CaseError
from threadline.cases.policy import Action, Principal, Scope, decide
from threadline.cases.store import (
    CONSENT_PURPOSES,
    LINK_KINDS,
    CaseContext,
    CaseStore,
    CaseView,
    PersonInput,
    ServiceInfo,
)
from threadline.cases.vocab import SERVICE_TYPES
from threadline.web.auth import check_csrf
from threadline.web.cases_common import (
    CASE_ID,
    CONTEXT_PICKLISTS,
    COUNTRY,
    CasePageError,
    CodesField,
    PageRoute,
    ShortField,
    ask_purpose,
    country_codes,
    human,
    one,
    options,
    page_principal,
    parse_date,
    picked,
    private_page,
    purposes,
    refusals,
    session_key,
    store_of,
)

__all__ = ["CONSENT_PURPOSE_WORDS", "LINK_KIND_WORDS", "fingerprint", "router"]

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
#: The store's link kinds in plain words.
LINK_KIND_WORDS = {
    kind: {
        "network": "A network of the analysis (its id)",
        "phone": "Phone number",
        "email": "Email address",
        "handle": "Messenger or social media handle",
        "url": "Web address",
        "crypto": "Crypto wallet",
        "payment": "Payment handle",
    }.get(kind, human(kind))
    for kind in LINK_KINDS
}
_Csrf = Annotated[str, Form(max_length=128)]
_Id = Annotated[str, Form(max_length=64)]


def _checked_id(case_id: str) -> str:
    if not CASE_ID.fullmatch(case_id):
        raise CasePageError(404, "We could not find that record", f"no case {case_id[:40]}")
    return case_id


def _posted(request: Request, case_id: str, csrf: str) -> tuple[Principal, str]:
    """Who posts a case's form and why: signed in, the session's CSRF token, a known case id
    and the purpose remembered for it (each failure is a calm page)."""
    principal = page_principal(request)
    check_csrf(request, csrf)
    return principal, _purpose(request, principal, _checked_id(case_id))


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
            **correction_forms(case),
        },
    )


@router.post("/{case_id}/comments")
def add_comment(
    request: Request,
    case_id: str,
    text: Annotated[str, Form(max_length=100_000)] = "",
    csrf: _Csrf = "",
) -> Response:
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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
    principal, why = _posted(request, case_id, csrf)
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


# ---- corrections after intake ----------------------------------------------------------------
# The forms carry a fingerprint of the values they were opened with (``was``), so the write
# names only the fields the caseworker changed: an unchanged field is not sealed again, the audit
# entry names only what changed, a colleague's correction of another field made meanwhile is not
# undone, and "nothing changed" needs no read and writes nothing. The digests hide nothing the
# page does not already show in clear; they only compare.

_CONTEXT_SINGLE = ("trafficking_status", "relationship_to_trafficker")
_COUNTRY_FIELDS = ("recruitment_country", "exploitation_country")
_LABELS = {
    "given_name": "given name",
    "family_name": "family name",
    "birth_date": "birth date",
    "primary_language": "language",
    "identity_number": "identity document number",
    "trafficking_status": "trafficking status",
    "relationship_to_trafficker": "relationship to the trafficker",
    "exploitation_types": "type of exploitation",
    "control_methods": "methods of control",
    "recruitment_methods": "how she was recruited",
    "recruitment_apps": "online channels used to recruit her",
    "exploitation_apps": "online channels used to exploit her",
    "recruitment_country": "country of recruitment",
    "exploitation_country": "country of exploitation",
    "vulnerability_notes": "notes",
}
FormValues = Mapping[str, str | Sequence[str]]

_Was = Annotated[str, Form(max_length=2000)]


def _normal(name: str, value: str | Sequence[str]) -> str:
    """A field's value as compared: spacing, line endings, case of country codes and the order
    of a multiselect do not count as a change."""
    if not isinstance(value, str):
        return "\n".join(sorted({code.strip() for code in value if code.strip()}))
    if name == "citizenship":
        return ",".join(country_codes(value))
    text = value.replace("\r\n", "\n").strip()
    return text.upper() if name in _COUNTRY_FIELDS else text


def fingerprint(case_id: str, values: FormValues) -> str:
    """The ``was`` field of a correction form: per field, a digest of its value on this case."""
    parts = []
    for name in sorted(values):
        seed = f"{case_id}\x00{name}\x00{_normal(name, values[name])}".encode()
        parts.append(f"{name}:{hashlib.sha256(seed).hexdigest()[:16]}")
    return " ".join(parts)


def _changed(case_id: str, was: str, submitted: FormValues) -> frozenset[str]:
    """The fields whose value differs from the one the form was opened with."""
    before = dict(part.split(":", 1) for part in was.split() if ":" in part)
    if set(before) != set(submitted):
        raise CasePageError(
            422,
            "This form is out of date",
            "the correction form did not carry the values it was opened with",
            "Open the case again and make the correction there.",
        )
    now = dict(part.split(":", 1) for part in fingerprint(case_id, submitted).split())
    return frozenset(name for name in submitted if before[name] != now[name])


def _person_values(person: PersonInput) -> dict[str, str]:
    """The person's fields as the correction form shows them."""
    return {
        "given_name": person.given_name or "",
        "family_name": person.family_name or "",
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "gender": person.gender or "",
        "citizenship": ", ".join(person.citizenship),
        "primary_language": person.primary_language or "",
        "phone": person.phone or "",
        "email": person.email or "",
        "identity_number": person.identity_number or "",
    }


def _context_values(context: CaseContext) -> dict[str, str | Sequence[str]]:
    """The context's fields as the correction form shows them."""
    values: dict[str, str | Sequence[str]] = {
        name: list(getattr(context, name))
        for name in CONTEXT_PICKLISTS
        if name not in _CONTEXT_SINGLE
    }
    for name in (*_CONTEXT_SINGLE, *_COUNTRY_FIELDS, "vulnerability_notes"):
        values[name] = getattr(context, name) or ""
    return values


def _person_problems(values: Mapping[str, str]) -> list[str]:
    """What cannot be used in a person form, by field (never the value: it may be personal)."""
    problems = []
    if values["birth_date"].strip():
        try:
            date.fromisoformat(values["birth_date"].strip())
        except ValueError:
            problems.append("birth date: not a date (YYYY-MM-DD)")
    gender = values["gender"].strip()
    if gender and gender not in {code for code, _ in options("prs_Gender")}:
        problems.append("gender: not one of the choices")
    if not all(COUNTRY.fullmatch(c) for c in country_codes(values["citizenship"])):
        problems.append("citizenship: two-letter country codes (ISO 3166), separated by commas")
    return problems


def _context_problems(values: FormValues) -> list[str]:
    """What cannot be used in a context form, by field (never the value)."""
    problems = []
    for name, field in CONTEXT_PICKLISTS.items():
        allowed = {code for code, _ in options(field)}
        value = values[name]
        chosen = [value] if isinstance(value, str) else list(value)
        if any(code.strip() and code.strip() not in allowed for code in chosen):
            problems.append(f"{_LABELS[name]}: not one of the choices")
    for name in _COUNTRY_FIELDS:
        code = _normal(name, values[name])
        if code and not COUNTRY.fullmatch(code):
            problems.append(f"{_LABELS[name]}: two letters (ISO 3166), e.g. RO")
    return problems


def _form_context() -> dict[str, object]:
    """The picklists of the correction forms (the same as /cases/new)."""
    return {
        "genders": options("prs_Gender"),
        "picklists": {name: options(field) for name, field in CONTEXT_PICKLISTS.items()},
    }


def _form_again(
    request: Request,
    case_id: str,
    section: Literal["person", "context"],
    values: FormValues,
    was: str,
    problems: list[str],
) -> Response:
    """The correction form once more, as sent, with what to fix (422): nothing was written."""
    return private_page(
        request,
        "cases/correct.html",
        {
            **_form_context(),
            "case_id": case_id,
            "section": section,
            "values": values,
            "was": was,
            "problems": problems,
        },
        422,
    )


def _nothing_changed(request: Request, case_id: str) -> Response:
    return private_page(request, "cases/unchanged.html", {"case_id": case_id})


@router.post("/{case_id}/person")
def correct_person(
    request: Request,
    case_id: str,
    was: _Was = "",
    csrf: _Csrf = "",
    given_name: ShortField = "",
    family_name: ShortField = "",
    birth_date: Annotated[str, Form(max_length=20)] = "",
    gender: ShortField = "",
    citizenship: ShortField = "",
    primary_language: Annotated[str, Form(max_length=20)] = "",
    phone: ShortField = "",
    email: ShortField = "",
    identity_number: ShortField = "",
) -> Response:
    """Correct her details: only the fields changed in the form are written (and audited)."""
    principal, why = _posted(request, case_id, csrf)
    values = {
        "given_name": given_name,
        "family_name": family_name,
        "birth_date": birth_date,
        "gender": gender,
        "citizenship": citizenship,
        "primary_language": primary_language,
        "phone": phone,
        "email": email,
        "identity_number": identity_number,
    }
    changed = _changed(case_id, was, values)
    problems = _person_problems(values)
    if problems:
        return _form_again(request, case_id, "person", values, was, problems)
    if not changed:
        return _nothing_changed(request, case_id)
    person = PersonInput(
        given_name=one(given_name),
        family_name=one(family_name),
        birth_date=parse_date(birth_date, "birth date"),
        email=one(email),
        phone=one(phone),
        identity_number=one(identity_number),
        gender=one(gender),
        citizenship=country_codes(citizenship),
        primary_language=one(primary_language),
    )
    with refusals():
        store_of(request).update_person(principal, case_id, person, why=why, fields=changed)
    return _back(case_id, "person")


@router.post("/{case_id}/context")
def correct_context(
    request: Request,
    case_id: str,
    was: _Was = "",
    csrf: _Csrf = "",
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
    """Correct what happened: only the fields changed in the form are written (and audited)."""
    principal, why = _posted(request, case_id, csrf)
    chosen = {
        "exploitation_types": exploitation_types or [],
        "control_methods": control_methods or [],
        "recruitment_methods": recruitment_methods or [],
        "recruitment_apps": recruitment_apps or [],
        "exploitation_apps": exploitation_apps or [],
    }
    values: dict[str, str | Sequence[str]] = {
        "trafficking_status": trafficking_status,
        "relationship_to_trafficker": relationship_to_trafficker,
        **chosen,
        "recruitment_country": recruitment_country,
        "exploitation_country": exploitation_country,
        "vulnerability_notes": vulnerability_notes,
    }
    changed = _changed(case_id, was, values)
    problems = _context_problems(values)
    if problems:
        return _form_again(request, case_id, "context", values, was, problems)
    if not changed:
        return _nothing_changed(request, case_id)

    context = CaseContext(
        trafficking_status=one(trafficking_status),
        relationship_to_trafficker=one(relationship_to_trafficker),
        recruitment_methods=picked(chosen["recruitment_methods"]),
        recruitment_apps=picked(chosen["recruitment_apps"]),
        control_methods=picked(chosen["control_methods"]),
        exploitation_types=picked(chosen["exploitation_types"]),
        exploitation_apps=picked(chosen["exploitation_apps"]),
        recruitment_country=one(recruitment_country.upper()),
        exploitation_country=one(exploitation_country.upper()),
        vulnerability_notes=one(vulnerability_notes),
    )
    with refusals():
        store_of(request).update_context(principal, case_id, context, why=why, fields=changed)
    return _back(case_id, "context")


# ---- links to the analysis -------------------------------------------------------------------


@router.post("/{case_id}/links")
def link_identifier(
    request: Request,
    case_id: str,
    kind: _Id = "",
    canonical: Annotated[str, Form(max_length=500)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Link the case to an identifier or network of the analysis: the store keeps (and the page
    shows) only the organisation's pseudonym of it, never the value typed."""
    principal, why = _posted(request, case_id, csrf)
    if kind not in LINK_KINDS:
        raise CasePageError(
            422, "Some of the form could not be used", "kind: choose one of the list"
        )
    value = canonical.strip()
    if not value:
        raise CasePageError(
            422,
            "Some of the form could not be used",
            "value: write it as the analysis shows it, e.g. +12125550123",
        )
    with refusals():
        store_of(request).link_identifier(principal, case_id, kind, value, why=why)
    return _back(case_id, "links")


def correction_forms(case: CaseView) -> dict[str, object]:
    """What the case page needs for its correction and link forms."""
    person = _person_values(case.person)
    context = _context_values(case.context)
    return {
        **_form_context(),
        "person_values": person,
        "person_was": fingerprint(case.id, person),
        "context_values": context,
        "context_was": fingerprint(case.id, context),
        "link_kinds": LINK_KIND_WORDS,
    }
