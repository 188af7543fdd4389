"""``/v1/cases``: survivor case records over HTTP, a thin layer over :class:`CaseStore`.

Included by :func:`threadline.api.create_app` only when a case database is configured. Each
request acts for the signed-in web user, or the API token, as a cases :class:`Principal` built
from its case role and organisation (``threadline users add NAME --role R --case-role CR --org
ORG``, ``threadline users set-case-role``, ``threadline tokens create ... --case-role CR --org
ORG``), read afresh on every request; a token acts as ``token:<id>``. Without a case role the
request is refused with 403. Every other decision is the store's: the policy
(:mod:`threadline.cases.policy`) decides, the store audits allowed calls and refusals alike, and
this module only translates its errors:

- 404: unknown case, consent, referral, service or organisation
- 403: refused by the policy, or no valid consent for a share or referral
- 409: the record's state does not allow the change (account already recorded, referral step)
- 410: the case was erased (its data key is destroyed)
- 422: bad input (not in the HTCDS picklist, missing purpose, malformed body); a malformed
  body's errors name the field and the problem, never the value sent (it may be personal)

Every call needs a purpose (``why``: the ``X-Purpose`` header, or the ``why`` field of the body
or query); it is written to the audit log with the call, so it must name no person.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from threadline.api.screen import Problem
from threadline.cases.errors import (
    AccessDenied,
    CaseError,
    ConsentRequired,
    InvalidState,
    MasterKeyError,
    NotFound,
    RecordErased,
)
from threadline.cases.policy import Action, Principal, Scope, decide
from threadline.cases.store import (
    AGGREGATE_DIMENSIONS,
    CONSENT_PURPOSES,
    DEFAULT_K,
    SHAREABLE_FIELDS,
    CaseContext,
    CaseStore,
    CaseView,
    PersonInput,
    PseudonymousCase,
)
from threadline.web.auth import audit, principal_of

__all__ = ["router"]


class _NoEchoRoute(APIRoute):
    """A route whose 422 answers name the field and the problem, never the rejected value:
    that value may be a survivor's name, a birth date or an identifier to be pseudonymised."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                kept = [
                    {key: error[key] for key in ("type", "loc", "msg") if key in error}
                    for error in exc.errors()
                ]
                raise RequestValidationError(kept) from None

        return route


router = APIRouter(prefix="/v1/cases", tags=["cases"], route_class=_NoEchoRoute)

MAX_WHY = 500
MAX_TEXT = 100_000
_Short = Annotated[str, Field(max_length=200)]
_Code = Annotated[str, Field(max_length=100)]


_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Refused (policy, consent, or no case role)"},
    404: {"model": Problem, "description": "No such case or record"},
    422: {"model": Problem, "description": "Bad input or missing purpose"},
}

# ---- request and response models -----------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Purpose(_In):
    why: str | None = Field(
        default=None,
        max_length=MAX_WHY,
        description="Why you access the record (audited); or send the X-Purpose header.",
    )


class PersonIn(_In):
    """The person of a case; names, birth date, contact and identity number are encrypted."""

    given_name: _Short | None = None
    family_name: _Short | None = None
    birth_date: date | None = None
    email: _Short | None = None
    phone: _Short | None = None
    identity_number: _Short | None = None
    gender: _Code | None = Field(default=None, description="prs_Gender code (HTCDS)")
    citizenship: list[_Code] = Field(default_factory=list, description="ISO 3166 alpha-2")
    primary_language: _Code | None = Field(default=None, description="ISO 639")

    def to_input(self) -> PersonInput:
        values = self.model_dump()
        values["citizenship"] = tuple(self.citizenship)
        return PersonInput(**values)


class PersonOut(BaseModel):
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    email: str | None
    phone: str | None
    identity_number: str | None
    gender: str | None
    citizenship: list[str]
    primary_language: str | None


class ContextIn(_In):
    """Victim case context: HTCDS picklist codes (vic_...); the notes are encrypted."""

    trafficking_status: _Code | None = None
    relationship_to_trafficker: _Code | None = None
    recruitment_methods: list[_Code] = Field(default_factory=list)
    recruitment_apps: list[_Code] = Field(default_factory=list)
    control_methods: list[_Code] = Field(default_factory=list)
    exploitation_types: list[_Code] = Field(default_factory=list)
    exploitation_apps: list[_Code] = Field(default_factory=list)
    recruitment_country: _Code | None = None
    exploitation_country: _Code | None = None
    vulnerability_notes: str | None = Field(default=None, max_length=MAX_TEXT)

    def to_input(self) -> CaseContext:
        values: dict[str, Any] = self.model_dump()
        for name, value in values.items():
            if isinstance(value, list):
                values[name] = tuple(value)
        return CaseContext(**values)


