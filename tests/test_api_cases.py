"""``/v1/cases`` against the real app: accounts and case records in SQLite files, TestClient.

Synthetic people only. Every refusal must be the store's own (and in its audit log); the
router only maps errors to statuses.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_cases_fixtures import ADMIN, PLANTED_NAME, Clock
from threadline.accounts import AccountStore, Principal
from threadline.api import create_app
from threadline.cases import crypto
from threadline.cases.models import AuditEntry
from threadline.cases.policy import Action, Role, Scope, decide
from threadline.cases.policy import Principal as CasePrincipal
from threadline.cases.store import CaseStore
from threadline.errors import SettingsError
from threadline.web.auth import SESSION_COOKIE

ROOT = Path(__file__).resolve().parents[1]
NORTH, SOUTH = "org-north", "org-south"
USERS = {
    "cw-ana": ("caseworker", NORTH),
    "cw-ben": ("caseworker", NORTH),
    "sup-cleo": ("supervisor", NORTH),
    "an-dev": ("analyst", NORTH),
    "rs-eve": ("researcher", NORTH),
    "ad-fay": ("admin", NORTH),
    "cw-gus": ("caseworker", SOUTH),
}
PURPOSE = {"X-Purpose": "intake"}
NEW_CASE: dict[str, Any] = {
    "person": {
        "given_name": PLANTED_NAME,
        "family_name": "Qorvath",
        "birth_date": "2001-05-17",
        "gender": "Feminine",
        "citizenship": ["MD"],
        "primary_language": "ro",
    },
    "context": {
        "control_methods": ["DebtBondage"],
        "exploitation_types": ["SexualExploitation"],
        "vulnerability_notes": "Synthetic note: lost work.",
    },
}


@dataclass
class World:
    app: FastAPI
    accounts: AccountStore
    cases: CaseStore
    clock: Clock
    clients: dict[str, TestClient]

    def __getitem__(self, user: str) -> TestClient:
        return self.clients[user]

    def audit(self) -> list[AuditEntry]:
        with Session(self.cases.engine) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    def new_case(self, user: str = "cw-ana", **extra: Any) -> str:
        answer = self[user].post("/v1/cases", json={**NEW_CASE, **extra}, headers=PURPOSE)
        assert answer.status_code == 201, answer.text
        case_id: str = answer.json()["id"]
        return case_id


@pytest.fixture(scope="module")
def users_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The users, made once (password hashing is slow on purpose); each test gets a copy."""
    path = tmp_path_factory.mktemp("users") / "app.sqlite"
    accounts = AccountStore(path)
    for name, (role, org) in USERS.items():
        accounts.add_user(name, "viewer", case_role=role, organisation=org)
    accounts.add_user("vi-no", "analyst")  # a web user without access to case records
    accounts.close()
    return path


@pytest.fixture
def world(tmp_path: Path, users_db: Path) -> Iterator[World]:
    shutil.copy(users_db, tmp_path / "app.sqlite")
    accounts = AccountStore(tmp_path / "app.sqlite")
    clock = Clock()
    cases = CaseStore.open(str(tmp_path / "cases.sqlite"), crypto.new_keyring(), clock=clock)
    app = create_app(accounts=accounts, cases=cases, rate_burst=10_000)
    clients: dict[str, TestClient] = {}
    for name in [*USERS, "vi-no"]:
        session = accounts.start_session(Principal(name, "viewer", "user", name))
        clients[name] = TestClient(app, cookies={SESSION_COOKIE: session.cookie})
    yield World(app, accounts, cases, clock, clients)
    cases.engine.dispose()
    accounts.close()


def _directory(world: World) -> tuple[str, str]:
    org = world.cases.add_organisation(ADMIN, name="Harbour House", org_type="NGO", why="dir")
    service = world.cases.add_service(
        ADMIN, org, service_type="shelter", languages=["ro", "en"], why="dir", contact="desk"
    )
    return org, service


# ---- happy paths per role --------------------------------------------------------------------


def test_caseworker_opens_reads_comments_and_records_the_account(world: World) -> None:
    ana = world["cw-ana"]
    case_id = world.new_case()
    assert ana.get("/v1/cases", headers={"X-Purpose": "my caseload"}).json() == {"cases": [case_id]}
    comment = ana.post(
        f"/v1/cases/{case_id}/comments", json={"text": "Called back", "why": "follow-up"}
    )
    assert comment.status_code == 201 and comment.json()["id"]
    told = ana.post(
        f"/v1/cases/{case_id}/account",
        json={"text": "Synthetic account."},
        headers={"X-Purpose": "intake interview"},
    )
    assert told.status_code == 201
    again = ana.post(f"/v1/cases/{case_id}/account", json={"text": "again", "why": "w"})
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    view = ana.get(f"/v1/cases/{case_id}", params={"why": "review"})
    assert view.status_code == 200, view.text
    case = view.json()
    assert case["view"] == "clear" and case["person"]["given_name"] == PLANTED_NAME
    assert case["person"]["birth_date"] == "2001-05-17" and case["age_band"] == "24-26"
    assert case["account"] == "Synthetic account."
    assert [c["text"] for c in case["comments"]] == ["Called back"]
    assert case["context"]["vulnerability_notes"] == "Synthetic note: lost work."
    entries = [(e.actor, e.action, e.purpose, e.outcome) for e in world.audit()]
    assert ("cw-ana", "case.create", "intake", "allowed") in entries
    assert ("cw-ana", "case.read", "review", "allowed") in entries
    assert ("cw-ana", "case.write", "follow-up", "allowed") in entries


