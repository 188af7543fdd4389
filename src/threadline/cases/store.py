"""The case-records API: every call takes a Principal and a reason, is checked by the policy,
and audited; personal fields are encrypted before they reach the database.

One record id (the case id) owns one data key: the person, the account, comments,
perpetrators and support plans of a case are all sealed under it, so destroying it
(crypto-shredding) erases the case's personal data in one step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from threadline.cases import audit, crypto, vocab
from threadline.cases.db import make_engine, reclaim_key_storage, upgrade
from threadline.cases.errors import (
    AccessDenied,
    CaseError,
    ConsentRequired,
    InvalidState,
    NotFound,
    RecordErased,
    VocabularyError,
)
from threadline.cases.models import (
    Account,
    Case,
    CaseLink,
    Comment,
    Consent,
    DataKey,
    Organisation,
    Perpetrator,
    Referral,
    Service,
    Share,
    SupportPlan,
)
from threadline.cases.policy import Action, Principal, Scope, decide

CONSENT_PURPOSES = frozenset({"referral", "case_transfer", "legal_proceedings"})
# cas_Status values of a closed case (the retention job shreds these after a period).
CLOSED_STATUSES = ("Closed", "ClosedReferred")
REFERRAL_STATUSES = ("sent", "accepted", "declined", "completed")
_REFERRAL_NEXT: Mapping[str, frozenset[str]] = {
    "sent": frozenset({"accepted", "declined"}),
    "accepted": frozenset({"completed"}),
    "declined": frozenset(),
    "completed": frozenset(),
}
# What a case may be linked to: a workspace network id, or an identifier kind that identifies.
LINK_KINDS = ("network", "phone", "email", "handle", "url", "crypto", "payment")
PERSON_FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "identity_number")
# Every field of PersonInput and CaseContext (what a partial update may name).
PERSON_ALL = frozenset({*PERSON_FIELDS, "gender", "citizenship", "primary_language"})
CONTEXT_ALL = frozenset(
    {
        "trafficking_status",
        "relationship_to_trafficker",
        "recruitment_methods",
        "recruitment_apps",
        "control_methods",
        "exploitation_types",
        "exploitation_apps",
        "recruitment_country",
        "exploitation_country",
        "vulnerability_notes",
    }
)
SHAREABLE_FIELDS = frozenset(
    {*PERSON_FIELDS, "account", "gender", "citizenship", "primary_language", "context"}
)
# Age bands as the Counter-Trafficking Data Collaborative publishes them.
AGE_BANDS = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47))
AGGREGATE_DIMENSIONS = frozenset(
    {
        "year",
        "gender",
        "age_band",
        "citizenship",
        "exploitation_type",
        "control_method",
        "relationship_to_trafficker",
    }
)
DEFAULT_K = 11
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes: every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_band(birth: date, on: date) -> str:
    """The CTDC age band of someone born on ``birth`` at ``on``."""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for low, high in AGE_BANDS:
        if low <= years <= high:
            return f"{low}-{high}"
    return "48+" if years > 0 else "unknown"


@dataclass(frozen=True)
class PersonInput:
    """The person of a case (prs_); names, birth date, contact and identity number are sealed."""

    given_name: str | None = None
    family_name: str | None = None
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None
    identity_number: str | None = None
    gender: str | None = None  # prs_Gender
    citizenship: tuple[str, ...] = ()  # ISO 3166 alpha-2
    primary_language: str | None = None  # ISO 639


@dataclass(frozen=True)
class CaseContext:
    """Victim case context (vic_): picklist codes from HTCDS, free-text notes sealed."""

    trafficking_status: str | None = None
    relationship_to_trafficker: str | None = None
    recruitment_methods: tuple[str, ...] = ()
    recruitment_apps: tuple[str, ...] = ()
    control_methods: tuple[str, ...] = ()
    exploitation_types: tuple[str, ...] = ()
    exploitation_apps: tuple[str, ...] = ()
    recruitment_country: str | None = None
    exploitation_country: str | None = None
    vulnerability_notes: str | None = None


@dataclass(frozen=True)
class ServiceInfo:
    """A directory service with its organisation, for finding a fitting referral."""

    id: str
    organisation_id: str
    organisation_name: str
    service_type: str
    languages: tuple[str, ...]
    eligibility: str
    contact: str


@dataclass(frozen=True)
class ReferralInfo:
    """A referral and whether it was taken up."""

    id: str
    service_id: str
    consent_id: str
    reason: str
    status: str
    sent_at: datetime
    responded_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class ConsentInfo:
    """A consent and its state at read time."""

    id: str
    purpose: str
    recipient_organisation_id: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    valid: bool


@dataclass(frozen=True)
class ShareInfo:
    """One share of a case: to whom, under which consent, which fields (names only), by whom."""

    consent_id: str
    recipient_organisation_id: str
    fields: tuple[str, ...]
    shared_by: str
    shared_at: datetime


@dataclass(frozen=True)
class CaseView:
    """A whole case in clear, for its caseworker or a supervisor."""

    id: str
    organisation: str
    owner_id: str
    status: str
    opened_on: date
    person: PersonInput
    age_band: str | None
    context: CaseContext
    account: str | None
    comments: tuple[tuple[str, datetime, str], ...]  # (author, when, text)
    perpetrators: tuple[tuple[tuple[str, ...], str | None, str | None], ...]
    # (type, objectives, planned end, directory service ids)
    support_plans: tuple[tuple[str, str | None, date | None, tuple[str, ...]], ...]
    referrals: tuple[ReferralInfo, ...]
    consents: tuple[ConsentInfo, ...]
    links: tuple[tuple[str, str], ...]  # (kind, pseudonym)
    shares: tuple[ShareInfo, ...] = ()  # what was shared under which consent, oldest first


@dataclass(frozen=True)
class CaseSummary:
    """One line of a case list: codes and dates, and the given name only where the policy lets
    the principal read the person in clear (None otherwise, and for an erased case)."""

    id: str
    status: str
    owner_id: str
    opened_on: date
    status_changed_at: datetime | None
    given_name: str | None
    erased: bool


@dataclass(frozen=True)
class PseudonymousCase:
    """A case without any personal field: coded context, pseudonyms and referral states only."""

    id: str
    organisation: str
    status: str
    year: int
    gender: str | None
    age_band: str | None
    citizenship: tuple[str, ...]
    context: CaseContext
    links: tuple[tuple[str, str], ...]
    referral_statuses: tuple[str, ...]
    erased: bool


@dataclass(frozen=True)
class SharedRecord:
    """What a recipient receives under a consent (field name -> value)."""

    case_id: str
    consent_id: str
    recipient_organisation_id: str
    fields: Mapping[str, object]


@dataclass(frozen=True)
class AggregateCell:
    """One cell of a k-anonymous count: ``count`` is None when suppressed (below k)."""

    value: str
    count: int | None


@dataclass
class _Refusal(Exception):
    """Raised inside a transaction; the transaction rolls back, then the refusal is audited."""

    principal: Principal
    action: str
    record_id: str
    why: str
    reason: str
    error: type[CaseError] = field(default=AccessDenied)


def canonical_value(kind: str, value: str, *, region: str | None = None) -> str:
    """``value`` in the identifier contract's canonical form when the extractor reads it as
    exactly one identifier of ``kind`` (nothing else but spaces and punctuation around it);
    otherwise the value as typed, trimmed (a network id, or a form the extractor does not
    read). ``region`` is the default country of a phone written without one (as extraction's).
    """
    typed = value.strip()
    if kind == "network" or not typed:
        return typed
    from threadline.extract import extract

    found = [item for item in extract(typed, region=region) if item.kind == kind]
    if len(found) != 1:
        return typed
    outside = typed[: found[0].start] + typed[found[0].end :]
    return typed if any(ch.isalnum() for ch in outside) else found[0].canonical


class CaseStore:
    """Case records in one database, sealed with one keyring."""

    def __init__(
        self,
        engine: Engine,
        keyring: crypto.Keyring,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self._clock = clock

    @classmethod
    def open(
        cls,
        target: str,
        keyring: crypto.Keyring,
        *,
        clock: Callable[[], datetime] = utc_now,
        migrate: bool = True,
    ) -> CaseStore:
        """Open the store at a file path or URL, upgrading the schema to head unless told not."""
        engine = make_engine(target)
        if migrate:
            upgrade(engine)
        return cls(engine, keyring, clock=clock)

    # ---- plumbing -------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _aware(self._clock())

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction; a refusal inside it rolls back and is audited in its own."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except _Refusal as refusal:
            with Session(self.engine) as session, session.begin():
                audit.append(
                    session,
                    refusal.principal,
                    refusal.action,
                    refusal.record_id,
                    purpose=refusal.why,
                    outcome="denied",
                    at=self._now(),
                    detail=refusal.reason,
                )
            raise refusal.error(f"{refusal.action} refused: {refusal.reason}") from None

    def _authorize(
        self,
        principal: Principal,
        action: Action,
        why: str,
        case: Case | None = None,
        record_id: str = "",
    ) -> None:
        if not why.strip():
            raise CaseError("a reason (why) is required for every access to case records")
        scope = Scope(case.owner_id, case.organisation) if case else None
        decision = decide(principal, action, scope)
        if not decision.allowed:
            raise _Refusal(
                principal, action.value, case.id if case else record_id, why, decision.reason
            )

    def _log(
        self,
        session: Session,
        principal: Principal,
        action: Action | str,
        record_id: str,
        why: str,
        detail: str = "",
    ) -> None:
        audit.append(
            session,
            principal,
            str(action),
            record_id,
            purpose=why,
            outcome="allowed",
            at=self._now(),
            detail=detail,
        )

    @staticmethod
    def _case(session: Session, case_id: str) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        return case

    def _data_key(self, session: Session, record_id: str) -> bytes:
        row = session.get(DataKey, record_id)
        if row is None or row.wrapped is None or row.key_id is None:
            raise RecordErased(f"record {record_id} was erased: its data key is destroyed")
        return crypto.unwrap(self.keyring, record_id, row.key_id, row.wrapped)

    def _new_data_key(self, session: Session, record_id: str) -> bytes:
        data_key = crypto.new_data_key()
        key_id, wrapped = crypto.wrap(self.keyring, record_id, data_key)
        session.add(DataKey(record_id=record_id, key_id=key_id, wrapped=wrapped))
        return data_key

    @staticmethod
    def _seal(key: bytes, table: str, row_id: str, name: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        return crypto.encrypt_field(key, crypto.field_aad(table, row_id, name), value)

    @staticmethod
    def _open(key: bytes, table: str, row_id: str, name: str, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        return crypto.decrypt_field(key, crypto.field_aad(table, row_id, name), sealed)

    # ---- directory ------------------------------------------------------------------------

    def add_organisation(
        self,
        principal: Principal,
        *,
        name: str,
        org_type: str,
        why: str,
        country: str | None = None,
        phone: str | None = None,
    ) -> str:
        """Add an organisation to the directory (org_Type from HTCDS)."""
        vocab.check("org_Type", org_type)
        if country is not None:
            vocab.check_country(country)
        with self._tx() as session:
            self._authorize(principal, Action.DIRECTORY_WRITE, why)
            org = Organisation(name=name, org_type=org_type, country=country, phone=phone)
            session.add(org)
            session.flush()
            self._log(session, principal, Action.DIRECTORY_WRITE, org.id, why, "organisation")
            return org.id

    def add_service(
        self,
        principal: Principal,
        organisation_id: str,
        *,
        service_type: str,
        why: str,
        languages: Iterable[str] = (),
        eligibility: str = "",
        contact: str = "",
    ) -> str:
        """Add a service (shelter, legal aid, ...) an organisation offers."""
        vocab.check_service_type(service_type)
        with self._tx() as session:
            self._authorize(principal, Action.DIRECTORY_WRITE, why)
            if session.get(Organisation, organisation_id) is None:
                raise NotFound(f"no organisation {organisation_id}")
            service = Service(
                organisation_id=organisation_id,
                service_type=service_type,
                languages=sorted(set(languages)),
                eligibility=eligibility,
                contact=contact,
            )
            session.add(service)
            session.flush()
            self._log(session, principal, Action.DIRECTORY_WRITE, service.id, why, "service")
            return service.id

    def find_services(
        self,
        principal: Principal,
        *,
        why: str,
        service_type: str | None = None,
        language: str | None = None,
    ) -> list[ServiceInfo]:
        """Services matching a type and a language (the directory holds no personal data)."""
        with self._tx() as session:
            self._authorize(principal, Action.DIRECTORY_READ, why)
            query = select(Service, Organisation).join(
                Organisation, Organisation.id == Service.organisation_id
            )
            if service_type is not None:
                query = query.where(Service.service_type == service_type)
            found = [
                ServiceInfo(
                    service.id,
                    org.id,
                    org.name,
                    service.service_type,
                    tuple(service.languages),
                    service.eligibility,
                    service.contact,
                )
                for service, org in session.execute(query.order_by(Organisation.name))
            ]
        if language is not None:
            found = [info for info in found if language in info.languages]
        return found

    # ---- cases ----------------------------------------------------------------------------

    @staticmethod
    def _validated(person: PersonInput, context: CaseContext) -> None:
        if person.gender is not None:
            vocab.check("prs_Gender", person.gender)
        for country in person.citizenship:
            vocab.check_country(country)
        checks = (
            ("vic_TraffickingStatus", _opt(context.trafficking_status)),
            ("vic_RelationshipToTrafficker", _opt(context.relationship_to_trafficker)),
            ("vic_MethodOfRecruitment", context.recruitment_methods),
            ("vic_RecruitmentWebsitesAndApps", context.recruitment_apps),
            ("vic_MethodsOfControl", context.control_methods),
            ("vic_TypeOfExploitation", context.exploitation_types),
            ("vic_ExploitationWebsitesAndApps", context.exploitation_apps),
        )
        for name, values in checks:
            vocab.check_all(name, values)
        for place in (context.recruitment_country, context.exploitation_country):
            if place is not None:
                vocab.check_country(place)

    def create_case(
        self,
        principal: Principal,
        person: PersonInput,
        context: CaseContext,
        *,
        why: str,
        owner_id: str | None = None,
        opened_on: date | None = None,
    ) -> str:
        """Open a case (status Active), owned by the principal unless a supervisor names one."""
        self._validated(person, context)
        opened = opened_on or self._now().date()
        with self._tx() as session:
            self._authorize(principal, Action.CASE_CREATE, why)
            owner = owner_id or principal.user_id
            case = Case(
                organisation=principal.organisation,
                owner_id=owner,
                status="Active",
                opened_on=opened,
                status_changed_at=self._now(),
            )
            if owner != principal.user_id:
                self._authorize(principal, Action.CASE_REASSIGN, why, case)
            session.add(case)
            session.flush()
            key = self._new_data_key(session, case.id)
            self._write_person(case, key, person)
            self._write_context(case, key, context)
            case.age_band = age_band(person.birth_date, opened) if person.birth_date else None
            self._log(session, principal, Action.CASE_CREATE, case.id, why)
            return case.id

    def _write_person(
        self, case: Case, key: bytes, person: PersonInput, names: frozenset[str] = PERSON_ALL
    ) -> None:
        """Write the named person fields (all by default); the others keep their values."""
        birth = person.birth_date.isoformat() if person.birth_date else None
        values = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": birth,
            "email": person.email,
            "phone": person.phone,
            "identity_number": person.identity_number,
        }
        for name, value in values.items():
            if name in names:
                setattr(case, name, self._seal(key, "case", case.id, name, value))
        if "gender" in names:
            case.gender = person.gender
        if "citizenship" in names:
            case.citizenship = list(person.citizenship)
        if "primary_language" in names:
            case.primary_language = person.primary_language

    def _write_context(
        self, case: Case, key: bytes, context: CaseContext, names: frozenset[str] = CONTEXT_ALL
    ) -> None:
        """Write the named context fields (all by default); the others keep their values."""
        for name in sorted(names - {"vulnerability_notes"}):
            value = getattr(context, name)
            setattr(case, name, list(value) if isinstance(value, tuple) else value)
        if "vulnerability_notes" in names:
            case.vulnerability_notes = self._seal(
                key, "case", case.id, "vulnerability_notes", context.vulnerability_notes
            )

    def _read_person(self, case: Case, key: bytes) -> PersonInput:
        values = {n: self._open(key, "case", case.id, n, getattr(case, n)) for n in PERSON_FIELDS}
        birth = values.pop("birth_date")
        return PersonInput(
            birth_date=date.fromisoformat(birth) if birth else None,
            gender=case.gender,
            citizenship=tuple(case.citizenship),
            primary_language=case.primary_language,
            **values,
        )

    def _read_context(self, case: Case, key: bytes | None) -> CaseContext:
        notes = (
            self._open(key, "case", case.id, "vulnerability_notes", case.vulnerability_notes)
            if key is not None
            else None
        )
        return CaseContext(
            trafficking_status=case.trafficking_status,
            relationship_to_trafficker=case.relationship_to_trafficker,
            recruitment_methods=tuple(case.recruitment_methods),
            recruitment_apps=tuple(case.recruitment_apps),
            control_methods=tuple(case.control_methods),
            exploitation_types=tuple(case.exploitation_types),
            exploitation_apps=tuple(case.exploitation_apps),
            recruitment_country=case.recruitment_country,
            exploitation_country=case.exploitation_country,
            vulnerability_notes=notes,
        )

    def read_case(self, principal: Principal, case_id: str, *, why: str) -> CaseView:
        """The whole case in clear (caseworker's own caseload, or a supervisor); audited."""
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.CASE_READ, why, case)
            key = self._data_key(session, case.id)
            self._log(session, principal, Action.CASE_READ, case.id, why)
            account = session.scalar(select(Account).where(Account.case_id == case.id))
            comments = session.scalars(
                select(Comment).where(Comment.case_id == case.id).order_by(Comment.written_at)
            )
            perpetrators = session.scalars(
                select(Perpetrator).where(Perpetrator.case_id == case.id)
            )
            plans = session.scalars(select(SupportPlan).where(SupportPlan.case_id == case.id))
            return CaseView(
                id=case.id,
                organisation=case.organisation,
                owner_id=case.owner_id,
                status=case.status,
                opened_on=case.opened_on,
                person=self._read_person(case, key),
                age_band=case.age_band,
                context=self._read_context(case, key),
                account=(
                    self._open(key, "account", account.id, "body", account.body)
                    if account
                    else None
                ),
                comments=tuple(
                    (
                        c.author_id,
                        _aware(c.written_at),
                        self._open(key, "comment", c.id, "body", c.body) or "",
                    )
                    for c in comments
                ),
                perpetrators=tuple(
                    (
                        tuple(p.roles),
                        self._open(key, "perpetrator", p.id, "name", p.name),
                        self._open(key, "perpetrator", p.id, "details", p.details),
                    )
                    for p in perpetrators
                ),
                support_plans=tuple(
                    (
                        p.plan_type,
                        self._open(key, "support_plan", p.id, "objectives", p.objectives),
                        p.planned_end,
                        tuple(p.service_ids or ()),
                    )
                    for p in plans
                ),
                referrals=self._referrals(session, case.id),
                consents=self._consents(session, case.id),
                links=self._links(session, case.id),
                shares=tuple(
                    ShareInfo(
                        r.consent_id,
                        r.recipient_organisation_id,
                        tuple(r.fields),
                        r.shared_by,
                        _aware(r.shared_at),
                    )
                    for r in session.scalars(
                        select(Share).where(Share.case_id == case.id).order_by(Share.shared_at)
                    )
                ),
            )

    def read_pseudonymous(
        self, principal: Principal, case_id: str, *, why: str
    ) -> PseudonymousCase:
        """The case without personal fields (analysts); no data key is opened."""
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.CASE_READ_PSEUDONYMOUS, why, case)
            self._log(session, principal, Action.CASE_READ_PSEUDONYMOUS, case.id, why)
            return PseudonymousCase(
                id=case.id,
                organisation=case.organisation,
                status=case.status,
                year=case.opened_on.year,
                gender=case.gender,
                age_band=case.age_band,
                citizenship=tuple(case.citizenship),
                context=self._read_context(case, None),
                links=self._links(session, case.id),
                referral_statuses=tuple(r.status for r in self._referrals(session, case.id)),
                erased=case.erased_at is not None,
            )

    def caseload(self, principal: Principal, *, why: str) -> list[str]:
        """Ids of the cases the principal may read in clear (own caseload, or the organisation's
        for a supervisor); ids only, so listing opens no personal field."""
        with self._tx() as session:
            cases = session.scalars(
                select(Case)
                .where(Case.organisation == principal.organisation)
                .order_by(Case.opened_on, Case.id)
            ).all()
            visible = [
                c.id
                for c in cases
                if decide(principal, Action.CASE_READ, Scope(c.owner_id, c.organisation)).allowed
            ]
            self._log(session, principal, "case.list", "", why, f"{len(visible)} cases")
            return visible

    def caseload_summary(self, principal: Principal, *, why: str) -> list[CaseSummary]:
        """The cases the principal may see (in clear, or pseudonymously), newest change first,
        for a list page: one audit entry for the whole listing.

        Only the given name is decrypted, and only for a case the principal may read in clear;
        no other personal field is opened. An erased case is listed with ``erased`` and no name.
        """
        if not why.strip():
            raise CaseError("a reason (why) is required for every access to case records")
        with self._tx() as session:
            cases = session.scalars(
                select(Case)
                .where(Case.organisation == principal.organisation)
                .order_by(Case.opened_on, Case.id)
            ).all()
            clear: list[Case] = []
            listed: list[Case] = []
            for case in cases:
                scope = Scope(case.owner_id, case.organisation)
                if decide(principal, Action.CASE_READ, scope).allowed:
                    clear.append(case)
                    listed.append(case)
                elif decide(principal, Action.CASE_READ_PSEUDONYMOUS, scope).allowed:
                    listed.append(case)
            keys = {
                row.record_id: row
                for row in session.scalars(
                    select(DataKey).where(DataKey.record_id.in_([c.id for c in clear]))
                )
            }
            names: dict[str, str | None] = {}
            for case in clear:
                row = keys.get(case.id)
                if row is None or row.wrapped is None or row.key_id is None:
                    continue
                key = crypto.unwrap(self.keyring, case.id, row.key_id, row.wrapped)
                names[case.id] = self._open(key, "case", case.id, "given_name", case.given_name)
            self._log(
                session,
                principal,
                "case.list",
                "",
                why,
                f"{len(listed)} cases, given names of {len(names)}",
            )
            summaries = [
                CaseSummary(
                    id=case.id,
                    status=case.status,
                    owner_id=case.owner_id,
                    opened_on=case.opened_on,
                    status_changed_at=(
                        _aware(case.status_changed_at) if case.status_changed_at else None
                    ),
                    given_name=names.get(case.id),
                    erased=case.erased_at is not None,
                )
                for case in listed
            ]
        summaries.sort(key=lambda s: (s.status_changed_at or _EPOCH, s.id), reverse=True)
        return summaries

    def permits(self, principal: Principal, action: Action, case_id: str) -> bool:
        """Whether the policy allows ``action`` on this case for the principal (for offering a
        form or not). Reads no personal field and is not audited: the action itself, when
        attempted, is decided and audited again."""
        with Session(self.engine) as session:
            case = self._case(session, case_id)
            return decide(principal, action, Scope(case.owner_id, case.organisation)).allowed

    def _writable_case(
        self,
        session: Session,
        principal: Principal,
        case_id: str,
        why: str,
        action: Action = Action.CASE_WRITE,
    ) -> tuple[Case, bytes]:
        case = self._case(session, case_id)
        self._authorize(principal, action, why, case)
        return case, self._data_key(session, case.id)

    def set_status(self, principal: Principal, case_id: str, status: str, *, why: str) -> None:
        """Change cas_Status (Active, FollowUp, Closed, ClosedReferred).

        The time of a real change is kept: a closed case's retention period runs from it.
        """
        vocab.check("cas_Status", status)
        with self._tx() as session:
            case, _ = self._writable_case(session, principal, case_id, why)
            if case.status != status:
                case.status = status
                case.status_changed_at = self._now()
            self._log(session, principal, Action.CASE_WRITE, case.id, why, f"status={status}")

    def reassign(self, principal: Principal, case_id: str, owner_id: str, *, why: str) -> None:
        """Give the case to another caseworker (supervisors)."""
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.CASE_REASSIGN, why, case)
            case.owner_id = owner_id
            self._log(session, principal, Action.CASE_REASSIGN, case.id, why, f"owner={owner_id}")

    def update_person(
        self,
        principal: Principal,
        case_id: str,
        person: PersonInput,
        *,
        why: str,
        fields: Iterable[str] | None = None,
    ) -> None:
        """Replace the person's fields (all of them, sealed afresh), or only those named in
        ``fields`` (the others keep their stored values, unopened)."""
        names = _field_names(fields, PERSON_ALL, "person")
        self._validated(person, CaseContext())
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            self._write_person(case, key, person, names)
            if "birth_date" in names:
                case.age_band = (
                    age_band(person.birth_date, case.opened_on) if person.birth_date else None
                )
            self._log(
                session, principal, Action.CASE_WRITE, case.id, why, _write_detail("person", names)
            )

    def update_context(
        self,
        principal: Principal,
        case_id: str,
        context: CaseContext,
        *,
        why: str,
        fields: Iterable[str] | None = None,
    ) -> None:
        """Replace the victim case context, or only the fields named in ``fields``."""
        names = _field_names(fields, CONTEXT_ALL, "context")
        self._validated(PersonInput(), context)
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            self._write_context(case, key, context, names)
            self._log(
                session, principal, Action.CASE_WRITE, case.id, why, _write_detail("context", names)
            )

    def record_account(self, principal: Principal, case_id: str, text: str, *, why: str) -> str:
        """Record the survivor's own account, once: she is not asked to tell it again."""
        if not text.strip():
            raise CaseError("the account is empty")
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            if session.scalar(select(Account.id).where(Account.case_id == case.id)):
                raise InvalidState("the account is already recorded for this case")
            account = Account(
                case_id=case.id, recorded_by=principal.user_id, recorded_at=self._now()
            )
            session.add(account)
            session.flush()
            account.body = self._seal(key, "account", account.id, "body", text)
            self._log(session, principal, Action.CASE_WRITE, case.id, why, "account")
            return account.id

    def add_comment(self, principal: Principal, case_id: str, text: str, *, why: str) -> str:
        """Add a case comment (sealed)."""
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            comment = Comment(case_id=case.id, author_id=principal.user_id, written_at=self._now())
            session.add(comment)
            session.flush()
            comment.body = self._seal(key, "comment", comment.id, "body", text)
            self._log(session, principal, Action.CASE_WRITE, case.id, why, "comment")
            return comment.id

    def add_perpetrator(
        self,
        principal: Principal,
        case_id: str,
        *,
        roles: Iterable[str],
        why: str,
        name: str | None = None,
        details: str | None = None,
    ) -> str:
        """Add a perpetrator with per_RoleInProcess codes; name and details sealed."""
        codes = vocab.check_all("per_RoleInProcess", roles)
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            perpetrator = Perpetrator(case_id=case.id, roles=codes)
            session.add(perpetrator)
            session.flush()
            perpetrator.name = self._seal(key, "perpetrator", perpetrator.id, "name", name)
            perpetrator.details = self._seal(key, "perpetrator", perpetrator.id, "details", details)
            self._log(session, principal, Action.CASE_WRITE, case.id, why, "perpetrator")
            return perpetrator.id

    def add_support_plan(
        self,
        principal: Principal,
        case_id: str,
        *,
        plan_type: str,
        why: str,
        objectives: str | None = None,
        planned_end: date | None = None,
        services: Iterable[str] = (),
    ) -> str:
        """Add a support plan item (spl_Type code; objectives sealed), optionally naming the
        directory services it relies on (each must exist)."""
        vocab.check("spl_Type", plan_type)
        service_ids = list(dict.fromkeys(services))
        with self._tx() as session:
            case, key = self._writable_case(session, principal, case_id, why)
            for service_id in service_ids:
                if session.get(Service, service_id) is None:
                    raise NotFound(f"no service {service_id}")
            plan = SupportPlan(
                case_id=case.id,
                plan_type=plan_type,
                planned_end=planned_end,
                service_ids=service_ids,
            )
            session.add(plan)
            session.flush()
            plan.objectives = self._seal(key, "support_plan", plan.id, "objectives", objectives)
            self._log(session, principal, Action.CASE_WRITE, case.id, why, "support_plan")
            return plan.id

    # ---- consent, referrals, sharing ------------------------------------------------------

    def grant_consent(
        self,
        principal: Principal,
        case_id: str,
        *,
        purpose: str,
        recipient_organisation_id: str,
        why: str,
        expires_at: datetime | None = None,
    ) -> str:
        """Record the survivor's consent for one purpose and one recipient organisation."""
        if purpose not in CONSENT_PURPOSES:
            raise VocabularyError(f"{purpose!r} is not a consent purpose")
        now = self._now()
        if expires_at is not None and _aware(expires_at) <= now:
            raise InvalidState("the consent would already be expired")
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.CONSENT_WRITE, why, case)
            if session.get(Organisation, recipient_organisation_id) is None:
                raise NotFound(f"no organisation {recipient_organisation_id}")
            consent = Consent(
                case_id=case.id,
                purpose=purpose,
                recipient_organisation_id=recipient_organisation_id,
                granted_at=now,
                expires_at=expires_at,
                recorded_by=principal.user_id,
            )
            session.add(consent)
            session.flush()
            self._log(session, principal, Action.CONSENT_WRITE, case.id, why, f"grant {consent.id}")
            return consent.id

    def revoke_consent(self, principal: Principal, consent_id: str, *, why: str) -> None:
        """Revoke a consent: no further share or referral may use it."""
        with self._tx() as session:
            consent = session.get(Consent, consent_id)
            if consent is None:
                raise NotFound(f"no consent {consent_id}")
            case = self._case(session, consent.case_id)
            self._authorize(principal, Action.CONSENT_WRITE, why, case)
            if consent.revoked_at is None:
                consent.revoked_at = self._now()
            self._log(
                session, principal, Action.CONSENT_WRITE, case.id, why, f"revoke {consent.id}"
            )

    def _valid_consent(
        self,
        session: Session,
        principal: Principal,
        case: Case,
        purpose: str,
        recipient: str,
        action: Action,
        why: str,
    ) -> Consent:
        now = self._now()
        for consent in session.scalars(
            select(Consent).where(
                Consent.case_id == case.id,
                Consent.purpose == purpose,
                Consent.recipient_organisation_id == recipient,
            )
        ):
            if _consent_valid(consent, now):
                return consent
        raise _Refusal(
            principal,
            action.value,
            case.id,
            why,
            f"no valid {purpose} consent for organisation {recipient}",
            ConsentRequired,
        )

    def refer(
        self,
        principal: Principal,
        case_id: str,
        service_id: str,
        *,
        reason: str,
        why: str,
    ) -> str:
        """Refer the case to a service; needs a valid 'referral' consent for its organisation."""
        vocab.check("cas_ReasonForOutgoingReferral", reason)
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.REFERRAL_WRITE, why, case)
            self._data_key(session, case.id)  # an erased case cannot be referred
            service = session.get(Service, service_id)
            if service is None:
                raise NotFound(f"no service {service_id}")
            consent = self._valid_consent(
                session,
                principal,
                case,
                "referral",
                service.organisation_id,
                Action.REFERRAL_WRITE,
                why,
            )
            referral = Referral(
                case_id=case.id,
                service_id=service.id,
                consent_id=consent.id,
                reason=reason,
                status="sent",
                sent_at=self._now(),
            )
            session.add(referral)
            session.flush()
            self._log(
                session,
                principal,
                Action.REFERRAL_WRITE,
                case.id,
                why,
                f"referral {referral.id} under consent {consent.id}",
            )
            return referral.id

    def update_referral(
        self,
        principal: Principal,
        referral_id: str,
        status: Literal["accepted", "declined", "completed"],
        *,
        why: str,
    ) -> None:
        """Record the recipient's answer: sent -> accepted|declined, accepted -> completed."""
        with self._tx() as session:
            referral = session.get(Referral, referral_id)
            if referral is None:
                raise NotFound(f"no referral {referral_id}")
            case = self._case(session, referral.case_id)
            self._authorize(principal, Action.REFERRAL_WRITE, why, case)
            if status not in _REFERRAL_NEXT[referral.status]:
                raise InvalidState(f"a {referral.status} referral cannot become {status}")
            now = self._now()
            referral.status = status
            if status == "completed":
                referral.completed_at = now
            else:
                referral.responded_at = now
            self._log(
                session,
                principal,
                Action.REFERRAL_WRITE,
                case.id,
                why,
                f"referral {referral.id} {status}",
            )

    def share(
        self,
        principal: Principal,
        case_id: str,
        recipient_organisation_id: str,
        fields: Iterable[str],
        *,
        why: str,
        purpose: str = "case_transfer",
    ) -> SharedRecord:
        """Share chosen fields with a recipient under a valid consent; records what was shared."""
        wanted = sorted(set(fields))
        unknown = [name for name in wanted if name not in SHAREABLE_FIELDS]
        if unknown or not wanted:
            raise CaseError(f"fields that cannot be shared: {unknown or 'none chosen'}")
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.SHARE, why, case)
            consent = self._valid_consent(
                session, principal, case, purpose, recipient_organisation_id, Action.SHARE, why
            )
            key = self._data_key(session, case.id)
            person = self._read_person(case, key)
            values: dict[str, object] = {}
            for name in wanted:
                if name == "account":
                    account = session.scalar(select(Account).where(Account.case_id == case.id))
                    values[name] = (
                        self._open(key, "account", account.id, "body", account.body)
                        if account
                        else None
                    )
                elif name == "context":
                    values[name] = self._read_context(case, key)
                else:
                    values[name] = getattr(person, name)
            session.add(
                Share(
                    case_id=case.id,
                    consent_id=consent.id,
                    recipient_organisation_id=recipient_organisation_id,
                    fields=wanted,
                    shared_by=principal.user_id,
                    shared_at=self._now(),
                )
            )
            self._log(
                session,
                principal,
                Action.SHARE,
                case.id,
                why,
                f"to {recipient_organisation_id} under consent {consent.id}: {','.join(wanted)}",
            )
            return SharedRecord(case.id, consent.id, recipient_organisation_id, values)

    def shares(
        self, principal: Principal, case_id: str, *, why: str
    ) -> list[tuple[str, str, list[str]]]:
        """What was shared: (consent id, recipient organisation, field names), oldest first."""
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.CASE_READ, why, case)
            rows = session.scalars(
                select(Share).where(Share.case_id == case.id).order_by(Share.shared_at)
            ).all()
            self._log(session, principal, "case.read_shares", case.id, why)
            return [(r.consent_id, r.recipient_organisation_id, list(r.fields)) for r in rows]

    # ---- pseudonymous links ---------------------------------------------------------------

    def pseudonym(self, kind: str, canonical: str) -> str:
        """The organisation's pseudonym of an identifier (same in the analysis workspace)."""
        return crypto.pseudonym(self.keyring.pseudonym_key, kind, canonical)

    def link_identifier(
        self,
        principal: Principal,
        case_id: str,
        kind: str,
        canonical: str,
        *,
        why: str,
        region: str | None = None,
    ) -> str:
        """Link the case to an identifier by pseudonym only; the raw value is never stored.

        The value is first brought to the contract's canonical form (:func:`canonical_value`),
        so a phone typed as ``+40 712 345 678`` links to the same pseudonym as the analysis's
        ``+40712345678``. Linking twice is one link (the second call is audited and returns the
        same pseudonym); an erased case takes no new link (:class:`RecordErased`).
        """
        token = self.pseudonym(kind, canonical_value(kind, canonical, region=region))
        with self._tx() as session:
            case = self._case(session, case_id)
            self._authorize(principal, Action.LINK_WRITE, why, case)
            if case.erased_at is not None:
                raise RecordErased(f"case {case.id} was erased: it takes no new link")
            known = session.scalar(
                select(CaseLink.id).where(CaseLink.case_id == case.id, CaseLink.pseudonym == token)
            )
            if known is None:
                session.add(CaseLink(case_id=case.id, kind=kind, pseudonym=token))
            detail = f"{kind} link" if known is None else f"{kind} link (already linked)"
            self._log(session, principal, Action.LINK_WRITE, case.id, why, detail)
            return token

    def link_network(self, principal: Principal, case_id: str, network_id: str, *, why: str) -> str:
        """Link the case to a workspace network id (also pseudonymised)."""
        return self.link_identifier(principal, case_id, "network", network_id, why=why)

    def cases_linked_to(self, principal: Principal, token: str, *, why: str) -> list[str]:
        """Ids of cases the principal may see (pseudonymously) that link to a pseudonym.

        A role that may see no case at all (researchers, admins) is refused (audited as
        ``link.lookup``); the ids are then filtered case by case by the policy.
        """
        if not why.strip():
            raise CaseError("a reason (why) is required for every access to case records")
        own = Scope(principal.user_id, principal.organisation)
        with self._tx() as session:
            if not any(
                decide(principal, action, own).allowed
                for action in (Action.CASE_READ, Action.CASE_READ_PSEUDONYMOUS)
            ):
                raise _Refusal(principal, "link.lookup", "", why, "no role that may see cases")
            rows = (
                session.execute(
                    select(Case)
                    .join(CaseLink, CaseLink.case_id == Case.id)
                    .where(CaseLink.pseudonym == token)
                )
                .scalars()
                .unique()
            )
            found = [
                c.id
                for c in rows
                if decide(
                    principal, Action.CASE_READ_PSEUDONYMOUS, Scope(c.owner_id, c.organisation)
                ).allowed
                or decide(principal, Action.CASE_READ, Scope(c.owner_id, c.organisation)).allowed
            ]
            self._log(session, principal, "link.lookup", "", why, f"{len(found)} cases")
            return sorted(found)

    @staticmethod
    def _links(session: Session, case_id: str) -> tuple[tuple[str, str], ...]:
        rows = session.scalars(select(CaseLink).where(CaseLink.case_id == case_id))
        return tuple(sorted((r.kind, r.pseudonym) for r in rows))

    def _referrals(self, session: Session, case_id: str) -> tuple[ReferralInfo, ...]:
        rows = session.scalars(
            select(Referral).where(Referral.case_id == case_id).order_by(Referral.sent_at)
        )
        return tuple(
            ReferralInfo(
                r.id,
                r.service_id,
                r.consent_id,
                r.reason,
                r.status,
                _aware(r.sent_at),
                _aware(r.responded_at) if r.responded_at else None,
                _aware(r.completed_at) if r.completed_at else None,
            )
            for r in rows
        )

    def _consents(self, session: Session, case_id: str) -> tuple[ConsentInfo, ...]:
        now = self._now()
        rows = session.scalars(
            select(Consent).where(Consent.case_id == case_id).order_by(Consent.granted_at)
        )
        return tuple(
            ConsentInfo(
                c.id,
                c.purpose,
                c.recipient_organisation_id,
                _aware(c.granted_at),
                _aware(c.expires_at) if c.expires_at else None,
                _aware(c.revoked_at) if c.revoked_at else None,
                _consent_valid(c, now),
            )
            for c in rows
        )

    # ---- erasure, keys, audit, aggregates -------------------------------------------------

    def erase(self, principal: Principal, case_id: str, *, why: str, reclaim: bool = True) -> None:
        """Crypto-shred a case: destroy its data key, so its sealed fields can never be opened.

        Coded (non-personal) fields stay for statistics; the erasure itself is audited. Then
        (unless ``reclaim`` is False, for a batch that reclaims once at its end) the storage the
        destroyed key occupied is reclaimed: see :meth:`reclaim_key_storage`.
        """
        with self._tx() as session:
            case = self._case(session, case_id)
            self._destroy_key(session, principal, case, why, "data key destroyed")
        if reclaim:
            self.reclaim_key_storage()

    def _destroy_key(
        self, session: Session, principal: Principal, case: Case, why: str, detail: str
    ) -> None:
        self._authorize(principal, Action.CASE_ERASE, why, case)
        row = session.get(DataKey, case.id)
        if row is None or row.wrapped is None:
            raise RecordErased(f"case {case.id} is already erased")
        row.wrapped = None
        row.key_id = None
        row.destroyed_at = self._now()
        case.erased_at = row.destroyed_at
        self._log(session, principal, Action.CASE_ERASE, case.id, why, detail)

    def reclaim_key_storage(self) -> bool:
        """Make the database forget destroyed keys' bytes (VACUUM; see :mod:`.db`).

        False when the database could not be vacuumed now (busy): the erasure itself stands.
        """
        return reclaim_key_storage(self.engine)

    def now(self) -> datetime:
        """The store's clock (UTC), which retention periods are measured against."""
        return self._now()

    def retention_due(
        self, principal: Principal, closed_before: datetime, *, why: str
    ) -> list[str]:
        """Ids of the principal's organisation's cases closed (Closed, ClosedReferred) since
        before ``closed_before`` and not yet erased; needs ``retention.apply``, audited."""
        with self._tx() as session:
            self._authorize(principal, Action.RETENTION_APPLY, why)
            due = session.scalars(
                select(Case.id)
                .where(
                    Case.organisation == principal.organisation,
                    Case.status.in_(CLOSED_STATUSES),
                    Case.erased_at.is_(None),
                    Case.status_changed_at <= _aware(closed_before),
                )
                .order_by(Case.status_changed_at, Case.id)
            ).all()
            self._log(session, principal, "retention.list", "", why, f"{len(due)} cases due")
            return list(due)

    def erase_for_retention(
        self, principal: Principal, case_id: str, closed_before: datetime, *, why: str
    ) -> bool:
        """Shred one case for retention, if it is still closed since before ``closed_before``
        (checked again in the erasing transaction: a case reopened meanwhile is kept). Audited
        as ``case.erase`` with the detail ``retention``. No reclaim: the caller does it once."""
        with self._tx() as session:
            self._authorize(principal, Action.RETENTION_APPLY, why)
            case = self._case(session, case_id)
            changed = case.status_changed_at
            if (
                case.erased_at is not None
                or case.status not in CLOSED_STATUSES
                or changed is None
                or _aware(changed) > _aware(closed_before)
            ):
                return False
            self._destroy_key(session, principal, case, why, "retention")
            return True

    def rotate_keys(self, principal: Principal, *, why: str, batch_size: int = 200) -> int:
        """Re-wrap every data key not under the active master key; returns how many.

        Each batch commits on its own, and reads use each row's own key id, so the store stays
        usable during rotation as long as readers hold both keys.
        """
        with self._tx() as session:
            self._authorize(principal, Action.KEYS_ROTATE, why)
        total = 0
        while True:
            with self._tx() as session:
                rows = session.scalars(
                    select(DataKey)
                    .where(DataKey.wrapped.is_not(None), DataKey.key_id != self.keyring.active)
                    .limit(batch_size)
                    .with_for_update()
                ).all()
                for row in rows:
                    assert row.key_id is not None and row.wrapped is not None
                    data_key = crypto.unwrap(self.keyring, row.record_id, row.key_id, row.wrapped)
                    row.key_id, row.wrapped = crypto.wrap(self.keyring, row.record_id, data_key)
                total += len(rows)
                if not rows:
                    self._log(
                        session,
                        principal,
                        Action.KEYS_ROTATE,
                        "",
                        why,
                        f"{total} data keys now under {self.keyring.active}",
                    )
                    return total

    def keys_in_use(self) -> dict[str, int]:
        """Master key id -> number of live data keys wrapped under it (to know when to drop one)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(DataKey.key_id, func.count())
                .where(DataKey.wrapped.is_not(None))
                .group_by(DataKey.key_id)
            )
            return {str(key_id): int(count) for key_id, count in rows}

    def verify_audit(
        self, principal: Principal, *, why: str, expected_head: str | None = None
    ) -> audit.Verification:
        """Check the audit chain (admins); the check is itself audited after it ran."""
        with self._tx() as session:
            self._authorize(principal, Action.AUDIT_VERIFY, why)
            result = audit.verify(session, expected_head)
        with self._tx() as session:
            self._log(
                session,
                principal,
                Action.AUDIT_VERIFY,
                "",
                why,
                "intact" if result.ok else f"broken at {result.first_bad_seq}",
            )
        return result

    def aggregates(
        self, principal: Principal, dimension: str, *, why: str, k: int = DEFAULT_K
    ) -> list[AggregateCell]:
        """Case counts by one dimension with every cell below ``k`` suppressed (count None).

        Multiselect dimensions count a case once per value. The suppressed total is not
        published, so a suppressed cell cannot be recovered by subtraction from a total.
        """
        if dimension not in AGGREGATE_DIMENSIONS:
            raise CaseError(f"unknown dimension {dimension!r}")
        if k < 2:
            raise CaseError("k must be at least 2")
        with self._tx() as session:
            self._authorize(principal, Action.AGGREGATES_READ, why)
            counts: Counter[str] = Counter()
            for case in session.scalars(select(Case)):
                counts.update(_dimension_values(case, dimension))
            self._log(session, principal, Action.AGGREGATES_READ, "", why, f"{dimension} k={k}")
        return [
            AggregateCell(value, count if count >= k else None)
            for value, count in sorted(counts.items())
        ]


def _field_names(fields: Iterable[str] | None, known: frozenset[str], what: str) -> frozenset[str]:
    """The fields an update writes: all when None; refuses unknown names and an empty set."""
    if fields is None:
        return known
    names = frozenset(fields)
    unknown = sorted(names - known)
    if unknown or not names:
        raise CaseError(f"{what} fields that cannot be updated: {unknown or 'none chosen'}")
    return names


def _write_detail(what: str, names: frozenset[str]) -> str:
    """The audit detail of an update: the field names written (never their values)."""
    everything = PERSON_ALL if what == "person" else CONTEXT_ALL
    return what if names == everything else f"{what}: {','.join(sorted(names))}"


def _opt(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)


def _consent_valid(consent: Consent, now: datetime) -> bool:
    if consent.revoked_at is not None:
        return False
    return consent.expires_at is None or _aware(consent.expires_at) > now


def _dimension_values(case: Case, dimension: str) -> list[str]:
    """The values one case contributes to a dimension ('unknown' when not recorded)."""
    single: dict[str, str | None] = {
        "year": str(case.opened_on.year),
        "gender": case.gender,
        "age_band": case.age_band,
        "relationship_to_trafficker": case.relationship_to_trafficker,
    }
    if dimension in single:
        return [single[dimension] or "unknown"]
    multi = {
        "citizenship": case.citizenship,
        "exploitation_type": case.exploitation_types,
        "control_method": case.control_methods,
    }[dimension]
    return list(multi) or ["unknown"]