class ContextOut(BaseModel):
    trafficking_status: str | None
    relationship_to_trafficker: str | None
    recruitment_methods: list[str]
    recruitment_apps: list[str]
    control_methods: list[str]
    exploitation_types: list[str]
    exploitation_apps: list[str]
    recruitment_country: str | None
    exploitation_country: str | None
    vulnerability_notes: str | None = Field(description="null in the pseudonymous view")


class CaseIn(Purpose):
    person: PersonIn = Field(default_factory=PersonIn)
    context: ContextIn = Field(default_factory=ContextIn)
    owner_id: str | None = Field(
        default=None, max_length=64, description="Another caseworker (supervisors only)."
    )
    opened_on: date | None = None


class Created(BaseModel):
    id: str


class Caseload(BaseModel):
    cases: list[str] = Field(description="Ids of the cases you may read in clear")


class CommentOut(BaseModel):
    author: str
    written_at: datetime
    text: str


class PerpetratorOut(BaseModel):
    roles: list[str]
    name: str | None
    details: str | None


class SupportPlanOut(BaseModel):
    plan_type: str
    objectives: str | None
    planned_end: date | None
    services: list[str] = Field(description="Ids of the directory services it relies on")


class ReferralOut(BaseModel):
    id: str
    service_id: str
    consent_id: str
    reason: str
    status: str
    sent_at: datetime
    responded_at: datetime | None
    completed_at: datetime | None


class ConsentOut(BaseModel):
    id: str
    purpose: str
    recipient_organisation_id: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    valid: bool


class LinkOut(BaseModel):
    kind: str
    pseudonym: str


class CaseOut(BaseModel):
    """A whole case in clear (its caseworker, or a supervisor of the organisation)."""

    view: Literal["clear"] = "clear"
    id: str
    organisation: str
    owner_id: str
    status: str
    opened_on: date
    person: PersonOut
    age_band: str | None
    context: ContextOut
    account: str | None
    comments: list[CommentOut]
    perpetrators: list[PerpetratorOut]
    support_plans: list[SupportPlanOut]
    referrals: list[ReferralOut]
    consents: list[ConsentOut]
    links: list[LinkOut]


class PseudonymousCaseOut(BaseModel):
    """A case without any personal field (analysts; supervisors on request)."""

    view: Literal["pseudonymous"] = "pseudonymous"
    id: str
    organisation: str
    status: str
    year: int
    gender: str | None
    age_band: str | None
    citizenship: list[str]
    context: ContextOut
    links: list[LinkOut]
    referral_statuses: list[str]
    erased: bool


class TextIn(Purpose):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class ConsentIn(Purpose):
    purpose: str = Field(description="One of: " + ", ".join(sorted(CONSENT_PURPOSES)))
    recipient_organisation_id: str = Field(max_length=64, description="A directory organisation")
    expires_at: AwareDatetime | None = Field(default=None, description="With a time zone")


class ReferralIn(Purpose):
    service_id: str = Field(max_length=64)
    reason: _Code = Field(description="cas_ReasonForOutgoingReferral code (HTCDS)")


class ReferralUpdateIn(Purpose):
    status: Literal["accepted", "declined", "completed"] = Field(
        description="sent -> accepted or declined; accepted -> completed"
    )


class ShareIn(Purpose):
    recipient_organisation_id: str = Field(max_length=64)
    fields: list[str] = Field(
        min_length=1, description="Any of: " + ", ".join(sorted(SHAREABLE_FIELDS))
    )
    purpose: str = Field(default="case_transfer", description="The consent purpose it relies on")


class SharedOut(BaseModel):
    case_id: str
    consent_id: str
    recipient_organisation_id: str
    fields: dict[str, Any]


class ServiceOut(BaseModel):
    id: str
    organisation_id: str
    organisation_name: str
    service_type: str
    languages: list[str]
    eligibility: str
    contact: str


class Services(BaseModel):
    services: list[ServiceOut]