def test_supervisor_reads_the_organisations_cases_clear_or_pseudonymous(world: World) -> None:
    case_id = world.new_case("cw-ana")
    other = world.new_case("cw-ben")
    cleo = world["sup-cleo"]
    assert set(cleo.get("/v1/cases", headers=PURPOSE).json()["cases"]) == {case_id, other}
    clear = cleo.get(f"/v1/cases/{case_id}", headers={"X-Purpose": "supervision"}).json()
    assert clear["view"] == "clear" and clear["owner_id"] == "cw-ana"
    pseudo = cleo.get(
        f"/v1/cases/{case_id}", params={"view": "pseudonymous"}, headers=PURPOSE
    ).json()
    assert pseudo["view"] == "pseudonymous" and "person" not in pseudo
    # a supervisor may open a case for one of the team
    assigned = world.new_case("sup-cleo", owner_id="cw-ben")
    assert world["cw-ben"].get(f"/v1/cases/{assigned}", headers=PURPOSE).status_code == 200


def test_analyst_sees_a_pseudonymous_view_only(world: World) -> None:
    case_id = world.new_case()
    dev = world["an-dev"]
    view = dev.get(f"/v1/cases/{case_id}", headers={"X-Purpose": "network analysis"})
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["view"] == "pseudonymous" and body["gender"] == "Feminine"
    assert body["context"]["vulnerability_notes"] is None
    assert PLANTED_NAME not in view.text and "Synthetic note" not in view.text
    clear = dev.get(f"/v1/cases/{case_id}", params={"view": "clear"}, headers=PURPOSE)
    assert clear.status_code == 403 and PLANTED_NAME not in clear.text
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == ("an-dev", "case.read", "denied")
    assert dev.get("/v1/cases", headers=PURPOSE).json() == {"cases": []}


def test_researcher_gets_k_anonymous_aggregates_only(world: World) -> None:
    ids = [world.new_case() for _ in range(3)]
    eve = world["rs-eve"]
    counts = eve.get(
        "/v1/cases/aggregates/gender", params={"k": 3}, headers={"X-Purpose": "annual report"}
    )
    assert counts.status_code == 200, counts.text
    assert counts.json() == {
        "dimension": "gender",
        "k": 3,
        "cells": [{"value": "Feminine", "count": 3}],
    }
    strict = eve.get("/v1/cases/aggregates/gender", headers=PURPOSE).json()
    assert strict["k"] == 11 and strict["cells"] == [{"value": "Feminine", "count": None}]
    refused = eve.get(f"/v1/cases/{ids[0]}", headers=PURPOSE)
    assert refused.status_code == 403
    assert world.audit()[-1].outcome == "denied"
    caseworker = world["cw-ana"].get("/v1/cases/aggregates/gender", headers=PURPOSE)
    assert caseworker.status_code == 403 and "aggregates.read" in caseworker.json()["detail"]


def test_admin_may_search_the_directory_but_not_read_cases(world: World) -> None:
    case_id = world.new_case()
    _, service = _directory(world)
    fay = world["ad-fay"]
    assert fay.get(f"/v1/cases/{case_id}", headers=PURPOSE).status_code == 403
    found = fay.get(
        "/v1/cases/directory/services",
        params={"service_type": "shelter", "language": "ro"},
        headers={"X-Purpose": "directory check"},
    )
    assert found.status_code == 200 and [s["id"] for s in found.json()["services"]] == [service]
    none = world["cw-ana"].get(
        "/v1/cases/directory/services", params={"language": "fr"}, headers=PURPOSE
    )
    assert none.json() == {"services": []}
    assert world["rs-eve"].get("/v1/cases/directory/services", headers=PURPOSE).status_code == 403


# ---- refusals ----------------------------------------------------------------------------------


