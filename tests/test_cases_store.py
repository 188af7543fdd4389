"""Case store end to end on SQLite (and PostgreSQL when THREADLINE_TEST_PG_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

import test_cases_fixtures as fx
from test_cases_fixtures import (
    ADMIN,
    ANALYST,
    CASEWORKER,
    FOREIGN_SUPERVISOR,
    OTHER_CASEWORKER,
    PLANTED_NAME,
    RESEARCHER,
    SUPERVISOR,
    Env,
    context,
    person,
    raw_storage,
)
from threadline.cases import crypto
from threadline.cases.errors import (
    AccessDenied,
    CaseError,
    ConsentRequired,
    InvalidState,
    MasterKeyError,
    NotFound,
    RecordErased,
    VocabularyError,
)
from threadline.cases.models import AuditEntry, Case, DataKey, Share
from threadline.cases.policy import Action
from threadline.cases.store import CaseContext, CaseStore, PersonInput, age_band

env = fx.env
ACCOUNT = "Synthetic account: I answered an advert for work abroad, Kelvorrin took my passport."


def _new_case(env: Env, who: fx.Principal = CASEWORKER, given: str = PLANTED_NAME) -> str:
    return env.store.create_case(who, person(given), context(), why="intake")


def _directory(env: Env) -> tuple[str, str]:
    org = env.store.add_organisation(ADMIN, name="Harbour House", org_type="NGO", why="dir")
    service = env.store.add_service(
        ADMIN, org, service_type="shelter", languages=["ro", "en"], why="dir", contact="desk"
    )
    return org, service


def _audit(env: Env) -> list[AuditEntry]:
    with Session(env.store.engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


# ---- encryption at rest --------------------------------------------------------------------


def test_no_personal_field_is_readable_in_raw_storage(env: Env) -> None:
    case_id = _new_case(env)
    env.store.record_account(CASEWORKER, case_id, ACCOUNT, why="intake interview")
    env.store.add_comment(CASEWORKER, case_id, f"Called {PLANTED_NAME} back", why="follow-up")
    env.store.add_perpetrator(
        CASEWORKER, case_id, roles=["RecruiterOrIntermediary"], name="Kelvorrin", why="intake"
    )
    env.store.add_support_plan(
        CASEWORKER, case_id, plan_type="Legal", objectives="Synthetic objective", why="plan"
    )
    raw = raw_storage(env)
    for secret in (
        PLANTED_NAME,
        "Qorvath",
        "X-SYN-0042",
        "+15550100999",
        "Kelvorrin",
        "passport",
        "Synthetic objective",
        "2001-05-17",
        "losing work",
    ):
        assert secret.encode() not in raw, secret
    # positive control: the grep does see plain, coded values in the same storage
    assert b"SexualExploitation" in raw and b"DebtBondage" in raw
    view = env.store.read_case(CASEWORKER, case_id, why="review")
    assert view.person.given_name == PLANTED_NAME
    assert view.account == ACCOUNT
    assert view.comments[0][2] == f"Called {PLANTED_NAME} back"
    assert view.perpetrators == ((("RecruiterOrIntermediary",), "Kelvorrin", None),)
    assert view.support_plans[0][:2] == ("Legal", "Synthetic objective")
    assert view.context.vulnerability_notes == context().vulnerability_notes


def test_wrong_master_key_fails_closed(env: Env) -> None:
    case_id = _new_case(env)
    stranger = CaseStore(env.store.engine, crypto.new_keyring())  # same key id "k1", other bytes
    with pytest.raises(MasterKeyError):
        stranger.read_case(CASEWORKER, case_id, why="review")
    other_id = CaseStore(env.store.engine, crypto.new_keyring("k9"))
    with pytest.raises(MasterKeyError, match="not available"):
        other_id.read_case(CASEWORKER, case_id, why="review")


def test_ciphertext_moved_to_another_field_does_not_decrypt(env: Env) -> None:
    case_id = _new_case(env)
    with Session(env.store.engine) as session, session.begin():
        case = session.get(Case, case_id)
        assert case is not None
        case.given_name = case.identity_number
    with pytest.raises(MasterKeyError, match="tampered or moved"):
        env.store.read_case(CASEWORKER, case_id, why="review")


def test_data_key_moved_to_another_record_does_not_unwrap(env: Env) -> None:
    first, second = _new_case(env), _new_case(env, given="Ilvanna")
    with Session(env.store.engine) as session, session.begin():
        key_first = session.get(DataKey, first)
        key_second = session.get(DataKey, second)
        assert key_first is not None and key_second is not None
        key_second.wrapped = key_first.wrapped
    with pytest.raises(MasterKeyError):
        env.store.read_case(CASEWORKER, second, why="review")


# ---- rotation ------------------------------------------------------------------------------


def test_rotation_rewraps_every_key_and_keeps_records_readable(env: Env) -> None:
    ids = [_new_case(env, given=f"Syn{i}") for i in range(5)]
    rotated_ring = env.ring.with_new_active("k2")
    during = CaseStore(env.store.engine, rotated_ring, clock=env.clock)
    ids.append(during.create_case(CASEWORKER, person("Synmixed"), context(), why="intake"))
    # mixed state: old and new key ids both in use, both readable with the two-key ring
    assert during.keys_in_use() == {"k1": 5, "k2": 1}
    assert during.read_case(CASEWORKER, ids[0], why="r").person.given_name == "Syn0"
    assert during.rotate_keys(ADMIN, why="scheduled", batch_size=2) == 5
    assert during.keys_in_use() == {"k2": 6}
    after = CaseStore(env.store.engine, rotated_ring.without("k1"))
    names = [after.read_case(CASEWORKER, i, why="r").person.given_name for i in ids]
    assert names == ["Syn0", "Syn1", "Syn2", "Syn3", "Syn4", "Synmixed"]
    with pytest.raises(MasterKeyError):  # the old key alone opens nothing any more
        env.store.read_case(CASEWORKER, ids[0], why="r")
    assert during.rotate_keys(ADMIN, why="again") == 0
    assert [e.action for e in _audit(env)].count("keys.rotate") == 2


def test_rotation_is_admin_only_and_refusal_is_audited(env: Env) -> None:
    _new_case(env)
    with pytest.raises(AccessDenied):
        env.store.rotate_keys(SUPERVISOR, why="try")
    last = _audit(env)[-1]
    assert (last.action, last.outcome, last.actor) == ("keys.rotate", "denied", SUPERVISOR.user_id)
    assert env.store.keys_in_use() == {"k1": 1}


def test_active_key_cannot_be_dropped() -> None:
    ring = crypto.new_keyring()
    with pytest.raises(MasterKeyError):
        ring.without(ring.active)


# ---- crypto-shredding ----------------------------------------------------------------------


def test_erasure_destroys_one_record_and_leaves_others(env: Env) -> None:
    gone, kept = _new_case(env), _new_case(env, given="Ilvanna")
    env.store.record_account(CASEWORKER, gone, ACCOUNT, why="intake")
    with pytest.raises(AccessDenied):
        env.store.erase(CASEWORKER, gone, why="asked")  # caseworkers cannot erase
    env.store.erase(SUPERVISOR, gone, why="survivor asked for erasure")
    with pytest.raises(RecordErased):
        env.store.read_case(SUPERVISOR, gone, why="check")
    with pytest.raises(RecordErased):
        env.store.add_comment(CASEWORKER, gone, "more", why="note")
    with pytest.raises(RecordErased):
        env.store.erase(SUPERVISOR, gone, why="twice")
    assert env.store.read_case(CASEWORKER, kept, why="r").person.given_name == "Ilvanna"
    assert env.store.read_pseudonymous(ANALYST, gone, why="stats").erased
    with Session(env.store.engine) as session:
        key = session.get(DataKey, gone)
        assert key is not None and key.wrapped is None and key.destroyed_at is not None
        sealed = session.get(Case, gone)
        assert sealed is not None and sealed.given_name is not None  # ciphertext stays ...
    # ... but no key in the ring opens it: the record's key is gone, not just hidden
    with pytest.raises(MasterKeyError):
        crypto.decrypt_field(
            crypto.new_data_key(), crypto.field_aad("case", gone, "given_name"), sealed.given_name
        )
    entries = [(e.action, e.outcome, e.record_id) for e in _audit(env)]
    assert ("case.erase", "allowed", gone) in entries
    assert ("case.erase", "denied", gone) in entries
    assert env.store.verify_audit(ADMIN, why="check").ok


def test_sqlite_file_keeps_no_copy_of_a_destroyed_key(env: Env) -> None:
    if env.store.engine.dialect.name != "sqlite":
        pytest.skip("file-level check")
    case_id = _new_case(env)
    with Session(env.store.engine) as session:
        row = session.get(DataKey, case_id)
        assert row is not None and row.wrapped is not None
        wrapped = row.wrapped
    assert wrapped in raw_storage(env)
    env.store.erase(SUPERVISOR, case_id, why="asked")
    assert wrapped not in raw_storage(env)  # secure_delete overwrote the freed bytes


# ---- access by role ------------------------------------------------------------------------


def test_caseworker_sees_own_caseload_only(env: Env) -> None:
    mine, theirs = _new_case(env), _new_case(env, OTHER_CASEWORKER, "Ilvanna")
    assert env.store.caseload(CASEWORKER, why="desk") == [mine]
    assert sorted(env.store.caseload(SUPERVISOR, why="desk")) == sorted([mine, theirs])
    assert env.store.caseload(FOREIGN_SUPERVISOR, why="desk") == []
    with pytest.raises(AccessDenied):
        env.store.read_case(CASEWORKER, theirs, why="curious")
    with pytest.raises(AccessDenied):
        env.store.add_comment(CASEWORKER, theirs, "x", why="note")
    env.store.reassign(SUPERVISOR, theirs, CASEWORKER.user_id, why="cover leave")
    assert env.store.read_case(CASEWORKER, theirs, why="now mine").owner_id == CASEWORKER.user_id
    with pytest.raises(AccessDenied):
        env.store.reassign(CASEWORKER, mine, OTHER_CASEWORKER.user_id, why="swap")


@pytest.mark.parametrize(
    ("principal", "operation", "allowed"),
    [
        (CASEWORKER, "read", True),
        (OTHER_CASEWORKER, "read", False),
        (SUPERVISOR, "read", True),
        (FOREIGN_SUPERVISOR, "read", False),
        (ANALYST, "read", False),
        (RESEARCHER, "read", False),
        (ADMIN, "read", False),
        (ANALYST, "pseudonymous", True),
        (SUPERVISOR, "pseudonymous", True),
        (RESEARCHER, "pseudonymous", False),
        (CASEWORKER, "pseudonymous", False),
        (CASEWORKER, "status", True),
        (ANALYST, "status", False),
        (RESEARCHER, "aggregates", True),
        (ANALYST, "aggregates", True),
        (CASEWORKER, "aggregates", False),
        (ADMIN, "erase", True),
        (ANALYST, "erase", False),
        (FOREIGN_SUPERVISOR, "erase", False),
        (ADMIN, "verify", True),
        (SUPERVISOR, "verify", False),
        (ANALYST, "create", False),
        (RESEARCHER, "directory", False),
        (CASEWORKER, "directory", True),
    ],
)
def test_each_role_is_allowed_or_refused_and_refusals_are_audited(
    env: Env, principal: fx.Principal, operation: str, allowed: bool
) -> None:
    case_id = _new_case(env)
    operations: dict[str, Callable[[], object]] = {
        "read": lambda: env.store.read_case(principal, case_id, why="w"),
        "pseudonymous": lambda: env.store.read_pseudonymous(principal, case_id, why="w"),
        "status": lambda: env.store.set_status(principal, case_id, "FollowUp", why="w"),
        "aggregates": lambda: env.store.aggregates(principal, "gender", why="w"),
        "erase": lambda: env.store.erase(principal, case_id, why="w"),
        "verify": lambda: env.store.verify_audit(principal, why="w"),
        "create": lambda: env.store.create_case(principal, person(), context(), why="w"),
        "directory": lambda: env.store.find_services(principal, why="w"),
    }
    before = len(_audit(env))
    if allowed:
        operations[operation]()
        assert all(e.outcome == "allowed" for e in _audit(env)[before:])
    else:
        with pytest.raises(AccessDenied):
            operations[operation]()
        new = _audit(env)[before:]
        assert [(e.outcome, e.actor) for e in new] == [("denied", principal.user_id)]
    assert env.store.verify_audit(ADMIN, why="check").ok


def test_analyst_view_holds_no_personal_field(env: Env) -> None:
    case_id = _new_case(env)
    view = env.store.read_pseudonymous(ANALYST, case_id, why="network review")
    shown = repr(view)
    for secret in (PLANTED_NAME, "Qorvath", "X-SYN-0042", "example.org", "losing work"):
        assert secret not in shown
    assert view.context.control_methods == ("DebtBondage", "WithholdsDocuments")
    assert (view.year, view.age_band, view.gender) == (2026, "24-26", "Feminine")


def test_unknown_role_and_missing_reason_are_refused(env: Env) -> None:
    case_id = _new_case(env)
    with pytest.raises(AccessDenied):
        env.store.read_case(fx.Principal("x", frozenset({"root"}), fx.ORG), case_id, why="w")
    with pytest.raises(CaseError, match="reason"):
        env.store.read_case(CASEWORKER, case_id, why="  ")
    with pytest.raises(NotFound):
        env.store.read_case(CASEWORKER, "nope", why="w")


# ---- vocabulary ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "what"),
    [
        (PersonInput(gender="Female"), CaseContext()),
        (PersonInput(citizenship=("Moldova",)), CaseContext()),
        (PersonInput(), CaseContext(control_methods=("Debt bondage",))),
        (PersonInput(), CaseContext(exploitation_types=("Trafficking",))),
        (PersonInput(), CaseContext(recruitment_apps=("MySpace",))),
        (PersonInput(), CaseContext(relationship_to_trafficker="Friend")),
        (PersonInput(), CaseContext(exploitation_country="de")),
    ],
)
def test_values_outside_the_htcds_picklists_are_rejected(
    env: Env, who: PersonInput, what: CaseContext
) -> None:
    with pytest.raises(VocabularyError):
        env.store.create_case(CASEWORKER, who, what, why="intake")
    assert env.store.caseload(SUPERVISOR, why="w") == []


def test_status_plan_and_perpetrator_codes_are_checked(env: Env) -> None:
    case_id = _new_case(env)
    with pytest.raises(VocabularyError):
        env.store.set_status(CASEWORKER, case_id, "Open", why="w")
    with pytest.raises(VocabularyError):
        env.store.add_support_plan(CASEWORKER, case_id, plan_type="Housing", why="w")
    with pytest.raises(VocabularyError):
        env.store.add_perpetrator(CASEWORKER, case_id, roles=["Pimp"], why="w")
    env.store.set_status(CASEWORKER, case_id, "ClosedReferred", why="w")
    assert env.store.read_case(CASEWORKER, case_id, why="w").status == "ClosedReferred"


def test_status_change_time_is_kept_only_for_real_changes(env: Env) -> None:
    case_id = _new_case(env)

    def changed_at() -> object:
        with Session(env.store.engine) as session:
            case = session.get(Case, case_id)
            assert case is not None and case.status_changed_at is not None
            return case.status_changed_at.replace(tzinfo=None)

    opened = env.clock.now.replace(tzinfo=None)
    assert changed_at() == opened
    env.clock.advance(days=3)
    env.store.set_status(CASEWORKER, case_id, "Active", why="same status")
    assert changed_at() == opened
    env.store.set_status(CASEWORKER, case_id, "Closed", why="closed")
    assert changed_at() == env.clock.now.replace(tzinfo=None)
    with pytest.raises(AccessDenied):
        env.store.set_status(OTHER_CASEWORKER, case_id, "Active", why="w")
    assert env.store.read_case(CASEWORKER, case_id, why="w").status == "Closed"


def test_support_plans_name_existing_directory_services(env: Env) -> None:
    case_id = _new_case(env)
    _, service = _directory(env)
    with pytest.raises(NotFound, match="no service"):
        env.store.add_support_plan(
            CASEWORKER, case_id, plan_type="Legal", services=[service, "nope"], why="plan"
        )
    env.store.add_support_plan(
        CASEWORKER, case_id, plan_type="Legal", services=[service, service], why="plan"
    )
    env.store.add_support_plan(CASEWORKER, case_id, plan_type="Health", why="plan")
    plans = env.store.read_case(CASEWORKER, case_id, why="w").support_plans
    assert sorted((p[0], p[3]) for p in plans) == [("Health", ()), ("Legal", (service,))]


def test_age_band_follows_ctdc_bands() -> None:
    assert age_band(date(2010, 6, 1), date(2026, 5, 31)) == "9-17"
    assert age_band(date(2008, 6, 1), date(2026, 6, 1)) == "18-20"
    assert age_band(date(1970, 1, 1), date(2026, 1, 1)) == "48+"


# ---- the account, once ---------------------------------------------------------------------


def test_account_is_recorded_once(env: Env) -> None:
    case_id = _new_case(env)
    with pytest.raises(CaseError):
        env.store.record_account(CASEWORKER, case_id, "   ", why="w")
    env.store.record_account(CASEWORKER, case_id, ACCOUNT, why="intake interview")
    with pytest.raises(InvalidState, match="already recorded"):
        env.store.record_account(SUPERVISOR, case_id, "a second telling", why="w")
    assert env.store.read_case(SUPERVISOR, case_id, why="w").account == ACCOUNT


# ---- consent, referrals, sharing -----------------------------------------------------------


def test_referral_needs_valid_consent_for_that_organisation(env: Env) -> None:
    case_id = _new_case(env)
    org, service = _directory(env)
    other_org = env.store.add_organisation(
        ADMIN, name="Elsewhere", org_type="LegalService", why="d"
    )
    found = env.store.find_services(CASEWORKER, service_type="shelter", language="ro", why="w")
    assert [s.id for s in found] == [service]
    assert env.store.find_services(CASEWORKER, language="fr", why="w") == []

    def refer() -> str:
        return env.store.refer(
            CASEWORKER, case_id, service, reason="AdditionalServicesRequired", why="shelter"
        )

    with pytest.raises(ConsentRequired):
        refer()
    assert _audit(env)[-1].outcome == "denied"
    env.store.grant_consent(
        CASEWORKER, case_id, purpose="referral", recipient_organisation_id=other_org, why="w"
    )
    env.store.grant_consent(
        CASEWORKER, case_id, purpose="case_transfer", recipient_organisation_id=org, why="w"
    )
    with pytest.raises(ConsentRequired):  # wrong organisation, wrong purpose
        refer()
    consent = env.store.grant_consent(
        CASEWORKER,
        case_id,
        purpose="referral",
        recipient_organisation_id=org,
        expires_at=env.clock.now + timedelta(days=30),
        why="survivor agreed",
    )
    referral = refer()
    env.clock.advance(days=31)
    with pytest.raises(ConsentRequired):  # expired
        refer()
    view = env.store.read_case(CASEWORKER, case_id, why="w")
    assert [r.consent_id for r in view.referrals] == [consent]
    assert {c.id: c.valid for c in view.consents}[consent] is False
    # the answer to the earlier referral can still be recorded
    env.store.update_referral(CASEWORKER, referral, "accepted", why="shelter replied")
    with pytest.raises(InvalidState):
        env.store.update_referral(CASEWORKER, referral, "declined", why="w")
    env.store.update_referral(CASEWORKER, referral, "completed", why="stay ended")
    done = env.store.read_case(CASEWORKER, case_id, why="w").referrals[0]
    assert done.status == "completed" and done.responded_at and done.completed_at


def test_revoked_consent_blocks_referral_and_share(env: Env) -> None:
    case_id = _new_case(env)
    org, service = _directory(env)
    consent = env.store.grant_consent(
        CASEWORKER, case_id, purpose="referral", recipient_organisation_id=org, why="w"
    )
    env.store.revoke_consent(CASEWORKER, consent, why="survivor withdrew")
    with pytest.raises(ConsentRequired):
        env.store.refer(CASEWORKER, case_id, service, reason="Other", why="w")
    with pytest.raises(ConsentRequired):
        env.store.share(CASEWORKER, case_id, org, ["given_name"], why="w", purpose="referral")
    with pytest.raises(InvalidState):
        env.store.grant_consent(
            CASEWORKER,
            case_id,
            purpose="referral",
            recipient_organisation_id=org,
            expires_at=env.clock.now - timedelta(seconds=1),
            why="w",
        )
    with pytest.raises(VocabularyError):
        env.store.grant_consent(
            CASEWORKER, case_id, purpose="marketing", recipient_organisation_id=org, why="w"
        )


def test_share_records_what_was_shared_under_which_consent(env: Env) -> None:
    case_id = _new_case(env)
    env.store.record_account(CASEWORKER, case_id, ACCOUNT, why="intake")
    org, _ = _directory(env)
    consent = env.store.grant_consent(
        CASEWORKER, case_id, purpose="case_transfer", recipient_organisation_id=org, why="w"
    )
    with pytest.raises(CaseError):
        env.store.share(CASEWORKER, case_id, org, ["password"], why="w")
    with pytest.raises(AccessDenied):
        env.store.share(OTHER_CASEWORKER, case_id, org, ["given_name"], why="w")
    shared = env.store.share(
        CASEWORKER, case_id, org, ["account", "given_name", "gender"], why="moving city"
    )
    assert shared.consent_id == consent
    assert shared.fields == {"account": ACCOUNT, "gender": "Feminine", "given_name": PLANTED_NAME}
    assert env.store.shares(CASEWORKER, case_id, why="w") == [
        (consent, org, ["account", "gender", "given_name"])
    ]
    with Session(env.store.engine) as session:
        assert session.scalars(select(Share.fields)).all() == [["account", "gender", "given_name"]]
    assert PLANTED_NAME.encode() not in raw_storage(env)


# ---- pseudonymous links --------------------------------------------------------------------


def test_links_store_only_pseudonyms(env: Env) -> None:
    case_id = _new_case(env)
    phone = "+15550107777"
    token = env.store.link_identifier(CASEWORKER, case_id, "phone", phone, why="recruiter's phone")
    assert token == crypto.pseudonym(env.ring.pseudonym_key, "phone", phone)
    assert token != crypto.pseudonym(crypto.new_keyring().pseudonym_key, "phone", phone)
    assert phone.encode() not in raw_storage(env)
    assert env.store.cases_linked_to(ANALYST, token, why="network match") == [case_id]
    assert env.store.cases_linked_to(FOREIGN_SUPERVISOR, token, why="w") == []
    assert env.store.read_pseudonymous(ANALYST, case_id, why="w").links == (("phone", token),)
    with pytest.raises(AccessDenied):
        env.store.link_identifier(ANALYST, case_id, "phone", phone, why="w")


def test_a_typed_value_links_as_its_canonical_form(env: Env) -> None:
    case_id = _new_case(env)
    spaced = env.store.link_identifier(CASEWORKER, case_id, "phone", " +40 712 345 678 ", why="w")
    assert spaced == env.store.pseudonym("phone", "+40712345678")
    national = env.store.link_identifier(
        CASEWORKER, case_id, "phone", "(202) 555-0107", why="w", region="US"
    )
    assert national == env.store.pseudonym("phone", "+12025550107")
    email = env.store.link_identifier(CASEWORKER, case_id, "email", "A.Name@Example.ORG", why="w")
    assert email == env.store.pseudonym("email", "a.name@example.org")
    assert b"712 345" not in raw_storage(env) and b"Example.ORG" not in raw_storage(env)


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        ("phone", "+40 712 345 678", "+40712345678"),
        ("handle", "kik:honey_vi", "kik:honey_vi"),
        ("payment", "$cashtag", "cashapp:cashtag"),
        ("network", "  nw-4ab478378cd8b9eb ", "nw-4ab478378cd8b9eb"),
        ("phone", "call +40 712 345 678 now", "call +40 712 345 678 now"),  # more than a phone
        ("email", "not an email", "not an email"),
        ("phone", "+40 712 345 678 / +40 712 345 679", "+40 712 345 678 / +40 712 345 679"),
    ],
)
def test_canonical_value_reads_one_identifier_or_keeps_the_value(
    kind: str, typed: str, expected: str
) -> None:
    from threadline.cases.store import canonical_value

    assert canonical_value(kind, typed) == expected


def test_a_link_is_kept_once_and_an_erased_case_takes_none(env: Env) -> None:
    case_id = _new_case(env)
    phone = "+15550107777"
    first = env.store.link_identifier(CASEWORKER, case_id, "phone", phone, why="her phone")
    again = env.store.link_identifier(CASEWORKER, case_id, "phone", phone, why="her phone")
    assert first == again
    assert env.store.read_pseudonymous(ANALYST, case_id, why="w").links == (("phone", first),)
    with Session(env.store.engine) as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == Action.LINK_WRITE.value)
        ).all()
    assert details == ["phone link", "phone link (already linked)"]
    env.store.erase(SUPERVISOR, case_id, why="survivor asked")
    with pytest.raises(RecordErased):
        env.store.link_identifier(CASEWORKER, case_id, "email", "a@example.org", why="w")
    assert env.store.read_pseudonymous(ANALYST, case_id, why="w").links == (("phone", first),)


# ---- aggregates ----------------------------------------------------------------------------


def test_aggregates_suppress_every_cell_below_k(env: Env) -> None:
    for i in range(12):
        _new_case(env, given=f"Syn{i}")
    for _ in range(3):
        env.store.create_case(
            CASEWORKER,
            PersonInput(gender="Masculine", citizenship=("UA",)),
            CaseContext(exploitation_types=("ForcedLabour",)),
            why="intake",
        )
    cells = {c.value: c.count for c in env.store.aggregates(RESEARCHER, "gender", why="w")}
    assert cells == {"Feminine": 12, "Masculine": None}
    loose = env.store.aggregates(RESEARCHER, "exploitation_type", why="w", k=3)
    assert {c.value: c.count for c in loose} == {"ForcedLabour": 3, "SexualExploitation": 12}
    for dimension in ("year", "age_band", "citizenship", "control_method"):
        for cell in env.store.aggregates(RESEARCHER, dimension, why="w"):
            assert cell.count is None or cell.count >= 11
    with pytest.raises(CaseError):
        env.store.aggregates(RESEARCHER, "name", why="w")
    with pytest.raises(CaseError):
        env.store.aggregates(RESEARCHER, "gender", why="w", k=1)


# ---- audit on the store --------------------------------------------------------------------


def test_every_personal_data_access_is_audited_with_reason(env: Env) -> None:
    case_id = _new_case(env)
    env.store.read_case(CASEWORKER, case_id, why="prepare court letter")
    entries = _audit(env)
    assert [(e.action, e.record_id, e.purpose) for e in entries] == [
        ("case.create", case_id, "intake"),
        ("case.read", case_id, "prepare court letter"),
    ]
    assert PLANTED_NAME not in "".join(e.detail + e.purpose for e in entries)


def test_edited_audit_row_is_detected_through_the_store(env: Env) -> None:
    case_id = _new_case(env)
    env.store.read_case(CASEWORKER, case_id, why="review")
    fx.drop_append_only_guard(env.store.engine)
    with Session(env.store.engine) as session, session.begin():
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone"))
    result = env.store.verify_audit(ADMIN, why="check")
    assert (result.ok, result.first_bad_seq) == (False, 2)
    with env.store.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM cr_audit")).scalar_one() == 3


def test_updates_reseal_person_and_context(env: Env) -> None:
    case_id = _new_case(env)
    env.store.update_person(
        CASEWORKER, case_id, PersonInput(given_name="Ilvanna", gender="Masculine"), why="fix"
    )
    env.store.update_context(
        CASEWORKER, case_id, CaseContext(exploitation_types=("ForcedBegging",)), why="fix"
    )
    view = env.store.read_case(CASEWORKER, case_id, why="w")
    assert (view.person.given_name, view.person.family_name, view.age_band) == (
        "Ilvanna",
        None,
        None,
    )
    assert view.context.exploitation_types == ("ForcedBegging",)
    with pytest.raises(AccessDenied):
        env.store.update_person(ANALYST, case_id, PersonInput(), why="w")
    token = env.store.link_network(CASEWORKER, case_id, "net-42", why="same network")
    assert token == env.store.pseudonym("network", "net-42")
    assert b"net-42" not in raw_storage(env)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name_tail=st.text(min_size=5, max_size=40), account_tail=st.text(max_size=200))
def test_any_text_round_trips_and_never_reaches_storage(
    tmp_path_factory: pytest.TempPathFactory, name_tail: str, account_tail: str
) -> None:
    # a distinctive prefix, so a match in raw storage cannot be chance (e.g. a run of zeros)
    given_name, account = "Zyx" + name_tail, "Qvw account: " + account_tail
    path = tmp_path_factory.mktemp("prop") / "c.sqlite"
    made = fx.make_env(str(path), path)
    case_id = made.store.create_case(
        CASEWORKER, PersonInput(given_name=given_name), CaseContext(), why="intake"
    )
    made.store.record_account(CASEWORKER, case_id, account, why="intake")
    view = made.store.read_case(CASEWORKER, case_id, why="w")
    assert (view.person.given_name, view.account) == (given_name, account)
    raw = raw_storage(made)
    assert given_name.encode() not in raw and account.encode() not in raw


# ---- the caseload summary (lists) ----------------------------------------------------------


def test_caseload_summary_is_one_audit_entry_and_opens_only_given_names(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _new_case(env)
    env.clock.advance(hours=1)
    second = _new_case(env, given="Wexlorin")
    colleague = _new_case(env, OTHER_CASEWORKER, given="Ombrelle")
    env.clock.advance(hours=1)
    env.store.set_status(CASEWORKER, first, "FollowUp", why="called")
    opened: list[tuple[str, str]] = []
    real_open = CaseStore._open

    def spy(key: bytes, table: str, row_id: str, name: str, sealed: bytes | None) -> str | None:
        opened.append((table, name))
        return real_open(key, table, row_id, name, sealed)

    monkeypatch.setattr(CaseStore, "_open", staticmethod(spy))
    before = len(_audit(env))
    listed = env.store.caseload_summary(CASEWORKER, why="weekly review")
    entries = _audit(env)[before:]
    assert [(e.action, e.purpose, e.outcome) for e in entries] == [
        ("case.list", "weekly review", "allowed")
    ]
    assert entries[0].detail == "2 cases, given names of 2"
    assert set(opened) == {("case", "given_name")} and len(opened) == 2
    # newest status change first; names only, no other personal field
    assert [(s.id, s.given_name, s.status) for s in listed] == [
        (first, PLANTED_NAME, "FollowUp"),
        (second, "Wexlorin", "Active"),
    ]
    assert listed[0].status_changed_at == env.clock.now
    assert listed[1].opened_on == env.clock.now.date() and listed[1].owner_id == "cw-ana"
    assert colleague not in {s.id for s in listed}
    # a second listing is a second entry (one per listing, never one per case)
    env.store.caseload_summary(SUPERVISOR, why="supervision")
    assert len(_audit(env)) == before + 2
    assert {s.id for s in env.store.caseload_summary(SUPERVISOR, why="s")} == {
        first,
        second,
        colleague,
    }


def test_caseload_summary_gives_an_analyst_no_names(env: Env) -> None:
    case_id = _new_case(env)
    opened_before = len(_audit(env))
    listed = env.store.caseload_summary(ANALYST, why="network analysis")
    assert [(s.id, s.given_name, s.status) for s in listed] == [(case_id, None, "Active")]
    assert _audit(env)[opened_before].detail == "1 cases, given names of 0"
    assert env.store.caseload_summary(RESEARCHER, why="w") == []
    assert env.store.caseload_summary(FOREIGN_SUPERVISOR, why="w") == []
    with pytest.raises(CaseError, match="reason"):
        env.store.caseload_summary(CASEWORKER, why="  ")


def test_caseload_summary_lists_an_erased_case_without_its_name(env: Env) -> None:
    erased = _new_case(env)
    kept = _new_case(env, given="Wexlorin")
    env.store.erase(SUPERVISOR, erased, why="survivor asked")
    listed = {s.id: s for s in env.store.caseload_summary(CASEWORKER, why="w")}
    assert (listed[erased].erased, listed[erased].given_name) == (True, None)
    assert (listed[kept].erased, listed[kept].given_name) == (False, "Wexlorin")


def test_permits_asks_the_policy_on_the_real_case(env: Env) -> None:
    case_id = _new_case(env)
    before = len(_audit(env))
    assert env.store.permits(SUPERVISOR, Action.CASE_REASSIGN, case_id)
    assert not env.store.permits(CASEWORKER, Action.CASE_REASSIGN, case_id)
    assert env.store.permits(CASEWORKER, Action.CASE_WRITE, case_id)
    assert not env.store.permits(OTHER_CASEWORKER, Action.CASE_WRITE, case_id)
    assert not env.store.permits(FOREIGN_SUPERVISOR, Action.CASE_ERASE, case_id)
    assert len(_audit(env)) == before  # a question, not an access
    with pytest.raises(NotFound):
        env.store.permits(SUPERVISOR, Action.CASE_ERASE, "f" * 32)


def test_partial_updates_keep_the_other_fields(env: Env) -> None:
    case_id = _new_case(env)
    env.store.update_person(
        CASEWORKER,
        case_id,
        PersonInput(phone="+15550100000", birth_date=date(1990, 1, 2)),
        why="new phone",
        fields=["phone", "birth_date"],
    )
    env.store.update_context(
        CASEWORKER,
        case_id,
        CaseContext(control_methods=("TakesEarnings",)),
        why="more detail",
        fields=["control_methods"],
    )
    view = env.store.read_case(CASEWORKER, case_id, why="w")
    assert (view.person.given_name, view.person.family_name) == (PLANTED_NAME, "Qorvath")
    assert view.person.phone == "+15550100000" and view.person.gender == "Feminine"
    assert view.age_band == "30-38"
    assert view.context.control_methods == ("TakesEarnings",)
    assert view.context.exploitation_types == ("SexualExploitation",)
    assert view.context.vulnerability_notes == context().vulnerability_notes
    details = [e.detail for e in _audit(env) if e.action == "case.write"]
    assert details == ["person: birth_date,phone", "context: control_methods"]
    with pytest.raises(CaseError, match="cannot be updated"):
        env.store.update_person(CASEWORKER, case_id, PersonInput(), why="w", fields=["ssn"])
    with pytest.raises(CaseError, match="none chosen"):
        env.store.update_context(CASEWORKER, case_id, CaseContext(), why="w", fields=[])
    with pytest.raises(VocabularyError):
        env.store.update_context(
            CASEWORKER, case_id, CaseContext(control_methods=("Nope",)), why="w", fields=None
        )


def test_partial_field_names_are_the_dataclasses_fields() -> None:
    from dataclasses import fields

    from threadline.cases.store import CONTEXT_ALL, PERSON_ALL

    assert {f.name for f in fields(PersonInput)} == PERSON_ALL
    assert {f.name for f in fields(CaseContext)} == CONTEXT_ALL


def test_link_lookup_is_refused_to_roles_that_see_no_case(env: Env) -> None:
    case_id = _new_case(env)
    token = env.store.link_identifier(CASEWORKER, case_id, "email", "x@example.org", why="ad")
    assert env.store.cases_linked_to(CASEWORKER, token, why="w") == [case_id]
    assert env.store.cases_linked_to(OTHER_CASEWORKER, token, why="w") == []
    assert env.store.cases_linked_to(SUPERVISOR, "0" * 64, why="w") == []
    for who in (RESEARCHER, ADMIN):
        with pytest.raises(AccessDenied):
            env.store.cases_linked_to(who, token, why="curious")
        last = _audit(env)[-1]
        assert (last.actor, last.action, last.outcome) == (who.user_id, "link.lookup", "denied")