class OrganisationIn(Purpose):
    """A directory organisation (no personal data: organisations, not people)."""

    name: str = Field(min_length=1, max_length=300, description="org_Name")
    org_type: _Code = Field(description="org_Type code (HTCDS), e.g. NGO, LegalService")
    country: _Code | None = Field(default=None, description="ISO 3166 alpha-2")
    phone: _Short | None = Field(default=None, description="The organisation's switchboard")


class ServiceIn(Purpose):
    """A service a directory organisation offers, for referrals and support plans."""

    service_type: _Code = Field(
        description="shelter, legal_aid, medical, counselling, hotline, livelihood or other"
    )
    languages: list[_Code] = Field(default_factory=list, max_length=50, description="ISO 639")
    eligibility: str = Field(default="", max_length=2_000, description="Who it is for")
    contact: str = Field(default="", max_length=2_000, description="How to reach it")


class StatusIn(Purpose):
    status: _Code = Field(description="cas_Status code: Active, FollowUp, Closed, ClosedReferred")


class OwnerIn(Purpose):
    owner_id: str = Field(min_length=1, max_length=64, description="The new caseworker")


class PerpetratorIn(Purpose):
    """A perpetrator of the case: role codes in clear, name and details encrypted."""

    roles: list[_Code] = Field(
        min_length=1, max_length=30, description="per_RoleInProcess codes (HTCDS)"
    )
    name: _Short | None = None
    details: str | None = Field(default=None, max_length=MAX_TEXT, description="per_RoleDetails")


class SupportPlanIn(Purpose):
    """A support plan item: type code, encrypted objectives, the services it relies on."""

    plan_type: _Code = Field(description="spl_Type code (HTCDS)")
    objectives: str | None = Field(default=None, max_length=MAX_TEXT)
    planned_end: date | None = None
    services: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50, description="Directory service ids"
    )


#: What a case may be linked to: a workspace network, or an identifier kind that identifies.
LinkKind = Literal["network", "phone", "email", "handle", "url", "crypto", "payment"]


class LinkIn(Purpose):
    """An identifier or network of an analysis workspace; only its pseudonym is stored."""

    kind: LinkKind = Field(description="`network` (a workspace network id) or an identifier kind")
    canonical: str = Field(
        min_length=1,
        max_length=500,
        description="The canonical value (e.g. +12125550123): turned into the organisation's "
        "pseudonym, never stored or echoed back",
    )


class PersonUpdateIn(PersonIn, Purpose):
    """The person fields to change: only the fields sent are written (``null`` clears one);
    the others keep their stored values."""


class ContextUpdateIn(ContextIn, Purpose):
    """The context fields to change: only the fields sent are written (``null`` or ``[]``
    clears one); the others keep their stored values."""


class ShareRecordOut(BaseModel):
    consent_id: str = Field(description="The consent the share relied on")
    recipient_organisation_id: str
    fields: list[str] = Field(description="Names of the fields shared (the values are not kept)")


class SharesOut(BaseModel):
    shares: list[ShareRecordOut] = Field(description="Oldest first")


class LinkedCases(BaseModel):
    cases: list[str] = Field(description="Ids of the cases you may see that carry the pseudonym")


#: A pseudonym as the store makes it (HMAC-SHA256, hex).
PSEUDONYM = r"^[0-9a-f]{64}$"


class CellOut(BaseModel):
    value: str
    count: int | None = Field(description="null when suppressed (fewer than k cases)")


class Aggregates(BaseModel):
    dimension: str
    k: int
    cells: list[CellOut]


# ---- plumbing ------------------------------------------------------------------------------