def test_caseworkers_cannot_read_other_caseloads_or_organisations(world: World) -> None:
    case_id = world.new_case("cw-ana")
    foreign = world["cw-gus"].get(f"/v1/cases/{case_id}", headers={"X-Purpose": "curious"})
    assert foreign.status_code == 403 and PLANTED_NAME not in foreign.text
    assert "another organisation" in foreign.json()["detail"]
    denied = world.audit()[-1]
    assert (denied.actor, denied.organisation, denied.outcome, denied.purpose) == (
        "cw-gus",
        SOUTH,
        "denied",
        "curious",
    )
    assert world["cw-gus"].get("/v1/cases", headers=PURPOSE).json() == {"cases": []}
    colleague = world["cw-ben"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert colleague.status_code == 403 and PLANTED_NAME not in colleague.text
    comment = world["cw-ben"].post(f"/v1/cases/{case_id}/comments", json={"text": "x", "why": "w"})
    assert comment.status_code == 403
    assert [e.outcome for e in world.audit()[-2:]] == ["denied", "denied"]


def test_accounts_without_a_case_role_and_api_tokens_are_refused(world: World) -> None:
    case_id = world.new_case()
    plain = world["vi-no"]
    for answer in (
        plain.get("/v1/cases", headers=PURPOSE),
        plain.get(f"/v1/cases/{case_id}", headers=PURPOSE),
        plain.post("/v1/cases", json=NEW_CASE, headers=PURPOSE),
    ):
        assert answer.status_code == 403 and "no case role" in answer.json()["detail"]
    _, secret = world.accounts.create_token("platform", "admin")
    token = TestClient(world.app).get(
        "/v1/cases", headers={**PURPOSE, "Authorization": f"Bearer {secret}"}
    )
    assert token.status_code == 403 and "token has no case role" in token.json()["detail"]
    assert TestClient(world.app).get("/v1/cases", headers=PURPOSE).status_code == 401
    refusals = [e for e in world.accounts.audit() if e.action == "cases.refused"]
    assert len(refusals) == 4 and refusals[-1].actor == "user:vi-no"
    assert refusals[0].actor == "token:platform"  # newest first
    # a disabled user loses the case role with the session
    world.accounts.disable_user("cw-ana")
    assert world["cw-ana"].get("/v1/cases", headers=PURPOSE).status_code == 401


def _bearer(world: World, secret: str) -> TestClient:
    return TestClient(world.app, headers={"Authorization": f"Bearer {secret}"})


def test_a_token_with_a_case_role_acts_as_that_role_until_revoked(world: World) -> None:
    token_id, secret = world.accounts.create_token(
        "intake-app", "viewer", case_role="caseworker", organisation=NORTH
    )
    client = _bearer(world, secret)
    created = client.post("/v1/cases", json={**NEW_CASE, "why": "intake"})
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert client.get("/v1/cases", headers=PURPOSE).json() == {"cases": [case_id]}
    view = client.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()
    # the token owns what it opened, under its id: never a user's name
    assert view["owner_id"] == f"token:{token_id}" and view["person"]["given_name"] == PLANTED_NAME
    ana_case = world.new_case("cw-ana")
    assert client.get(f"/v1/cases/{ana_case}", headers=PURPOSE).status_code == 403
    assert world.audit()[-1].actor == f"token:{token_id}"
    assert world.audit()[-1].outcome == "denied"
    # a token named like a user gets none of that user's cases
    _, lookalike = world.accounts.create_token(
        "cw-ana", "viewer", case_role="caseworker", organisation=NORTH
    )
    assert _bearer(world, lookalike).get("/v1/cases", headers=PURPOSE).json() == {"cases": []}
    # revoked from another process (the CLI): the bearer cache still knows the token for a
    # moment, but the case records refuse it at once
    AccountStore(world.accounts.url).revoke_token(token_id)
    refused = client.get("/v1/cases", headers=PURPOSE)
    assert refused.status_code == 403 and "no case role" in refused.json()["detail"]
    # revoked by the serving process itself: the token is unknown at once
    other_id, other = world.accounts.create_token(
        "analysis", "viewer", case_role="analyst", organisation=NORTH
    )
    analyst = _bearer(world, other)
    pseudo = analyst.get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert pseudo.status_code == 200 and pseudo.json()["view"] == "pseudonymous"
    world.accounts.revoke_token(other_id)
    assert analyst.get(f"/v1/cases/{case_id}", headers=PURPOSE).status_code == 401


def test_a_changed_case_role_applies_to_the_next_request(world: World) -> None:
    theirs = world.new_case("cw-ben")
    ana = world["cw-ana"]
    assert ana.get(f"/v1/cases/{theirs}", headers=PURPOSE).status_code == 403
    world.accounts.set_case_role("cw-ana", "supervisor", NORTH)  # same session, new role
    assert ana.get(f"/v1/cases/{theirs}", headers=PURPOSE).status_code == 200
    assert theirs in ana.get("/v1/cases", headers=PURPOSE).json()["cases"]
    world.accounts.set_case_role("cw-ana", "caseworker", SOUTH)
    foreign = ana.get(f"/v1/cases/{theirs}", headers=PURPOSE)
    assert foreign.status_code == 403 and "another organisation" in foreign.json()["detail"]
    world.accounts.set_case_role("cw-ana", None, None)
    gone = ana.get("/v1/cases", headers=PURPOSE)
    assert gone.status_code == 403 and "no case role" in gone.json()["detail"]
    changes = [e.detail for e in world.accounts.audit() if e.action == "user.case_role"]
    assert changes[0] == "case role cleared" and len(changes) == 3


def test_signing_in_through_the_form_gives_the_case_role(world: World) -> None:
    password = world.accounts.add_user(
        "cw-ida", "viewer", case_role="caseworker", organisation=NORTH
    )
    client = TestClient(world.app)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    signed = client.post(
        "/login",
        data={"name": "cw-ida", "password": password, "csrf": csrf.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    created = client.post("/v1/cases", json={"why": "intake"})
    assert created.status_code == 201
    assert client.get("/v1/cases", headers=PURPOSE).json() == {"cases": [created.json()["id"]]}


# ---- consent, referrals, sharing ---------------------------------------------------------------


def test_referrals_need_a_valid_consent_and_follow_their_steps(world: World) -> None:
    case_id = world.new_case()
    org, service = _directory(world)
    ana = world["cw-ana"]
    referral: dict[str, Any] = {
        "service_id": service,
        "reason": "AdditionalServicesRequired",
        "why": "needs a shelter",
    }
    refused = ana.post(f"/v1/cases/{case_id}/referrals", json=referral)
    assert refused.status_code == 403 and "consent" in refused.json()["detail"]
    assert (world.audit()[-1].action, world.audit()[-1].outcome) == ("referral.write", "denied")
    expires = (world.clock.now + timedelta(days=1)).isoformat()
    consent = ana.post(
        f"/v1/cases/{case_id}/consents",
        json={
            "purpose": "referral",
            "recipient_organisation_id": org,
            "expires_at": expires,
            "why": "survivor agreed",
        },
    )
    assert consent.status_code == 201, consent.text
    sent = ana.post(f"/v1/cases/{case_id}/referrals", json=referral)
    assert sent.status_code == 201, sent.text
    referral_id = sent.json()["id"]
    patch = f"/v1/cases/referrals/{referral_id}"
    assert ana.patch(patch, json={"status": "accepted", "why": "reply"}).status_code == 204
    wrong_step = ana.patch(patch, json={"status": "declined", "why": "reply"})
    assert wrong_step.status_code == 409 and "cannot become" in wrong_step.json()["detail"]
    assert ana.patch(patch, json={"status": "completed", "why": "stay ended"}).status_code == 204
    assert world["cw-gus"].patch(patch, json={"status": "completed", "why": "x"}).status_code == 403
    world.clock.advance(days=2)
    expired = ana.post(f"/v1/cases/{case_id}/referrals", json=referral)
    assert expired.status_code == 403 and "consent" in expired.json()["detail"]
    case = ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()
    assert [r["status"] for r in case["referrals"]] == ["completed"]
    assert [(c["id"], c["valid"]) for c in case["consents"]] == [(consent.json()["id"], False)]


def test_sharing_follows_consent_and_revocation_blocks_it(world: World) -> None:
    case_id = world.new_case()
    org, _ = _directory(world)
    ana = world["cw-ana"]
    share: dict[str, Any] = {
        "recipient_organisation_id": org,
        "fields": ["given_name", "birth_date", "context"],
        "why": "transfer to shelter",
    }
    assert ana.post(f"/v1/cases/{case_id}/shares", json=share).status_code == 403
    consent = ana.post(
        f"/v1/cases/{case_id}/consents",
        json={"purpose": "case_transfer", "recipient_organisation_id": org},
        headers={"X-Purpose": "survivor agreed"},
    ).json()["id"]
    shared = ana.post(f"/v1/cases/{case_id}/shares", json=share)
    assert shared.status_code == 200, shared.text
    body = shared.json()
    assert body["consent_id"] == consent and body["fields"]["given_name"] == PLANTED_NAME
    assert body["fields"]["birth_date"] == "2001-05-17"
    assert body["fields"]["context"]["control_methods"] == ["DebtBondage"]
    revoke = ana.post(
        f"/v1/cases/consents/{consent}/revoke", headers={"X-Purpose": "survivor withdrew"}
    )
    assert revoke.status_code == 204
    again = ana.post(f"/v1/cases/{case_id}/shares", json=share)
    assert again.status_code == 403 and "consent" in again.json()["detail"]
    last = world.audit()[-1]
    assert (last.action, last.outcome) == ("case.share", "denied")
    assert PLANTED_NAME not in "".join(e.detail + e.purpose for e in world.audit())


# ---- directory, status, owner, perpetrators, plans, links, erasure ------------------------------


def _refused(world: World, answer: Any, actor: str, action: str) -> None:
    """A 403 whose refusal the store itself audited (last entry of its chain)."""
    assert answer.status_code == 403, answer.text
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == (actor, action, "denied")


def test_directory_writes(world: World) -> None:
    fay, cleo = world["ad-fay"], world["sup-cleo"]
    org = fay.post(
        "/v1/cases/directory/organisations",
        json={"name": "Harbour House", "org_type": "NGO", "country": "RO", "why": "directory"},
    )
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    services = f"/v1/cases/directory/organisations/{org_id}/services"
    service = cleo.post(
        services,
        json={"service_type": "shelter", "languages": ["ro"], "contact": "desk"},
        headers={"X-Purpose": "directory"},
    )
    assert service.status_code == 201, service.text
    found = world["cw-ana"].get("/v1/cases/directory/services", headers=PURPOSE).json()
    assert [(s["id"], s["organisation_id"]) for s in found["services"]] == [
        (service.json()["id"], org_id)
    ]
    assert ("ad-fay", "directory.write", "allowed") in [
        (e.actor, e.action, e.outcome) for e in world.audit()
    ]
    new_org = {"name": "X", "org_type": "NGO", "why": "w"}
    _refused(
        world,
        world["cw-ana"].post("/v1/cases/directory/organisations", json=new_org),
        "cw-ana",
        "directory.write",
    )
    _refused(
        world,
        world["an-dev"].post(services, json={"service_type": "medical", "why": "w"}),
        "an-dev",
        "directory.write",
    )
    for bad in (
        {**new_org, "org_type": "Charity"},
        {**new_org, "country": "Romania"},
        {**new_org, "name": ""},
        {**new_org, "extra": 1},
        {"name": "X", "org_type": "NGO"},  # no purpose
    ):
        answer = fay.post("/v1/cases/directory/organisations", json=bad)
        assert answer.status_code == 422, bad
    assert fay.post(services, json={"service_type": "spa", "why": "w"}).status_code == 422
    unknown = fay.post(
        "/v1/cases/directory/organisations/nope/services",
        json={"service_type": "shelter", "why": "w"},
    )
    assert unknown.status_code == 404 and "no organisation" in unknown.json()["detail"]


def test_status_changes_and_reassignment(world: World) -> None:
    case_id = world.new_case()
    ana, cleo = world["cw-ana"], world["sup-cleo"]
    status = f"/v1/cases/{case_id}/status"
    assert ana.put(status, json={"status": "FollowUp", "why": "called"}).status_code == 204
    assert ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["status"] == "FollowUp"
    _refused(
        world,
        world["cw-ben"].put(status, json={"status": "Closed", "why": "w"}),
        "cw-ben",
        "case.write",
    )
    _refused(
        world, world["an-dev"].put(status, json={"status": "Closed", "why": "w"}), "an-dev",
        "case.write",
    )  # fmt: skip
    bad = ana.put(status, json={"status": "Finished", "why": "w"})
    assert bad.status_code == 422 and "Finished" in bad.json()["detail"]
    assert ana.put(status, json={"status": "Closed"}).status_code == 422  # no purpose
    assert (
        ana.put("/v1/cases/nope/status", json={"status": "Closed", "why": "w"}).status_code == 404
    )

    owner = f"/v1/cases/{case_id}/owner"
    moved = cleo.put(owner, json={"owner_id": "cw-ben", "why": "leave cover"})
    assert moved.status_code == 204
    assert world["cw-ben"].get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["owner_id"] == (
        "cw-ben"
    )
    assert ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).status_code == 403
    _refused(
        world, world["cw-ben"].put(owner, json={"owner_id": "cw-ben", "why": "w"}), "cw-ben",
        "case.reassign",
    )  # fmt: skip
    assert cleo.put(owner, json={"owner_id": "", "why": "w"}).status_code == 422
    assert cleo.put(owner, json={"owner_id": "x" * 65, "why": "w"}).status_code == 422
    assert cleo.put("/v1/cases/nope/owner", json={"owner_id": "a", "why": "w"}).status_code == 404


def test_perpetrators_and_support_plans_with_services(world: World) -> None:
    case_id = world.new_case()
    _, service = _directory(world)
    ana = world["cw-ana"]
    perpetrators = f"/v1/cases/{case_id}/perpetrators"
    added = ana.post(
        perpetrators,
        json={"roles": ["RecruiterOrIntermediary"], "name": "Kelvorrin", "why": "intake"},
    )
    assert added.status_code == 201, added.text
    plans = f"/v1/cases/{case_id}/support-plans"
    plan = ana.post(
        plans,
        json={
            "plan_type": "Legal",
            "objectives": "Synthetic objective",
            "planned_end": "2026-09-01",
            "services": [service],
            "why": "plan",
        },
    )
    assert plan.status_code == 201, plan.text
    case = ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()
    assert case["perpetrators"] == [
        {"roles": ["RecruiterOrIntermediary"], "name": "Kelvorrin", "details": None}
    ]
    assert case["support_plans"] == [
        {
            "plan_type": "Legal",
            "objectives": "Synthetic objective",
            "planned_end": "2026-09-01",
            "services": [service],
        }
    ]
    pseudo = world["an-dev"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert "Kelvorrin" not in pseudo.text and "Synthetic objective" not in pseudo.text
    perpetrator = {"roles": ["Exploiter"], "why": "w"}
    _refused(world, world["cw-ben"].post(perpetrators, json=perpetrator), "cw-ben", "case.write")
    _refused(
        world,
        world["rs-eve"].post(plans, json={"plan_type": "Legal", "why": "w"}),
        "rs-eve",
        "case.write",
    )
    assert ana.post(perpetrators, json={"roles": ["Boss"], "why": "w"}).status_code == 422
    assert ana.post(perpetrators, json={"roles": [], "why": "w"}).status_code == 422
    assert ana.post(plans, json={"plan_type": "Spa", "why": "w"}).status_code == 422
    assert (
        ana.post(plans, json={"plan_type": "Legal", "planned_end": "soon", "why": "w"}).status_code
        == 422
    )
    assert ana.post("/v1/cases/nope/perpetrators", json=perpetrator).status_code == 404
    unknown = ana.post("/v1/cases/nope/support-plans", json={"plan_type": "Legal", "why": "w"})
    assert unknown.status_code == 404 and "no case" in unknown.json()["detail"]
    no_service = ana.post(plans, json={"plan_type": "Legal", "services": ["nope"], "why": "w"})
    assert no_service.status_code == 404 and "no service" in no_service.json()["detail"]
    assert len(ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["support_plans"]) == 1


def test_links_store_and_return_only_the_pseudonym(world: World) -> None:
    case_id = world.new_case()
    ana = world["cw-ana"]
    links = f"/v1/cases/{case_id}/links"
    phone = "+12125550123"
    linked = ana.post(links, json={"kind": "phone", "canonical": phone, "why": "seen in an ad"})
    assert linked.status_code == 201, linked.text
    body = linked.json()
    assert body == {"kind": "phone", "pseudonym": world.cases.pseudonym("phone", phone)}
    assert phone not in linked.text
    network = ana.post(links, json={"kind": "network", "canonical": "net-0042", "why": "w"})
    assert network.status_code == 201 and "net-0042" not in network.text
    pseudo = world["an-dev"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert {"kind": "phone", "pseudonym": body["pseudonym"]} in pseudo.json()["links"]
    assert phone not in pseudo.text
    assert phone not in " ".join(e.detail + e.purpose for e in world.audit())
    _refused(
        world,
        world["an-dev"].post(links, json={"kind": "phone", "canonical": phone, "why": "w"}),
        "an-dev",
        "link.write",
    )
    for bad in (
        {"kind": "name", "canonical": "x", "why": "w"},
        {"kind": "phone", "canonical": "", "why": "w"},
        {"kind": "phone", "canonical": "1" * 501, "why": "w"},
        {"kind": "phone", "value": phone, "why": "w"},
    ):
        answer = ana.post(links, json=bad)
        assert answer.status_code == 422 and phone not in answer.text, bad
    unknown = ana.post(
        "/v1/cases/nope/links", json={"kind": "phone", "canonical": phone, "why": "w"}
    )
    assert unknown.status_code == 404


def test_erasure_over_http(world: World) -> None:
    case_id = world.new_case()
    kept = world.new_case("cw-ben")
    ana, cleo = world["cw-ana"], world["sup-cleo"]
    _refused(world, ana.delete(f"/v1/cases/{case_id}", headers=PURPOSE), "cw-ana", "case.erase")
    _refused(
        world,
        world["cw-gus"].delete(f"/v1/cases/{case_id}", headers=PURPOSE),
        "cw-gus",
        "case.erase",
    )
    assert cleo.delete(f"/v1/cases/{case_id}").status_code == 422  # no purpose
    assert cleo.delete(f"/v1/cases/{'f' * 32}", headers=PURPOSE).status_code == 404
    erased = cleo.delete(f"/v1/cases/{case_id}", headers={"X-Purpose": "survivor asked"})
    assert erased.status_code == 204 and erased.content == b""
    entry = [e for e in world.audit() if e.action == "case.erase" and e.outcome == "allowed"]
    assert [(e.actor, e.record_id, e.purpose) for e in entry] == [
        ("sup-cleo", case_id, "survivor asked")
    ]
    for reader in (ana, cleo):
        gone = reader.get(f"/v1/cases/{case_id}", headers=PURPOSE)
        assert gone.status_code == 410 and PLANTED_NAME not in gone.text
    again = world["ad-fay"].delete(f"/v1/cases/{case_id}", params={"why": "twice"})
    assert again.status_code == 410
    comment = ana.post(f"/v1/cases/{case_id}/comments", json={"text": "x", "why": "w"})
    assert comment.status_code == 410
    assert world["an-dev"].get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["erased"] is True
    assert world["cw-ben"].get(f"/v1/cases/{kept}", headers=PURPOSE).status_code == 200


# ---- bad input -------------------------------------------------------------------------------


def test_bad_input_is_422_unknown_records_404(world: World) -> None:
    ana = world["cw-ana"]
    missing_purpose = ana.post("/v1/cases", json=NEW_CASE)
    assert missing_purpose.status_code == 422 and "X-Purpose" in missing_purpose.json()["detail"]
    assert ana.get("/v1/cases").status_code == 422
    blank = ana.post("/v1/cases", json={**NEW_CASE, "why": "   "})
    assert blank.status_code == 422
    bad_code = ana.post(
        "/v1/cases", json={"person": {"gender": "Female"}, "why": "intake"}, headers=PURPOSE
    )
    assert bad_code.status_code == 422 and "Female" in bad_code.json()["detail"]
    extra = ana.post("/v1/cases", json={**NEW_CASE, "ssn": "1"}, headers=PURPOSE)
    assert extra.status_code == 422
    bad_date = ana.post("/v1/cases", json={"person": {"birth_date": "17/05/2001"}}, headers=PURPOSE)
    assert bad_date.status_code == 422 and "birth_date" in bad_date.text
    assert "17/05/2001" not in bad_date.text  # a 422 names the field, never echoes the value
    long_name = ana.post("/v1/cases", json={"person": {"given_name": PLANTED_NAME * 30}})
    assert long_name.status_code == 422 and PLANTED_NAME not in long_name.text
    assert (
        world.cases.caseload(CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH), why="t")
        == []
    )

    case_id = world.new_case()
    org, _ = _directory(world)
    unknown = ana.get(f"/v1/cases/{'f' * 32}", headers=PURPOSE)
    assert unknown.status_code == 404 and "no case" in unknown.json()["detail"]
    assert ana.post("/v1/cases/nope/comments", json={"text": "x", "why": "w"}).status_code == 404
    assert (
        ana.patch("/v1/cases/referrals/nope", json={"status": "accepted", "why": "w"}).status_code
        == 404
    )
    assert ana.post("/v1/cases/consents/nope/revoke", json={"why": "w"}).status_code == 404
    consent = f"/v1/cases/{case_id}/consents"
    naive = ana.post(
        consent,
        json={
            "purpose": "referral",
            "recipient_organisation_id": org,
            "expires_at": "2027-01-01T00:00:00",
            "why": "w",
        },
    )
    assert naive.status_code == 422
    marketing = ana.post(
        consent, json={"purpose": "marketing", "recipient_organisation_id": org, "why": "w"}
    )
    assert marketing.status_code == 422 and "marketing" in marketing.json()["detail"]
    nowhere = ana.post(
        consent, json={"purpose": "referral", "recipient_organisation_id": "nope", "why": "w"}
    )
    assert nowhere.status_code == 404
    fields = ana.post(
        f"/v1/cases/{case_id}/shares",
        json={"recipient_organisation_id": org, "fields": ["password"], "why": "w"},
    )
    assert fields.status_code == 422 and "cannot be shared" in fields.json()["detail"]
    status = ana.patch("/v1/cases/referrals/x", json={"status": "lost", "why": "w"})
    assert status.status_code == 422
    dimension = world["rs-eve"].get("/v1/cases/aggregates/name", headers=PURPOSE)
    assert dimension.status_code == 422 and "unknown dimension" in dimension.json()["detail"]
    assert (
        world["rs-eve"].get("/v1/cases/aggregates/gender?k=1", headers=PURPOSE).status_code == 422
    )
    empty = ana.post(f"/v1/cases/{case_id}/comments", json={"text": "", "why": "w"})
    assert empty.status_code == 422


def test_an_erased_case_is_gone_in_clear_but_counts_stay(world: World) -> None:
    case_id = world.new_case()
    world.cases.erase(
        CasePrincipal("sup-cleo", frozenset({"supervisor"}), NORTH), case_id, why="asked"
    )
    gone = world["cw-ana"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert gone.status_code == 410 and "erased" in gone.json()["detail"]
    pseudo = world["an-dev"].get(f"/v1/cases/{case_id}", headers=PURPOSE).json()
    assert pseudo["erased"] is True and pseudo["gender"] == "Feminine"


def test_no_personal_data_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = world.new_case()
    world["cw-ana"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    world["cw-gus"].get(f"/v1/cases/{case_id}", headers=PURPOSE)
    assert PLANTED_NAME not in caplog.text
    logged = " ".join(
        f"{e.actor} {e.action} {e.resource} {e.detail}" for e in world.accounts.audit()
    )
    assert PLANTED_NAME not in logged
    assert PLANTED_NAME not in " ".join(e.detail + e.purpose for e in world.audit())


# ---- the app ----------------------------------------------------------------------------------


def test_openapi_documents_the_case_endpoints(world: World) -> None:
    document = world["cw-ana"].get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/v1/cases",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/comments",
        "/v1/cases/{case_id}/account",
        "/v1/cases/{case_id}/consents",
        "/v1/cases/consents/{consent_id}/revoke",
        "/v1/cases/{case_id}/referrals",
        "/v1/cases/referrals/{referral_id}",
        "/v1/cases/{case_id}/shares",
        "/v1/cases/directory/services",
        "/v1/cases/aggregates/{dimension}",
        "/v1/cases/directory/organisations",
        "/v1/cases/directory/organisations/{organisation_id}/services",
        "/v1/cases/{case_id}/status",
        "/v1/cases/{case_id}/owner",
        "/v1/cases/{case_id}/perpetrators",
        "/v1/cases/{case_id}/support-plans",
        "/v1/cases/{case_id}/links",
        "/v1/cases/linked/{pseudonym}",
    ):
        assert path in paths, path
    assert "get" in paths["/v1/cases/{case_id}/shares"]
    assert "patch" in paths["/v1/cases/{case_id}/person"]
    assert "patch" in paths["/v1/cases/{case_id}/context"]
    assert "delete" in paths["/v1/cases/{case_id}"]
    for name in ("OrganisationIn", "ServiceIn", "StatusIn", "OwnerIn", "PerpetratorIn"):
        assert name in document["components"]["schemas"], name
    link = document["components"]["schemas"]["LinkIn"]
    assert "never stored or echoed" in link["properties"]["canonical"]["description"]
    schemas = document["components"]["schemas"]
    assert {"CaseIn", "CaseOut", "PseudonymousCaseOut", "ShareIn", "SharedOut"} <= set(schemas)
    read = paths["/v1/cases/{case_id}"]["get"]
    assert any(p["name"] == "X-Purpose" and p["in"] == "header" for p in read["parameters"])
    assert {"403", "404", "422"} <= set(read["responses"])


def test_the_router_is_there_only_with_a_case_database(tmp_path: Path) -> None:
    accounts = AccountStore(tmp_path / "app.sqlite")
    accounts.add_user("cw-ana", "viewer", case_role="caseworker", organisation=NORTH)
    session = accounts.start_session(Principal("cw-ana", "viewer", "user", "cw-ana"))
    plain = TestClient(create_app(accounts=accounts), cookies={SESSION_COOKIE: session.cookie})
    assert plain.get("/v1/cases", headers=PURPOSE).status_code == 404
    with pytest.raises(SettingsError, match="accounts"):
        create_app(cases=tmp_path / "cases.sqlite")


def test_app_from_env_serves_cases_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.api import app_from_env

    monkeypatch.setenv("THREADLINE_APP_DB", str(tmp_path / "app.sqlite"))
    monkeypatch.setenv("THREADLINE_CASES_DB", str(tmp_path / "cases.sqlite"))
    monkeypatch.setenv(crypto.KEY_ENV, crypto.dump_keyring(crypto.new_keyring()).decode())
    monkeypatch.delenv(crypto.KEY_FILE_ENV, raising=False)
    app = app_from_env()
    assert isinstance(app.state.cases, CaseStore)
    assert "/v1/cases/{case_id}" in app.openapi()["paths"]


def test_an_old_accounts_database_gains_the_case_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE users (name VARCHAR(64) PRIMARY KEY, role VARCHAR(16) NOT NULL, "
        "password_hash VARCHAR(256) NOT NULL, disabled BOOLEAN NOT NULL, "
        "created_at DATETIME NOT NULL)"
    )
    connection.execute("INSERT INTO users VALUES ('old', 'viewer', 'x', 0, '2025-01-01 00:00:00')")
    connection.commit()
    connection.close()
    store = AccountStore(path)
    assert store.case_identity("old") is None
    store.add_user("new", "viewer", case_role="supervisor", organisation=NORTH)
    assert store.case_identity("new") == ("supervisor", NORTH)
    assert [u.case_role for u in store.users()] == ["supervisor", None]


# ---- docs/privacy.md's table is the policy's ---------------------------------------------------


def policy_table() -> list[str]:
    """The role x action table of docs/privacy.md, computed from policy.decide."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        cells = []
        for role in roles:
            who = CasePrincipal("u", frozenset({role.value}), "o")
            if decide(who, action).allowed:
                cells.append("yes")
            elif decide(who, action, Scope("someone-else", "o")).allowed:
                cells.append("organisation")
            elif decide(who, action, Scope("u", "o")).allowed:
                cells.append("own cases")
            else:
                cells.append("-")
        lines.append(f"| `{action.value}` | " + " | ".join(cells) + " |")
    return lines


def test_privacy_doc_table_is_the_policy() -> None:
    text = (ROOT / "docs" / "privacy.md").read_text()
    start = text.index("<!-- policy-table:start -->")
    end = text.index("<!-- policy-table:end -->")
    documented = [line for line in text[start:end].splitlines()[1:] if line.strip()]
    assert documented == policy_table(), "\n" + "\n".join(policy_table())
    foreign = CasePrincipal("u", frozenset(r.value for r in Role), "o")
    assert not any(decide(foreign, a, Scope("u", "elsewhere")).allowed for a in Action)


# ---- person and context changes, shares, linked cases ------------------------------------------


def test_patch_person_writes_only_the_fields_sent(world: World) -> None:
    case_id = world.new_case()
    ana = world["cw-ana"]
    person = f"/v1/cases/{case_id}/person"
    changed = ana.patch(person, json={"phone": "+15550100123", "family_name": None, "why": "fix"})
    assert changed.status_code == 204, changed.text
    body = ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["person"]
    assert (body["given_name"], body["family_name"], body["phone"]) == (
        PLANTED_NAME,
        None,
        "+15550100123",
    )
    assert body["gender"] == "Feminine" and body["birth_date"] == "2001-05-17"
    write = [e for e in world.audit() if e.action == "case.write"][-1]
    assert (write.actor, write.detail, write.purpose) == (
        "cw-ana",
        "person: family_name,phone",
        "fix",
    )
    assert (
        world["sup-cleo"].patch(person, json={"gender": "Masculine"}, headers=PURPOSE).status_code
        == 204
    )
    _refused(
        world,
        world["cw-ben"].patch(person, json={"phone": "1", "why": "w"}),
        "cw-ben",
        "case.write",
    )
    _refused(
        world,
        world["an-dev"].patch(person, json={"phone": "1", "why": "w"}),
        "an-dev",
        "case.write",
    )
    secret = "Brellavine"
    for bad in (
        {"gender": "Unicorn", "why": "w"},
        {"birth_date": "17/05/2001", "why": "w"},
        {"given_name": secret * 30, "why": "w"},
        {"nickname": secret, "why": "w"},
        {"why": "w"},  # nothing to change
        {"phone": "1"},  # no purpose
    ):
        answer = ana.patch(person, json=bad)
        assert answer.status_code == 422, bad
        assert secret not in answer.text and "17/05/2001" not in answer.text
    unknown = ana.patch(f"/v1/cases/{'f' * 32}/person", json={"phone": "1", "why": "w"})
    assert unknown.status_code == 404 and "no case" in unknown.json()["detail"]
    body = ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["person"]
    assert body["gender"] == "Masculine" and body["phone"] == "+15550100123"


def test_patch_context_writes_only_the_fields_sent(world: World) -> None:
    case_id = world.new_case()
    ana = world["cw-ana"]
    path = f"/v1/cases/{case_id}/context"
    changed = ana.patch(path, json={"control_methods": ["TakesEarnings"], "why": "more detail"})
    assert changed.status_code == 204, changed.text
    context = ana.get(f"/v1/cases/{case_id}", headers=PURPOSE).json()["context"]
    assert context["control_methods"] == ["TakesEarnings"]
    assert context["exploitation_types"] == ["SexualExploitation"]
    assert context["vulnerability_notes"] == "Synthetic note: lost work."
    _refused(
        world,
        world["cw-gus"].patch(path, json={"control_methods": [], "why": "w"}),
        "cw-gus",
        "case.write",
    )
    _refused(
        world,
        world["rs-eve"].patch(path, json={"control_methods": [], "why": "w"}),
        "rs-eve",
        "case.write",
    )
    notes = "Synthetic secret note"
    for bad in (
        {"control_methods": ["Nope"], "why": "w"},
        {"vulnerability_notes": notes, "ssn": "1", "why": "w"},
        {"vulnerability_notes": notes * 10_000, "why": "w"},
        {"why": "w"},
    ):
        answer = ana.patch(path, json=bad)
        assert answer.status_code == 422 and notes not in answer.text, bad
    assert (
        ana.patch("/v1/cases/nope/context", json={"control_methods": [], "why": "w"}).status_code
        == 404
    )
    world.cases.erase(CasePrincipal("sup-cleo", frozenset({"supervisor"}), NORTH), case_id, why="a")
    assert ana.patch(path, json={"control_methods": [], "why": "w"}).status_code == 410


def test_get_shares_lists_field_names_and_consents(world: World) -> None:
    case_id = world.new_case()
    org, _ = _directory(world)
    ana = world["cw-ana"]
    shares = f"/v1/cases/{case_id}/shares"
    assert ana.get(shares, headers=PURPOSE).json() == {"shares": []}
    consent = ana.post(
        f"/v1/cases/{case_id}/consents",
        json={"purpose": "case_transfer", "recipient_organisation_id": org, "why": "w"},
    ).json()["id"]
    ana.post(
        shares, json={"recipient_organisation_id": org, "fields": ["given_name"], "why": "move"}
    )
    listed = ana.get(shares, params={"why": "review"})
    assert listed.status_code == 200
    assert listed.json() == {
        "shares": [
            {"consent_id": consent, "recipient_organisation_id": org, "fields": ["given_name"]}
        ]
    }
    assert PLANTED_NAME not in listed.text
    last = world.audit()[-1]
    assert (last.actor, last.action, last.purpose) == ("cw-ana", "case.read_shares", "review")
    assert world["sup-cleo"].get(shares, headers=PURPOSE).status_code == 200
    _refused(world, world["cw-ben"].get(shares, headers=PURPOSE), "cw-ben", "case.read")
    _refused(world, world["an-dev"].get(shares, headers=PURPOSE), "an-dev", "case.read")
    assert ana.get(shares).status_code == 422  # no purpose
    assert ana.get(f"/v1/cases/{'f' * 32}/shares", headers=PURPOSE).status_code == 404


def test_get_cases_linked_to_a_pseudonym(world: World) -> None:
    case_id = world.new_case()
    other = world.new_case("cw-ben")
    phone = "+12125550123"
    token = (
        world["cw-ana"]
        .post(f"/v1/cases/{case_id}/links", json={"kind": "phone", "canonical": phone, "why": "ad"})
        .json()["pseudonym"]
    )
    world["cw-ben"].post(
        f"/v1/cases/{other}/links", json={"kind": "phone", "canonical": phone, "why": "ad"}
    )
    linked = f"/v1/cases/linked/{token}"
    assert world["an-dev"].get(linked, headers=PURPOSE).json() == {
        "cases": sorted([case_id, other])
    }
    assert world["cw-ana"].get(linked, headers=PURPOSE).json() == {"cases": [case_id]}
    assert world["cw-gus"].get(linked, headers=PURPOSE).json() == {"cases": []}
    lookup = world.audit()[-1]
    assert (lookup.actor, lookup.action, lookup.outcome) == ("cw-gus", "link.lookup", "allowed")
    _refused(world, world["rs-eve"].get(linked, headers=PURPOSE), "rs-eve", "link.lookup")
    _refused(world, world["ad-fay"].get(linked, headers=PURPOSE), "ad-fay", "link.lookup")
    assert world["an-dev"].get(f"/v1/cases/linked/{'0' * 64}", headers=PURPOSE).json() == {
        "cases": []
    }  # an unknown pseudonym: nothing linked
    bad = world["an-dev"].get(f"/v1/cases/linked/{phone}", headers=PURPOSE)
    assert bad.status_code == 422 and phone not in bad.text
    assert world["an-dev"].get(linked).status_code == 422  # no purpose
