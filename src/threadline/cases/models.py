"""Tables of the case records (SQLAlchemy 2, typed). Personal fields are ``LargeBinary`` ciphertext.

Column names follow HTCDS where a field maps onto it (the comment names the HTCDS field). Ids
are random UUIDs made in Python, so ciphertexts can be bound to their row before insert.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    """A random record id (no meaning, safe to show)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Declarative base of the case tables (prefixed ``cr_`` to share a database safely)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class DataKey(Base):
    """One record's data key, wrapped by a master key; NULL ``wrapped`` means shredded."""

    __tablename__ = "cr_data_keys"
    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str | None] = mapped_column(String(64))
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Organisation(Base):
    """An organisation of the directory (org_ fields)."""

    __tablename__ = "cr_organisations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))  # org_Name
    org_type: Mapped[str] = mapped_column(String(64))  # org_Type
    country: Mapped[str | None] = mapped_column(String(2))  # org_ShippingCountry
    phone: Mapped[str | None] = mapped_column(String(64))  # org_Phone


class Service(Base):
    """A service an organisation offers, for referrals."""

    __tablename__ = "cr_services"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("cr_organisations.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(32), index=True)
    languages: Mapped[list[str]] = mapped_column(default=list)
    eligibility: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")


class Case(Base):
    """A case (cas_) with the victim case context (vic_) and the person (prs_) inline.

    The case id is also the record id of the data key: shredding it erases every personal field
    of the case, its person, account, comments, perpetrators and plan.
    """

    __tablename__ = "cr_cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)  # cas_CaseOwner
    status: Mapped[str] = mapped_column(String(32))  # cas_Status
    opened_on: Mapped[date] = mapped_column(Date)
    # When ``status`` last changed (the retention period of a closed case runs from it).
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # person: encrypted
    given_name: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_FirstName
    family_name: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_SecondName
    birth_date: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_Birthdate
    email: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_Email
    phone: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_MobilePhone
    identity_number: Mapped[bytes | None] = mapped_column(LargeBinary)  # prs_IdentityNumber
    # person: coded, kept in clear for aggregates (coarse, no direct identifier)
    gender: Mapped[str | None] = mapped_column(String(32))  # prs_Gender
    age_band: Mapped[str | None] = mapped_column(String(16))
    citizenship: Mapped[list[str]] = mapped_column(default=list)  # prs_Citizenship
    primary_language: Mapped[str | None] = mapped_column(String(8))  # prs_PrimaryLanguage
    # victim case context (vic_): picklist codes
    trafficking_status: Mapped[str | None] = mapped_column(String(64))
    relationship_to_trafficker: Mapped[str | None] = mapped_column(String(32))
    recruitment_methods: Mapped[list[str]] = mapped_column(default=list)
    recruitment_apps: Mapped[list[str]] = mapped_column(default=list)
    control_methods: Mapped[list[str]] = mapped_column(default=list)
    exploitation_types: Mapped[list[str]] = mapped_column(default=list)
    exploitation_apps: Mapped[list[str]] = mapped_column(default=list)
    recruitment_country: Mapped[str | None] = mapped_column(String(2))
    exploitation_country: Mapped[str | None] = mapped_column(String(2))
    vulnerability_notes: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted


class Account(Base):
    """The survivor's own account, recorded once (unique per case) and encrypted."""

    __tablename__ = "cr_accounts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), unique=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Perpetrator(Base):
    """A perpetrator in the case (per_): roles coded, name and details encrypted."""

    __tablename__ = "cr_perpetrators"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(default=list)  # per_RoleInProcess
    name: Mapped[bytes | None] = mapped_column(LargeBinary)
    details: Mapped[bytes | None] = mapped_column(LargeBinary)  # per_RoleDetails


class SupportPlan(Base):
    """A support plan item (spl_)."""

    __tablename__ = "cr_support_plans"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    plan_type: Mapped[str] = mapped_column(String(64))  # spl_Type
    objectives: Mapped[bytes | None] = mapped_column(LargeBinary)  # spl_Objectives
    planned_end: Mapped[date | None] = mapped_column(Date)  # spl_PlannedEndDate
    actual_end: Mapped[date | None] = mapped_column(Date)  # spl_ActualEndDate
    # Directory services the item relies on (ids of cr_services; no personal data).
    service_ids: Mapped[list[str]] = mapped_column(default=list, nullable=True)


class Comment(Base):
    """A case comment (cco_CaseComment), encrypted."""

    __tablename__ = "cr_comments"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    author_id: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


class Consent(Base):
    """Consent for one purpose and one recipient organisation, with expiry and revocation."""

    __tablename__ = "cr_consents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    recipient_organisation_id: Mapped[str] = mapped_column(ForeignKey("cr_organisations.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))


class Referral(Base):
    """An outgoing referral (cas_Referred*) to a directory service, under a consent."""

    __tablename__ = "cr_referrals"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("cr_services.id"))
    consent_id: Mapped[str] = mapped_column(ForeignKey("cr_consents.id"))
    reason: Mapped[str] = mapped_column(String(64))  # cas_ReasonForOutgoingReferral
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # cas_OutgoingReferralDate
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Share(Base):
    """What was shared, with whom, under which consent (field names, never values)."""

    __tablename__ = "cr_shares"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("cr_consents.id"))
    recipient_organisation_id: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(default=list)
    shared_by: Mapped[str] = mapped_column(String(64))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseLink(Base):
    """A pseudonymous link from a case to an identifier or network of an analysis workspace."""

    __tablename__ = "cr_case_links"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cr_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    pseudonym: Mapped[str] = mapped_column(String(64), index=True)


class AuditEntry(Base):
    """One audit entry; ``hash`` covers every column and the previous entry's hash."""

    __tablename__ = "cr_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