def _store(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.cases
    return store


def case_principal(request: Request) -> Principal:
    """The cases principal of the signed-in user: their case role within their organisation."""
    accounts = getattr(request.app.state, "accounts", None)
    web = principal_of(request)
    if accounts is None or web is None:
        raise HTTPException(403, "the case records need a signed-in user with a case role")
    if web.kind == "token":
        # Read afresh on every request: a revoked token stops here at once.
        identity = accounts.token_case_identity(web.key)
        # A token's name is free text and may equal a user's name: it must never own (or
        # reach) that user's cases, so its principal is named by its id, in its own namespace.
        user_id = f"token:{web.key}"
        missing = "this API token has no case role: create one with --case-role and --org"
    else:
        identity = accounts.case_identity(web.name)
        user_id = web.name
        missing = "your account has no case role: ask an admin to give you one"
    if identity is None:
        audit(request, "cases.refused", "cases", "no case role")
        raise HTTPException(403, missing)
    role, organisation = identity
    return Principal(user_id, frozenset({role}), organisation)


CasePrincipal = Annotated[Principal, Depends(case_principal)]
PurposeHeader = Annotated[
    str | None,
    Header(
        alias="X-Purpose",
        max_length=MAX_WHY,
        description="Why you access the records (audited; name no person).",
    ),
]
PurposeQuery = Annotated[
    str | None,
    Query(max_length=MAX_WHY, description="The purpose, when not sent as X-Purpose."),
]


def _why(field: str | None, header: str | None) -> str:
    why = (field or header or "").strip()
    if not why:
        raise HTTPException(
            422, "a purpose is required: send the X-Purpose header or a 'why' field"
        )
    return why


@contextmanager
def _answers() -> Iterator[None]:
    """The store's errors as HTTP answers (the store has already audited its refusals)."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except (AccessDenied, ConsentRequired) as exc:
        raise HTTPException(403, str(exc)) from None
    except InvalidState as exc:
        raise HTTPException(409, str(exc)) from None
    except RecordErased as exc:
        raise HTTPException(410, str(exc)) from None
    except MasterKeyError:
        raise HTTPException(503, "the case records' master key is unavailable") from None
    except CaseError as exc:  # vocabulary, empty text, unknown field or dimension ...
        raise HTTPException(422, str(exc)) from None


def _context_out(context: CaseContext) -> ContextOut:
    return ContextOut.model_validate(asdict(context))


def _clear(view: CaseView) -> CaseOut:
    return CaseOut(
        id=view.id,
        organisation=view.organisation,
        owner_id=view.owner_id,
        status=view.status,
        opened_on=view.opened_on,
        person=PersonOut.model_validate(asdict(view.person)),
        age_band=view.age_band,
        context=_context_out(view.context),
        account=view.account,
        comments=[CommentOut(author=a, written_at=w, text=t) for a, w, t in view.comments],
        perpetrators=[
            PerpetratorOut(roles=list(r), name=n, details=d) for r, n, d in view.perpetrators
        ],
        support_plans=[
            SupportPlanOut(plan_type=t, objectives=o, planned_end=e, services=list(s))
            for t, o, e, s in view.support_plans
        ],
        referrals=[ReferralOut.model_validate(asdict(r)) for r in view.referrals],
        consents=[ConsentOut.model_validate(asdict(c)) for c in view.consents],
        links=[LinkOut(kind=k, pseudonym=p) for k, p in view.links],
    )


def _pseudonymous(case: PseudonymousCase) -> PseudonymousCaseOut:
    return PseudonymousCaseOut(
        id=case.id,
        organisation=case.organisation,
        status=case.status,
        year=case.year,
        gender=case.gender,
        age_band=case.age_band,
        citizenship=list(case.citizenship),
        context=_context_out(case.context),
        links=[LinkOut(kind=k, pseudonym=p) for k, p in case.links],
        referral_statuses=list(case.referral_statuses),
        erased=case.erased,
    )


def _shared_value(value: object) -> object:
    if isinstance(value, CaseContext):
        return asdict(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _shared_fields(fields: Mapping[str, object]) -> dict[str, Any]:
    return {name: _shared_value(value) for name, value in fields.items()}


# ---- endpoints (static paths before /{case_id}) ----------------------------------------------


@router.post(
    "",
    status_code=201,
    response_model=Created,
    summary="Open a case",
    description="Opens a case owned by you (a supervisor may name another owner).",
    responses=_ERRORS,
)
def create_case(
    body: CaseIn, request: Request, principal: CasePrincipal, x_purpose: PurposeHeader = None
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        case_id = _store(request).create_case(
            principal,
            body.person.to_input(),
            body.context.to_input(),
            why=why,
            owner_id=body.owner_id,
            opened_on=body.opened_on,
        )
    return Created(id=case_id)


@router.get(
    "",
    response_model=Caseload,
    summary="My caseload",
    description="Ids of the cases you may read in clear (own, or the organisation's).",
    responses=_ERRORS,
)
def caseload(
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
) -> Caseload:
    purpose = _why(why, x_purpose)
    with _answers():
        return Caseload(cases=_store(request).caseload(principal, why=purpose))


@router.get(
    "/directory/services",
    response_model=Services,
    summary="Search the service directory",
    responses=_ERRORS,
)
def find_services(
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
    service_type: Annotated[str | None, Query(max_length=100)] = None,
    language: Annotated[str | None, Query(max_length=20, description="ISO 639")] = None,
) -> Services:
    purpose = _why(why, x_purpose)
    with _answers():
        found = _store(request).find_services(
            principal, why=purpose, service_type=service_type, language=language
        )
    return Services(services=[ServiceOut.model_validate(asdict(s)) for s in found])


@router.post(
    "/directory/organisations",
    status_code=201,
    response_model=Created,
    summary="Add a directory organisation",
    description="Admins and supervisors (`directory.write`); the id is what consents name.",
    responses=_ERRORS,
)
def add_organisation(
    body: OrganisationIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        org_id = _store(request).add_organisation(
            principal,
            name=body.name,
            org_type=body.org_type,
            why=why,
            country=body.country,
            phone=body.phone,
        )
    return Created(id=org_id)


@router.post(
    "/directory/organisations/{organisation_id}/services",
    status_code=201,
    response_model=Created,
    summary="Add a service an organisation offers",
    description="Admins and supervisors (`directory.write`); the id is what referrals name.",
    responses=_ERRORS,
)
def add_service(
    organisation_id: str,
    body: ServiceIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        service_id = _store(request).add_service(
            principal,
            organisation_id,
            service_type=body.service_type,
            why=why,
            languages=body.languages,
            eligibility=body.eligibility,
            contact=body.contact,
        )
    return Created(id=service_id)


@router.get(
    "/aggregates/{dimension}",
    response_model=Aggregates,
    summary="k-anonymous case counts",
    description=(
        "Case counts by one dimension (" + ", ".join(sorted(AGGREGATE_DIMENSIONS)) + "); "
        "cells below k are suppressed (count null) and no total is published."
    ),
    responses=_ERRORS,
)
def aggregates(
    dimension: str,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
    k: Annotated[int, Query(ge=2, le=1000)] = DEFAULT_K,
) -> Aggregates:
    purpose = _why(why, x_purpose)
    with _answers():
        cells = _store(request).aggregates(principal, dimension, why=purpose, k=k)
    return Aggregates(
        dimension=dimension, k=k, cells=[CellOut(value=c.value, count=c.count) for c in cells]
    )


@router.post(
    "/consents/{consent_id}/revoke",
    status_code=204,
    summary="Revoke a consent",
    description="No later share or referral may rely on it.",
    responses=_ERRORS,
)
def revoke_consent(
    consent_id: str,
    request: Request,
    principal: CasePrincipal,
    body: Purpose | None = None,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why if body else None, x_purpose)
    with _answers():
        _store(request).revoke_consent(principal, consent_id, why=why)
    return Response(status_code=204)


@router.patch(
    "/referrals/{referral_id}",
    status_code=204,
    summary="Record a referral's answer",
    responses={**_ERRORS, 409: {"model": Problem, "description": "Not allowed from its state"}},
)
def update_referral(
    referral_id: str,
    body: ReferralUpdateIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why, x_purpose)
    with _answers():
        _store(request).update_referral(principal, referral_id, body.status, why=why)
    return Response(status_code=204)


@router.get(
    "/linked/{pseudonym}",
    response_model=LinkedCases,
    summary="Cases linked to a pseudonym",
    description=(
        "Ids of the cases you may see (in clear or pseudonymously) linked to an identifier's "
        "or network's pseudonym (64 hex digits, as `POST /{case_id}/links` answers). An "
        "unknown pseudonym gives an empty list. Roles that see no case are refused."
    ),
    responses=_ERRORS,
)
def cases_linked_to(
    pseudonym: Annotated[str, PathParam(pattern=PSEUDONYM)],
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
) -> LinkedCases:
    purpose = _why(why, x_purpose)
    with _answers():
        return LinkedCases(cases=_store(request).cases_linked_to(principal, pseudonym, why=purpose))


@router.get(
    "/{case_id}",
    response_model=CaseOut | PseudonymousCaseOut,
    summary="Read a case",
    description=(
        "`view=clear`: every field (its caseworker, or a supervisor). `view=pseudonymous`: no "
        "personal field (analysts, supervisors). `view=auto` (default): clear when your role "
        "can read any case in clear, pseudonymous otherwise; the store decides and audits."
    ),
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def read_case(
    case_id: str,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
    view: Literal["auto", "clear", "pseudonymous"] = "auto",
) -> CaseOut | PseudonymousCaseOut:
    purpose = _why(why, x_purpose)
    if view == "auto":
        # Asks the policy whether this principal could read even its own case in clear; the
        # read itself is still decided (and audited) by the store on the real case.
        own = Scope(principal.user_id, principal.organisation)
        view = "clear" if decide(principal, Action.CASE_READ, own).allowed else "pseudonymous"
    store = _store(request)
    with _answers():
        if view == "clear":
            return _clear(store.read_case(principal, case_id, why=purpose))
        return _pseudonymous(store.read_pseudonymous(principal, case_id, why=purpose))


@router.post(
    "/{case_id}/comments",
    status_code=201,
    response_model=Created,
    summary="Add a comment",
    responses=_ERRORS,
)
def add_comment(
    case_id: str,
    body: TextIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        return Created(id=_store(request).add_comment(principal, case_id, body.text, why=why))


@router.post(
    "/{case_id}/account",
    status_code=201,
    response_model=Created,
    summary="Record the survivor's account",
    description="Once per case: she is not asked to tell it again (a second one is 409).",
    responses={**_ERRORS, 409: {"model": Problem, "description": "Already recorded"}},
)
def record_account(
    case_id: str,
    body: TextIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        return Created(id=_store(request).record_account(principal, case_id, body.text, why=why))


@router.post(
    "/{case_id}/consents",
    status_code=201,
    response_model=Created,
    summary="Record the survivor's consent",
    description="For one purpose and one recipient organisation, optionally until a time.",
    responses=_ERRORS,
)
def grant_consent(
    case_id: str,
    body: ConsentIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        consent_id = _store(request).grant_consent(
            principal,
            case_id,
            purpose=body.purpose,
            recipient_organisation_id=body.recipient_organisation_id,
            why=why,
            expires_at=body.expires_at,
        )
    return Created(id=consent_id)


@router.post(
    "/{case_id}/referrals",
    status_code=201,
    response_model=Created,
    summary="Refer the case to a service",
    description="Needs a valid 'referral' consent for the service's organisation (else 403).",
    responses=_ERRORS,
)
def refer(
    case_id: str,
    body: ReferralIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        referral_id = _store(request).refer(
            principal, case_id, body.service_id, reason=body.reason, why=why
        )
    return Created(id=referral_id)


@router.post(
    "/{case_id}/shares",
    response_model=SharedOut,
    summary="Share fields under consent",
    description=(
        "Returns the chosen fields for the recipient; needs a valid consent of `purpose` for "
        "that organisation (else 403). The field names shared are recorded, not the values."
    ),
    responses=_ERRORS,
)
def share(
    case_id: str,
    body: ShareIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> SharedOut:
    why = _why(body.why, x_purpose)
    with _answers():
        shared = _store(request).share(
            principal,
            case_id,
            body.recipient_organisation_id,
            body.fields,
            why=why,
            purpose=body.purpose,
        )
    return SharedOut(
        case_id=shared.case_id,
        consent_id=shared.consent_id,
        recipient_organisation_id=shared.recipient_organisation_id,
        fields=_shared_fields(shared.fields),
    )


@router.get(
    "/{case_id}/shares",
    response_model=SharesOut,
    summary="What was shared, under which consent",
    description="Field names, recipient and consent of every share of the case (no values).",
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def shares(
    case_id: str,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
) -> SharesOut:
    purpose = _why(why, x_purpose)
    with _answers():
        found = _store(request).shares(principal, case_id, why=purpose)
    return SharesOut(
        shares=[
            ShareRecordOut(consent_id=c, recipient_organisation_id=r, fields=f) for c, r, f in found
        ]
    )


@router.patch(
    "/{case_id}/person",
    status_code=204,
    summary="Change the person's fields",
    description=(
        "Only the fields sent are written (sealed afresh); the others keep their values. "
        "Codes are checked against the HTCDS picklists."
    ),
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def update_person(
    case_id: str,
    body: PersonUpdateIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why, x_purpose)
    names = body.model_fields_set - {"why"}
    if not names:
        raise HTTPException(422, "no person field to change")
    person = PersonIn.model_validate(body.model_dump(exclude={"why"})).to_input()
    with _answers():
        _store(request).update_person(principal, case_id, person, why=why, fields=names)
    return Response(status_code=204)


@router.patch(
    "/{case_id}/context",
    status_code=204,
    summary="Change the victim case context",
    description="Only the fields sent are written; the others keep their values.",
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def update_context(
    case_id: str,
    body: ContextUpdateIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why, x_purpose)
    names = body.model_fields_set - {"why"}
    if not names:
        raise HTTPException(422, "no context field to change")
    context = ContextIn.model_validate(body.model_dump(exclude={"why"})).to_input()
    with _answers():
        _store(request).update_context(principal, case_id, context, why=why, fields=names)
    return Response(status_code=204)


@router.put(
    "/{case_id}/status",
    status_code=204,
    summary="Change the case status",
    description=(
        "cas_Status: Active, FollowUp, Closed, ClosedReferred. The time of the change is kept: "
        "a closed case's retention period runs from it."
    ),
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def set_status(
    case_id: str,
    body: StatusIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why, x_purpose)
    with _answers():
        _store(request).set_status(principal, case_id, body.status, why=why)
    return Response(status_code=204)


@router.put(
    "/{case_id}/owner",
    status_code=204,
    summary="Reassign the case",
    description="Give the case to another caseworker (supervisors, `case.reassign`).",
    responses=_ERRORS,
)
def reassign(
    case_id: str,
    body: OwnerIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Response:
    why = _why(body.why, x_purpose)
    with _answers():
        _store(request).reassign(principal, case_id, body.owner_id, why=why)
    return Response(status_code=204)


@router.post(
    "/{case_id}/perpetrators",
    status_code=201,
    response_model=Created,
    summary="Add a perpetrator",
    description="Role codes (per_RoleInProcess) in clear; name and details encrypted.",
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def add_perpetrator(
    case_id: str,
    body: PerpetratorIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        perpetrator_id = _store(request).add_perpetrator(
            principal, case_id, roles=body.roles, why=why, name=body.name, details=body.details
        )
    return Created(id=perpetrator_id)


@router.post(
    "/{case_id}/support-plans",
    status_code=201,
    response_model=Created,
    summary="Add a support plan item",
    description="spl_Type code, encrypted objectives, and the directory services it relies on "
    "(each must exist, else 404).",
    responses={**_ERRORS, 410: {"model": Problem, "description": "The case was erased"}},
)
def add_support_plan(
    case_id: str,
    body: SupportPlanIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> Created:
    why = _why(body.why, x_purpose)
    with _answers():
        plan_id = _store(request).add_support_plan(
            principal,
            case_id,
            plan_type=body.plan_type,
            why=why,
            objectives=body.objectives,
            planned_end=body.planned_end,
            services=body.services,
        )
    return Created(id=plan_id)


@router.post(
    "/{case_id}/links",
    status_code=201,
    response_model=LinkOut,
    summary="Link the case to an identifier or network",
    description=(
        "Pseudonymous only: the canonical value is turned into the organisation's pseudonym "
        "(the one the analysis workspace uses) and only that is stored and returned."
    ),
    responses=_ERRORS,
)
def link(
    case_id: str,
    body: LinkIn,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
) -> LinkOut:
    why = _why(body.why, x_purpose)
    with _answers():
        pseudonym = _store(request).link_identifier(
            principal, case_id, body.kind, body.canonical, why=why
        )
    return LinkOut(kind=body.kind, pseudonym=pseudonym)


@router.delete(
    "/{case_id}",
    status_code=204,
    summary="Erase a case (crypto-shredding)",
    description=(
        "Destroys the case's data key: every encrypted field becomes unreadable for good, and "
        "the key's storage is reclaimed (VACUUM). Coded fields stay for statistics. Later "
        "clear reads answer 410 Gone (and a second erasure too); pseudonymous reads show "
        "`erased: true`. Supervisors and admins of the organisation (`case.erase`)."
    ),
    responses={**_ERRORS, 410: {"model": Problem, "description": "Already erased"}},
)
def erase(
    case_id: str,
    request: Request,
    principal: CasePrincipal,
    x_purpose: PurposeHeader = None,
    why: PurposeQuery = None,
) -> Response:
    purpose = _why(why, x_purpose)
    with _answers():
        _store(request).erase(principal, case_id, why=purpose)
    return Response(status_code=204)
