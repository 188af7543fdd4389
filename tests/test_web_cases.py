"""The case pages (``/cases``) against the real app: accounts and case records in SQLite files.

Synthetic people only. What a user sees is the policy's answer through the store; every refusal
shown must be the store's (and in its audit log); forms need the session's CSRF token; every read
of a case names a purpose.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_cases_fixtures import ADMIN, PLANTED_NAME, Clock
from threadline.accounts import AccountStore, Principal
from threadline.api import create_app
from threadline.cases import crypto
from threadline.cases.models import AuditEntry
from threadline.cases.models import Case as CaseRow
from threadline.cases.policy import Principal as CasePrincipal
from threadline.cases.store import LINK_KINDS, CaseContext, CaseStore, PersonInput
from threadline.web import cases_case
from threadline.web.auth import SESSION_COOKIE
from threadline.web.cases_aggregates import bars
from threadline.web.cases_common import CONTEXT_PICKLISTS, CasePageError, PurposeMemory, human

NORTH, SOUTH = "org-north", "org-south"
USERS = {
    "cw-ana": ("caseworker", NORTH),
    "cw-ben": ("caseworker", NORTH),
    "sup-cleo": ("supervisor", NORTH),
    "an-dev": ("analyst", NORTH),
    "rs-eve": ("researcher", NORTH),
    "cw-gus": ("caseworker", SOUTH),
}
NOTE = "Synthetic note: lost work."
ACCOUNT = "Synthetic account: she answered a job advert."


@dataclass
class User:
    client: TestClient
    csrf: str

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> Any:
        form = {**(data or {}), **({"csrf": self.csrf} if csrf else {})}
        return self.client.post(url, data=form)

    def purpose(self, scope: str, why: str = "follow-up call") -> Any:
        return self.post("/cases/purpose", {"scope": scope, "why": why})


@dataclass
class World:
    app: FastAPI
    accounts: AccountStore
    cases: CaseStore
    clock: Clock
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]

    def audit(self) -> list[AuditEntry]:
        with Session(self.cases.engine) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    def new_case(self, owner: str = "cw-ana", **person: Any) -> str:
        role, org = USERS[owner]
        values: dict[str, Any] = {
            "given_name": PLANTED_NAME,
            "family_name": "Qorvath",
            "birth_date": date(2001, 5, 17),
            "gender": "Feminine",
            "citizenship": ("MD",),
            **person,
        }
        return self.cases.create_case(
            CasePrincipal(owner, frozenset({role}), org),
            PersonInput(**values),
            CaseContext(
                control_methods=("DebtBondage",),
                exploitation_types=("SexualExploitation",),
                vulnerability_notes=NOTE,
            ),
            why="intake",
        )


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
    users: dict[str, User] = {}
    for name in [*USERS, "vi-no"]:
        session = accounts.start_session(Principal(name, "viewer", "user", name))
        client = TestClient(app, cookies={SESSION_COOKIE: session.cookie})
        users[name] = User(client, session.csrf)
    yield World(app, accounts, cases, clock, users)
    cases.engine.dispose()
    accounts.close()


def _directory(world: World) -> tuple[str, str]:
    org = world.cases.add_organisation(ADMIN, name="Harbour House", org_type="NGO", why="dir")
    service = world.cases.add_service(
        ADMIN, org, service_type="shelter", languages=["ro", "en"], why="dir", contact="desk"
    )
    return org, service


def _refusal(page: Any) -> str:
    """The refusal page's reason (the store's words)."""
    found = re.search(r'id="refusal-reason">([^<]*)<', page.text)
    assert found, page.text[:2000]
    return found.group(1)


# ---- caseload and who sees what --------------------------------------------------------------


def test_caseworker_sees_her_caseload_after_saying_why(world: World) -> None:
    own = world.new_case("cw-ana")
    colleague = world.new_case("cw-ben", given_name="Wexlorin")
    ana = world["cw-ana"]
    first = ana.get("/cases")
    assert first.status_code == 200 and 'id="purpose-form"' in first.text
    assert PLANTED_NAME not in first.text
    assert not [e for e in world.audit() if e.action in ("case.list", "case.read")]
    listed = ana.purpose("caseload", "weekly review")
    assert listed.status_code == 200
    rows = re.findall(r'<tr data-case="([0-9a-f]{32})">', listed.text)
    assert rows == [own] and colleague not in listed.text and "Wexlorin" not in listed.text
    assert PLANTED_NAME in listed.text and "Active" in listed.text and "cw-ana" in listed.text
    reads = [e for e in world.audit() if e.action in ("case.list", "case.read")]
    # one audited listing, no clear read of each case
    assert [(e.action, e.purpose, e.outcome) for e in reads] == [
        ("case.list", "weekly review", "allowed"),
    ]
    assert "Qorvath" not in listed.text  # only the given name is opened for the list
    # the purpose is remembered for the session: no second question
    again = ana.get("/cases")
    assert 'id="caseload"' in again.text and 'id="purpose-form"' not in again.text
    # the supervisor sees the organisation's cases
    cleo = world["sup-cleo"].purpose("caseload", "supervision")
    assert set(re.findall(r'<tr data-case="([0-9a-f]{32})">', cleo.text)) == {own, colleague}


def test_another_organisations_case_is_a_calm_403_from_the_store(world: World) -> None:
    case_id = world.new_case("cw-ana")
    gus = world["cw-gus"]
    asked = gus.get(f"/cases/{case_id}")
    assert asked.status_code == 200 and 'id="purpose-form"' in asked.text
    page = gus.purpose(case_id, "checking a referral")
    assert page.status_code == 403
    assert "This is not open to you" in page.text and PLANTED_NAME not in page.text
    assert "another organisation" in _refusal(page)
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome, last.purpose) == (
        "cw-gus",
        "case.read",
        "denied",
        "checking a referral",
    )
    # nor a colleague's case in the same organisation, and not in the caseload either
    ben = world["cw-ben"]
    ben.purpose(case_id, "curious")
    assert ben.get(f"/cases/{case_id}").status_code == 403
    assert case_id not in ben.purpose("caseload").text


def test_caseworker_reads_her_case_in_clear(world: World) -> None:
    case_id = world.new_case("cw-ana")
    page = world["cw-ana"].purpose(case_id)
    assert page.status_code == 200
    assert PLANTED_NAME in page.text and NOTE in page.text
    assert page.headers["cache-control"] == "no-store"  # personal data stays out of caches
    assert "Debt bondage" in page.text and "Sexual exploitation" in page.text
    assert 'id="who-can-see"' in page.text and "only with her consent" in page.text
    # every form on the page carries the session's CSRF token
    forms = re.findall(r"<form method=\"post\".*?</form>", page.text, flags=re.S)
    assert len(forms) >= 5
    assert all(f'name="csrf" value="{world["cw-ana"].csrf}"' in form for form in forms)


def test_analyst_sees_the_pseudonymous_view_only(world: World) -> None:
    case_id = world.new_case("cw-ana")
    dev = world["an-dev"]
    home = dev.get("/cases")
    assert home.status_code == 200 and 'id="open-reference"' in home.text
    assert 'id="caseload"' not in home.text
    opened = dev.get("/cases/open", params={"case_id": case_id.upper()})
    assert opened.status_code == 200 and 'id="purpose-form"' in opened.text
    page = dev.purpose(case_id, "network analysis")
    assert page.status_code == 200 and 'data-view="pseudonymous"' in page.text
    assert PLANTED_NAME not in page.text and "Qorvath" not in page.text
    assert NOTE not in page.text and "2001-05-17" not in page.text
    assert "Feminine" in page.text and "Debt bondage" in page.text
    assert '<form method="post" action="/cases/' not in page.text
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == (
        "an-dev",
        "case.read_pseudonymous",
        "allowed",
    )
    # a supervisor may choose the view without personal details
    cleo = world["sup-cleo"]
    cleo.purpose(case_id, "supervision")
    pseudo = cleo.get(f"/cases/{case_id}", params={"view": "pseudonymous"})
    assert 'data-view="pseudonymous"' in pseudo.text and PLANTED_NAME not in pseudo.text


def test_researcher_sees_aggregates_and_no_case(world: World) -> None:
    case_id = world.new_case("cw-ana")
    eve = world["rs-eve"]
    home = eve.get("/cases")
    assert 'id="aggregates-link"' in home.text and 'id="open-case"' not in home.text
    eve.purpose(case_id, "annual report")
    refused = eve.get(f"/cases/{case_id}")
    assert refused.status_code == 403 and PLANTED_NAME not in refused.text
    assert world.audit()[-1].actor == "rs-eve" and world.audit()[-1].outcome == "denied"
    assert eve.get("/cases/new").status_code == 403
    counts = eve.purpose("aggregates", "annual report")
    assert counts.status_code == 200 and 'id="agg-gender"' in counts.text
    # a caseworker may not see the counts; the form is not even offered
    ana = world["cw-ana"]
    assert ana.get("/cases/aggregates").status_code == 403
    assert 'id="aggregates-link"' not in ana.get("/cases").text


def test_a_user_without_a_case_role_gets_a_clear_403_and_no_link(world: World) -> None:
    nobody = world["vi-no"]
    for url in ("/cases", "/cases/new", "/cases/aggregates", f"/cases/{'a' * 32}"):
        page = nobody.get(url)
        assert page.status_code == 403, url
        assert "Case records are not open to your account" in page.text
        assert "no case role" in _refusal(page)
    assert 'id="nav-cases"' not in nobody.get("/screen").text
    assert 'id="nav-cases"' in world["cw-ana"].get("/screen").text


def test_the_pages_are_there_only_with_a_case_database(tmp_path: Path, users_db: Path) -> None:
    shutil.copy(users_db, tmp_path / "app.sqlite")
    accounts = AccountStore(tmp_path / "app.sqlite")
    session = accounts.start_session(Principal("cw-ana", "viewer", "user", "cw-ana"))
    plain = TestClient(create_app(accounts=accounts), cookies={SESSION_COOKIE: session.cookie})
    assert plain.get("/cases").status_code == 404
    assert 'id="nav-cases"' not in plain.get("/screen").text
    accounts.close()


# ---- forms -----------------------------------------------------------------------------------


def test_opening_a_case_through_the_form(world: World) -> None:
    ana = world["cw-ana"]
    form = ana.get("/cases/new")
    assert form.status_code == 200
    # the picklists are the store's vocabulary, in plain words
    assert 'value="DebtBondage">Debt bondage<' in form.text
    assert 'value="WhatsApp"' in form.text and 'value="ThroughAnOnlineAdvertisement"' in form.text
    made = ana.client.post(
        "/cases/new",
        data={
            "csrf": ana.csrf,
            "why": "intake interview",
            "given_name": "Ilvessa",
            "birth_date": "2000-02-29",
            "gender": "Feminine",
            "citizenship": "md, ro",
            "control_methods": ["DebtBondage", "WithholdsDocuments"],
            "exploitation_types": ["ForcedLabour"],
            "recruitment_apps": ["Telegram"],
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    case_id = made.headers["location"].rsplit("/", 1)[-1]
    page = ana.get(f"/cases/{case_id}")  # the purpose of the opening is remembered
    assert page.status_code == 200 and "Ilvessa" in page.text
    assert "Withholds documents" in page.text and "MD, RO" in page.text
    created = [e for e in world.audit() if e.action == "case.create"]
    assert created[-1].purpose == "intake interview" and created[-1].actor == "cw-ana"


def test_bad_form_input_is_refused_without_echoing_it(world: World) -> None:
    ana = world["cw-ana"]
    secret = "Brellavine"
    cases_before = len([e for e in world.audit() if e.action == "case.create"])
    for extra in (
        {"gender": "Unicorn"},
        {"control_methods": ["NotACode"]},
        {"birth_date": "17/05/2001"},
        {"citizenship": "Moldova"},
        {"family_name": secret * 40},  # longer than the field allows
    ):
        answer = ana.post("/cases/new", {"why": "intake", "given_name": secret, **extra})
        assert answer.status_code == 422, extra
        assert secret not in answer.text and "Some of the form could not be used" in answer.text
    missing_why = ana.post("/cases/new", {"given_name": secret})
    assert missing_why.status_code == 422 and "say why" in missing_why.text
    assert len([e for e in world.audit() if e.action == "case.create"]) == cases_before


def test_forms_without_the_csrf_token_are_refused(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    ana.purpose(case_id)
    for url, data in (
        (f"/cases/{case_id}/comments", {"text": "forged"}),
        (f"/cases/{case_id}/account", {"text": "forged"}),
        (f"/cases/{case_id}/status", {"status": "Closed"}),
        ("/cases/new", {"why": "forged", "given_name": "Forged"}),
        ("/cases/purpose", {"scope": "caseload", "why": "forged"}),
    ):
        missing = ana.post(url, data, csrf=False)
        assert missing.status_code == 403 and "CSRF" in missing.text, url
        wrong = ana.client.post(url, data={**data, "csrf": "x" * 43})
        assert wrong.status_code == 403, url
    page = ana.get(f"/cases/{case_id}")
    assert "forged" not in page.text and 'id="account-form"' in page.text
    assert "Forged" not in ana.get("/cases").text
    assert not [e for e in world.audit() if e.purpose == "forged"]


def test_a_comment_added_is_listed(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    ana.purpose(case_id, "follow-up call")
    page = ana.post(f"/cases/{case_id}/comments", {"text": "Called back <b>today</b>"})
    assert page.status_code == 200
    assert "Called back &lt;b&gt;today&lt;/b&gt;" in page.text  # escaped
    assert ana.post(f"/cases/{case_id}/comments", {"text": "  "}).status_code == 422
    writes = [e for e in world.audit() if e.action == "case.write"]
    assert [(e.detail, e.purpose) for e in writes] == [("comment", "follow-up call")]


def test_writes_need_the_purpose_first(world: World) -> None:
    case_id = world.new_case("cw-ana")
    answer = world["cw-ana"].post(f"/cases/{case_id}/comments", {"text": "no purpose"})
    assert answer.status_code == 422 and "say why" in answer.text
    assert not [e for e in world.audit() if e.action == "case.write"]
    # a purpose given by one user is not another's
    world["sup-cleo"].purpose(case_id, "supervision")
    assert world["cw-ana"].get(f"/cases/{case_id}").text.count('id="purpose-form"') == 1
    empty = world["cw-ana"].purpose(case_id, "   ")
    assert empty.status_code == 422
    bad_scope = world["cw-ana"].purpose("../../login", "x")
    assert bad_scope.status_code == 404


def test_her_account_cannot_be_entered_twice(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    before = ana.purpose(case_id, "intake interview")
    assert 'id="account-form"' in before.text and 'id="account-notice"' in before.text
    assert "only under her consent" in before.text
    recorded = ana.post(f"/cases/{case_id}/account", {"text": ACCOUNT})
    assert recorded.status_code == 200 and ACCOUNT in recorded.text
    assert 'id="account-form"' not in recorded.text and 'id="account-recorded"' in recorded.text
    again = ana.post(f"/cases/{case_id}/account", {"text": "A second telling."})
    assert again.status_code == 409 and "already recorded" in _refusal(again)
    page = ana.get(f"/cases/{case_id}")
    assert page.text.count(ACCOUNT) == 1 and "A second telling." not in page.text


def test_consent_revoked_then_the_referral_is_refused_with_a_clear_message(world: World) -> None:
    case_id = world.new_case("cw-ana")
    org, service = _directory(world)
    ana = world["cw-ana"]
    ana.purpose(case_id, "finding a shelter")
    search = ana.get(f"/cases/{case_id}", params={"service_type": "shelter", "language": "ro"})
    assert f'data-service="{service}"' in search.text and "Harbour House" in search.text
    none = ana.get(f"/cases/{case_id}", params={"service_type": "medical"})
    assert 'id="no-services"' in none.text
    # without consent: refused by the store
    refused = ana.post(f"/cases/{case_id}/referrals", {"service_id": service, "reason": "Other"})
    assert refused.status_code == 403 and "Her consent does not cover this" in refused.text
    tomorrow = (world.clock.now + timedelta(days=30)).date().isoformat()
    granted = ana.post(
        f"/cases/{case_id}/consents",
        {"purpose": "referral", "organisation_id": org, "expires_on": tomorrow},
    )
    assert granted.status_code == 200 and "in force" in granted.text
    referred = ana.post(
        f"/cases/{case_id}/referrals",
        {"service_id": service, "reason": "AdditionalServicesRequired"},
    )
    assert referred.status_code == 200
    referral = re.search(r'data-referral="([0-9a-f]{32})"', referred.text)
    assert referral and "Additional services required" in referred.text
    accepted = ana.post(f"/cases/{case_id}/referrals/{referral.group(1)}", {"status": "accepted"})
    assert re.search(r'class="referral-status">accepted<', accepted.text)
    wrong_step = ana.post(f"/cases/{case_id}/referrals/{referral.group(1)}", {"status": "accepted"})
    assert wrong_step.status_code == 409
    consent = re.search(r'data-consent="([0-9a-f]{32})"', accepted.text)
    assert consent
    revoked = ana.post(f"/cases/{case_id}/consents/{consent.group(1)}/revoke")
    assert revoked.status_code == 200 and "withdrawn" in revoked.text
    after = ana.post(f"/cases/{case_id}/referrals", {"service_id": service, "reason": "Other"})
    assert after.status_code == 403
    assert "Her consent does not cover this" in after.text
    assert "no valid referral consent" in _refusal(after)
    last = world.audit()[-1]
    assert (last.action, last.outcome, last.purpose) == (
        "referral.write",
        "denied",
        "finding a shelter",
    )


def test_support_plan_and_status(world: World) -> None:
    case_id = world.new_case("cw-ana")
    _, service = _directory(world)
    ana = world["cw-ana"]
    ana.purpose(case_id)
    planned = ana.post(
        f"/cases/{case_id}/support-plans",
        {
            "plan_type": "Legal",
            "objectives": "Residence permit",
            "planned_end": "2026-09-30",
            "services": [service],
        },
    )
    assert planned.status_code == 200
    assert "Residence permit" in planned.text and "2026-09-30" in planned.text
    assert "Shelter, Harbour House" in planned.text
    bad = ana.post(f"/cases/{case_id}/support-plans", {"plan_type": "Picnic"})
    assert bad.status_code == 422
    closed = ana.post(f"/cases/{case_id}/status", {"status": "FollowUp"})
    assert closed.status_code == 200 and "Follow up" in closed.text
    listed = ana.purpose("caseload").text
    assert "Follow up" in listed


# ---- aggregates ------------------------------------------------------------------------------


def test_the_aggregates_page_has_no_cell_below_k(world: World) -> None:
    for _ in range(4):
        world.new_case("cw-ana", gender="Feminine")
    world.new_case("cw-ben", gender="Masculine", citizenship=("RO",))
    eve = world["rs-eve"]
    eve.purpose("aggregates", "annual report")
    page = eve.get("/cases/aggregates", params={"k": 3})
    assert page.status_code == 200
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', page.text)]
    assert counts and min(counts) >= 3
    assert "fewer than 3" in page.text and 'data-suppressed="1"' in page.text
    gender = page.text.split('id="agg-gender"')[1].split("</section>")[0]
    assert 'data-count="4"' in gender and "Masculine" in gender
    assert re.search(r"Masculine</td><td class=\"num\"><span class=\"suppressed\">", gender)
    strict = eve.get("/cases/aggregates").text  # default k=11: everything suppressed
    assert "data-count" not in strict and "fewer than 11" in strict
    csv_answer = eve.get("/cases/aggregates.csv", params={"k": 3})
    assert csv_answer.status_code == 200 and "text/csv" in csv_answer.headers["content-type"]
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert {row["dimension"] for row in rows} >= {"gender", "year", "control_method"}
    assert all(row["count"] == "" or int(row["count"]) >= 3 for row in rows)
    masculine = next(r for r in rows if r["dimension"] == "gender" and r["value"] == "Masculine")
    assert masculine["count"] == "" and masculine["k"] == "3"
    assert eve.get("/cases/aggregates", params={"k": 1}).status_code == 422
    reads = [e for e in world.audit() if e.action == "aggregates.read"]
    assert reads and {e.purpose for e in reads} == {"annual report"}


# ---- pure helpers ----------------------------------------------------------------------------


def test_bars_give_suppressed_cells_no_bar() -> None:
    drawn = bars([("Feminine", 20), ("Masculine", None), ("NonConforming", 10)], "gender")
    assert [(b.label, b.count, b.width) for b in drawn] == [
        ("Feminine", 20, 1.0),
        ("Masculine", None, 0.0),
        ("Non conforming", 10, 0.5),
    ]
    assert [b.width for b in bars([("2025", None)], "year")] == [0.0]
    assert [b.label for b in bars([("MD", 3), ("unknown", 2)], "citizenship")] == [
        "MD",
        "Not recorded",
    ]
    assert bars([], "gender") == []


def test_human_words_for_codes() -> None:
    assert human("DebtBondage") == "Debt bondage"
    assert human("ThroughAnOnlineAdvertisement") == "Through an online advertisement"
    assert human("FollowUp") == "Follow up"
    assert human("legal_aid") == "Legal aid"
    assert human("4Sale") == "4 sale"
    assert human(None) == "" and human("") == ""


def test_the_caseload_shows_the_last_status_change_newest_first(world: World) -> None:
    older = world.new_case("cw-ana")
    world.clock.advance(days=3)
    newer = world.new_case("cw-ana", given_name="Wexlorin")
    world.clock.advance(days=2)
    ana = world["cw-ana"]
    ana.purpose(older, "follow-up call")
    ana.post(f"/cases/{older}/status", {"status": "FollowUp"})
    listed = ana.purpose("caseload", "weekly review").text
    assert re.findall(r'<tr data-case="([0-9a-f]{32})">', listed) == [older, newer]
    changed = re.findall(r'<td class="changed">([^<]*)</td>', listed)
    assert changed == ["2026-03-06", "2026-03-04"]
    listings = [e for e in world.audit() if e.action == "case.list"]
    assert len(listings) == 1 and listings[0].detail == "2 cases, given names of 2"


def test_purpose_memory_is_per_session_bounded_and_expires() -> None:
    memory = PurposeMemory(limit=2, seconds=60)
    memory.remember("ana|s1", "case-1", "intake")
    assert memory.recall("ana|s1", "case-1") == "intake"
    assert memory.recall("ana|s2", "case-1") is None
    assert memory.recall("ben|s1", "case-1") is None
    memory.remember("ana|s1", "case-2", "b")
    memory.remember("ana|s1", "case-3", "c")
    assert memory.recall("ana|s1", "case-1") is None  # the oldest went first
    assert memory.recall("ana|s1", "case-3") == "c"
    expired = PurposeMemory(seconds=-1)
    expired.remember("ana|s1", "case-1", "intake")
    assert expired.recall("ana|s1", "case-1") is None


def test_each_page_view_is_one_audited_read_with_its_purpose(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    ana.purpose(case_id, "follow-up call")
    ana.get(f"/cases/{case_id}")
    reads = [e for e in world.audit() if e.action == "case.read" and e.record_id == case_id]
    assert [(e.actor, e.purpose, e.outcome) for e in reads] == [
        ("cw-ana", "follow-up call", "allowed"),
        ("cw-ana", "follow-up call", "allowed"),
    ]
    # another purpose may be given; later reads and changes carry it
    asked = ana.get(f"/cases/{case_id}", params={"ask": 1})
    assert 'id="purpose-form"' in asked.text and PLANTED_NAME not in asked.text
    page = ana.purpose(case_id, "preparing a referral")
    assert 'id="purpose">preparing a referral<' in page.text
    ana.post(f"/cases/{case_id}/comments", {"text": "Shelter called."})
    write = [e for e in world.audit() if e.action == "case.write"][-1]
    assert (write.detail, write.purpose) == ("comment", "preparing a referral")


def test_an_erased_case_is_gone_in_clear_and_stays_coded(world: World) -> None:
    case_id = world.new_case("cw-ana")
    cleo = CasePrincipal("sup-cleo", frozenset({"supervisor"}), NORTH)
    world.cases.erase(cleo, case_id, why="retention")
    gone = world["cw-ana"].purpose(case_id)
    assert gone.status_code == 410 and "This case was erased" in gone.text
    assert PLANTED_NAME not in gone.text
    listed = world["cw-ana"].purpose("caseload", "weekly review")
    assert listed.status_code == 200 and 'class="erased"' in listed.text
    coded = world["an-dev"].purpose(case_id, "network analysis")
    assert coded.status_code == 200 and 'id="erased"' in coded.text
    assert "Debt bondage" in coded.text


def test_an_expired_consent_is_shown_and_covers_no_referral(world: World) -> None:
    case_id = world.new_case("cw-ana")
    org, service = _directory(world)
    ana = world["cw-ana"]
    ana.purpose(case_id, "finding a shelter")
    until = world.clock.now.date().isoformat()  # until the end of today (UTC)
    granted = ana.post(
        f"/cases/{case_id}/consents",
        {"purpose": "referral", "organisation_id": org, "expires_on": until},
    )
    assert "in force" in granted.text and until in granted.text
    world.clock.advance(days=2)
    page = ana.get(f"/cases/{case_id}")
    assert "expired" in page.text and "She withdraws it" not in page.text
    refused = ana.post(f"/cases/{case_id}/referrals", {"service_id": service, "reason": "Other"})
    assert refused.status_code == 403 and "Her consent does not cover this" in refused.text
    past = ana.post(
        f"/cases/{case_id}/consents",
        {"purpose": "referral", "organisation_id": org, "expires_on": "2020-01-01"},
    )
    assert past.status_code == 409
    unknown = ana.post(
        f"/cases/{case_id}/consents", {"purpose": "referral", "organisation_id": "f" * 32}
    )
    assert unknown.status_code == 404
    assert ana.post(f"/cases/{case_id}/consents", {"purpose": "gossip"}).status_code == 422


# ---- perpetrators, reassignment, erasure, shares -----------------------------------------------


def test_a_perpetrator_added_through_the_form_is_listed(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "intake interview")
    assert 'id="perpetrator-form"' in page.text and 'id="no-perpetrators"' in page.text
    assert 'value="RecruiterOrIntermediary">Recruiter or intermediary<' in page.text
    added = ana.post(
        f"/cases/{case_id}/perpetrators",
        {"roles": ["RecruiterOrIntermediary", "Exploiter"], "name": "Kelvorrin <i>", "details": ""},
    )
    assert added.status_code == 200
    listed = added.text.split('id="perpetrator-list"')[1].split("</ul>")[0]
    assert "Kelvorrin &lt;i&gt;" in listed and "Recruiter or intermediary" in listed
    write = [e for e in world.audit() if e.action == "case.write"][-1]
    assert (write.detail, write.purpose) == ("perpetrator", "intake interview")
    secret = "Brellavine"
    for bad in (
        {"roles": ["Boss"], "name": secret},
        {"name": secret},  # no role chosen
        {"roles": ["Exploiter"], "name": secret * 30},  # longer than the field allows
    ):
        answer = ana.post(f"/cases/{case_id}/perpetrators", bad)
        assert answer.status_code == 422 and secret not in answer.text, bad
    refused = world["cw-ben"]
    refused.purpose(case_id, "curious")
    denied = refused.post(f"/cases/{case_id}/perpetrators", {"roles": ["Exploiter"]})
    assert denied.status_code == 403
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == ("cw-ben", "case.write", "denied")
    missing = ana.post(f"/cases/{case_id}/perpetrators", {"roles": ["Exploiter"]}, csrf=False)
    assert missing.status_code == 403 and "CSRF" in missing.text
    assert ana.get(f"/cases/{case_id}").text.count("<li><strong>") >= 1


def test_the_reassign_form_is_offered_only_when_the_policy_allows_it(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana, cleo = world["cw-ana"], world["sup-cleo"]
    own = ana.purpose(case_id, "follow-up call")
    assert 'id="reassign-form"' not in own.text and 'id="erase-link"' not in own.text
    page = cleo.purpose(case_id, "leave cover")
    assert 'id="reassign-form"' in page.text and 'id="erase-link"' in page.text
    form = page.text.split('id="reassign-form"')[1].split("</form>")[0]
    assert f'name="csrf" value="{cleo.csrf}"' in form
    moved = cleo.post(f"/cases/{case_id}/owner", {"owner_id": "cw-ben"})
    assert moved.status_code == 200 and "her caseworker (cw-ben)" in moved.text
    entry = [e for e in world.audit() if e.action == "case.reassign"][-1]
    assert (entry.actor, entry.detail, entry.purpose, entry.outcome) == (
        "sup-cleo",
        "owner=cw-ben",
        "leave cover",
        "allowed",
    )
    # a caseworker sending the form anyway is refused by the store, and it is logged
    ben = world["cw-ben"]
    ben.purpose(case_id, "my case now")
    refused = ben.post(f"/cases/{case_id}/owner", {"owner_id": "cw-ben"})
    assert refused.status_code == 403 and "This is not open to you" in refused.text
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == ("cw-ben", "case.reassign", "denied")
    assert cleo.post(f"/cases/{case_id}/owner", {"owner_id": " "}).status_code == 422
    assert cleo.post(f"/cases/{case_id}/owner", {"owner_id": "x" * 65}).status_code == 422
    assert cleo.post(f"/cases/{case_id}/owner", {"owner_id": "a"}, csrf=False).status_code == 403


def test_erasure_asks_for_confirmation_then_destroys_the_key(world: World) -> None:
    case_id = world.new_case("cw-ana")
    kept = world.new_case("cw-ana", given_name="Wexlorin")
    cleo = world["sup-cleo"]
    cleo.purpose(case_id, "she asked to be forgotten")
    confirm = cleo.get(f"/cases/{case_id}/erase")
    assert confirm.status_code == 200 and confirm.headers["cache-control"] == "no-store"
    assert "This destroys her record's key. It cannot be undone." in confirm.text
    assert PLANTED_NAME not in confirm.text  # the confirmation reads no personal field
    form = confirm.text.split('id="erase-form"')[1].split("</form>")[0]
    assert 'method="post"' in confirm.text.split('id="erase-form"')[0][-120:]
    assert f'name="csrf" value="{cleo.csrf}"' in form
    assert not [e for e in world.audit() if e.action == "case.erase"]
    # without the token, or without a reason: nothing happens
    assert cleo.post(f"/cases/{case_id}/erase", {"why": "forged"}, csrf=False).status_code == 403
    assert cleo.post(f"/cases/{case_id}/erase", {"why": "  "}).status_code == 422
    assert not [e for e in world.audit() if e.action == "case.erase"]
    done = cleo.post(f"/cases/{case_id}/erase", {"why": "survivor asked"})
    assert done.status_code == 200 and 'id="erased-done"' in done.text
    erased = [e for e in world.audit() if e.action == "case.erase"]
    assert [(e.actor, e.record_id, e.purpose, e.outcome) for e in erased] == [
        ("sup-cleo", case_id, "survivor asked", "allowed")
    ]
    gone = cleo.get(f"/cases/{case_id}")
    assert gone.status_code == 410 and PLANTED_NAME not in gone.text
    again = cleo.post(f"/cases/{case_id}/erase", {"why": "twice"})
    assert again.status_code == 410
    cleo.purpose(kept, "supervision")
    assert "Wexlorin" in cleo.get(f"/cases/{kept}").text


def test_erasure_is_not_offered_to_her_caseworker_and_refused_if_forced(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    ana.purpose(case_id, "follow-up call")
    page = ana.get(f"/cases/{case_id}/erase")
    assert page.status_code == 403 and "erase-form" not in page.text
    forced = ana.post(f"/cases/{case_id}/erase", {"why": "mistake"})
    assert forced.status_code == 403
    last = world.audit()[-1]
    assert (last.actor, last.action, last.outcome) == ("cw-ana", "case.erase", "denied")
    assert ana.get(f"/cases/{case_id}").status_code == 200  # still there
    cleo = world["sup-cleo"]
    unknown = "f" * 32
    cleo.purpose(unknown, "x")
    assert cleo.get(f"/cases/{unknown}/erase").status_code == 404
    no_purpose = world["sup-cleo"].get(f"/cases/{case_id}/erase")
    assert no_purpose.status_code == 422 and "say why" in no_purpose.text


def test_the_case_page_lists_what_was_shared_under_which_consent(world: World) -> None:
    case_id = world.new_case("cw-ana")
    org, _ = _directory(world)
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "moving city")
    assert 'id="no-shares"' in page.text
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    consent = world.cases.grant_consent(
        principal, case_id, purpose="case_transfer", recipient_organisation_id=org, why="w"
    )
    world.cases.share(principal, case_id, org, ["given_name", "gender"], why="moving city")
    page = ana.get(f"/cases/{case_id}")
    table = page.text.split('id="share-list"')[1].split("</table>")[0]
    assert f'data-share-consent="{consent}"' in table
    assert "Harbour House" in table and "Handing her case to another organisation" in table
    assert "Gender, Given name" in table and "cw-ana" in table
    assert PLANTED_NAME not in table  # names of fields, never their values
    world.cases.revoke_consent(principal, consent, why="she withdrew")
    after = ana.get(f"/cases/{case_id}").text.split('id="share-list"')[1].split("</table>")[0]
    assert "(no longer in force)" in after


# ---- corrections after intake, and links -----------------------------------------------------


class _FormReader(HTMLParser):
    """What a browser would send for one form of a page: inputs, selected options, textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, Any] = {}
        self.select: tuple[str, bool] | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and "name" in found:
            self.values[found["name"]] = found.get("value", "")
        elif tag == "select":
            multiple = "multiple" in found
            self.select = (found["name"], multiple)
            self.values[found["name"]] = [] if multiple else ""
        elif tag == "option" and self.select and "selected" in found:
            name, multiple = self.select
            if multiple:
                self.values[name].append(found["value"])
            else:
                self.values[name] = found["value"]
        elif tag == "textarea":
            self.textarea = found["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _form(page: Any, form_id: str) -> dict[str, Any]:
    reader = _FormReader(form_id)
    reader.feed(page.text)
    assert reader.values, f"no form {form_id}"
    reader.values.pop("csrf", None)  # User.post adds the session's own
    return reader.values


def _case_row(world: World, case_id: str) -> CaseRow:
    with Session(world.cases.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        session.expunge(row)
        return row


def test_the_correction_forms_are_prefilled_with_her_current_details(world: World) -> None:
    case_id = world.new_case("cw-ana", phone="+37360000001")
    page = world["cw-ana"].purpose(case_id, "follow-up call")
    person = _form(page, "person-form")
    assert person["given_name"] == PLANTED_NAME and person["family_name"] == "Qorvath"
    assert person["birth_date"] == "2001-05-17" and person["gender"] == "Feminine"
    assert person["citizenship"] == "MD" and person["phone"] == "+37360000001"
    assert person["was"] and 'id="person-correct"' in page.text
    context = _form(page, "context-form")
    assert context["control_methods"] == ["DebtBondage"]
    assert context["exploitation_types"] == ["SexualExploitation"]
    assert context["vulnerability_notes"] == NOTE and context["trafficking_status"] == ""
    # the same fields and picklists as /cases/new
    new = world["cw-ana"].get("/cases/new")
    for name in ("given_name", "birth_date", "gender", "citizenship", "identity_number"):
        assert f'name="{name}"' in new.text and name in person
    # the pseudonymous view offers no correction and no link form
    coded = world["an-dev"].purpose(case_id, "network analysis")
    assert coded.status_code == 200
    assert "person-form" not in coded.text and "link-form" not in coded.text


def test_a_correction_writes_only_the_fields_that_changed(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    before = _case_row(world, case_id)
    form = {**_form(page, "person-form"), "family_name": "Vantrell", "gender": "NonConforming"}
    form["citizenship"] = " md ,"  # the same code, spelled differently: not a change
    saved = ana.post(f"/cases/{case_id}/person", form)
    assert saved.status_code == 200 and "Vantrell" in saved.text and "Non conforming" in saved.text
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    person = world.cases.read_case(principal, case_id, why="test").person
    assert (person.given_name, person.family_name, person.gender) == (
        PLANTED_NAME,
        "Vantrell",
        "NonConforming",
    )
    assert person.birth_date == date(2001, 5, 17) and person.citizenship == ("MD",)
    after = _case_row(world, case_id)
    # an unchanged field is not sealed again (same ciphertext); a changed one is
    assert after.given_name == before.given_name and after.birth_date == before.birth_date
    assert after.family_name != before.family_name
    writes = [e for e in world.audit() if e.action == "case.write"]
    assert [(e.detail, e.purpose, e.outcome) for e in writes] == [
        ("person: family_name,gender", "follow-up call", "allowed")
    ]
    assert "Vantrell" not in " ".join(f"{e.detail} {e.purpose}" for e in world.audit())
    # emptying a field removes it, and only it
    form = {**_form(ana.get(f"/cases/{case_id}"), "person-form"), "birth_date": ""}
    assert ana.post(f"/cases/{case_id}/person", form).status_code == 200
    person = world.cases.read_case(principal, case_id, why="test").person
    assert person.birth_date is None and person.family_name == "Vantrell"
    assert _case_row(world, case_id).age_band is None
    assert [e for e in world.audit() if e.action == "case.write"][-1].detail == (
        "person: birth_date"
    )


def test_a_context_correction_writes_only_the_fields_that_changed(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    form = _form(page, "context-form")
    form["control_methods"] = ["FalsePromises", "DebtBondage"]
    form["recruitment_country"] = "ro"
    form["vulnerability_notes"] = "Synthetic note: found work."
    form["exploitation_types"] = list(reversed(form["exploitation_types"]))  # order: no change
    saved = ana.post(f"/cases/{case_id}/context", form)
    assert saved.status_code == 200 and "False promises" in saved.text
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    context = world.cases.read_case(principal, case_id, why="test").context
    assert set(context.control_methods) == {"FalsePromises", "DebtBondage"}
    assert context.recruitment_country == "RO" and context.vulnerability_notes.startswith(
        "Synthetic note: found"
    )
    assert context.exploitation_types == ("SexualExploitation",)
    write = [e for e in world.audit() if e.action == "case.write"]
    assert [e.detail for e in write] == [
        "context: control_methods,recruitment_country,vulnerability_notes"
    ]


def test_nothing_changed_writes_nothing(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    before = _case_row(world, case_id)
    entries = len(world.audit())
    for section in ("person", "context"):
        form = _form(page, f"{section}-form")
        same = ana.post(f"/cases/{case_id}/{section}", form)
        assert same.status_code == 200 and "Nothing changed" in same.text, section
        assert same.headers["cache-control"] == "no-store"
    assert len(world.audit()) == entries  # no audit entry at all: nothing read, nothing written
    after = _case_row(world, case_id)
    assert (after.given_name, after.vulnerability_notes) == (
        before.given_name,
        before.vulnerability_notes,
    )


def test_a_form_without_its_opening_values_is_refused(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    ana.purpose(case_id, "follow-up call")
    stale = ana.post(f"/cases/{case_id}/person", {"given_name": "", "family_name": ""})
    assert stale.status_code == 422 and "out of date" in stale.text
    partial = ana.post(f"/cases/{case_id}/context", {"was": "trafficking_status:0"})
    assert partial.status_code == 422
    assert not [e for e in world.audit() if e.action == "case.write"]


def test_corrections_by_refused_roles_are_the_stores_refusal_and_audited(world: World) -> None:
    case_id = world.new_case("cw-ana")
    form = {**_form(world["cw-ana"].purpose(case_id), "person-form"), "family_name": "Forgeda"}
    context = {**_form(world["cw-ana"].get(f"/cases/{case_id}"), "context-form")}
    context["control_methods"] = ["Other"]
    for name in ("cw-ben", "an-dev", "cw-gus"):
        user = world[name]
        user.purpose(case_id, "looking around")
        for section, data in (("person", form), ("context", context)):
            refused = user.post(f"/cases/{case_id}/{section}", data)
            assert refused.status_code == 403, (name, section)
            assert "This is not open to you" in refused.text and PLANTED_NAME not in refused.text
            last = world.audit()[-1]
            assert (last.actor, last.action, last.outcome) == (name, "case.write", "denied")
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    view = world.cases.read_case(principal, case_id, why="test")
    assert view.person.family_name == "Qorvath" and view.context.control_methods == ("DebtBondage",)


def test_bad_corrections_show_the_form_again_and_log_no_value(
    world: World, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    person = _form(page, "person-form")
    context = _form(page, "context-form")
    secret = "Brellavine"
    caplog.set_level(logging.DEBUG)
    for section, extra, field in (
        ("person", {"gender": "Unicornish"}, "gender"),
        ("person", {"birth_date": "17/05/2001"}, "birth date"),
        ("person", {"citizenship": "Moldovaland"}, "citizenship"),
        ("context", {"control_methods": ["NotACodeAtAll"]}, "methods of control"),
        ("context", {"trafficking_status": "Wandering"}, "trafficking status"),
        ("context", {"recruitment_country": "R1"}, "country of recruitment"),
    ):
        base = person if section == "person" else context
        form = {**base, **extra, **({"given_name": secret} if section == "person" else {})}
        answer = ana.post(f"/cases/{case_id}/{section}", form)
        assert answer.status_code == 422, extra
        assert answer.headers["cache-control"] == "no-store"
        assert f'id="{section}-form"' in answer.text  # the form again, to correct
        problems = re.findall(r'<li class="problem">([^<]*)</li>', answer.text)
        assert [p.split(":")[0] for p in problems] == [field], problems
        for value in extra.values():  # a picklist's wrong value is not echoed back
            if field in ("gender", "methods of control", "trafficking status"):
                assert str(value).strip("[]'") not in answer.text
    too_long = ana.post(f"/cases/{case_id}/person", {**person, "family_name": secret * 40})
    assert too_long.status_code == 422 and secret not in too_long.text
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    for value in (secret, "Unicornish", "17/05/2001", "Moldovaland", "NotACodeAtAll"):
        assert value not in logged
    assert not [e for e in world.audit() if e.action == "case.write"]
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    assert world.cases.read_case(principal, case_id, why="test").person.given_name == (PLANTED_NAME)


def test_corrections_and_links_need_the_csrf_token(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    entries = len(world.audit())
    for url, data in (
        (f"/cases/{case_id}/person", {**_form(page, "person-form"), "family_name": "Forged"}),
        (f"/cases/{case_id}/context", {**_form(page, "context-form"), "control_methods": []}),
        (f"/cases/{case_id}/links", {"kind": "phone", "canonical": "+40700000999"}),
    ):
        missing = ana.post(url, data, csrf=False)
        assert missing.status_code == 403 and "CSRF" in missing.text, url
        wrong = ana.client.post(url, data={**data, "csrf": "x" * 43})
        assert wrong.status_code == 403, url
    assert len(world.audit()) == entries


def test_an_erased_case_cannot_be_corrected(world: World) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "follow-up call")
    person = {**_form(page, "person-form"), "family_name": "Afterwards"}
    context = {**_form(page, "context-form"), "control_methods": ["Other"]}
    cleo = CasePrincipal("sup-cleo", frozenset({"supervisor"}), NORTH)
    world.cases.erase(cleo, case_id, why="she asked")
    for section, data in (("person", person), ("context", context)):
        gone = ana.post(f"/cases/{case_id}/{section}", data)
        assert gone.status_code == 410 and "This case was erased" in gone.text, section
        assert "Afterwards" not in gone.text
    assert not [e for e in world.audit() if e.action == "case.write" and e.outcome == "allowed"]


def test_a_link_shows_only_the_pseudonym(world: World, tmp_path: Path) -> None:
    case_id = world.new_case("cw-ana")
    ana = world["cw-ana"]
    page = ana.purpose(case_id, "her phone in the ads")
    assert 'id="no-links"' in page.text
    form = page.text.split('id="link-form"')[1].split("</form>")[0]
    assert 'autocomplete="off"' in form and 'name="canonical"' in form
    kinds = re.findall(r'<option value="([a-z]+)">', form)
    assert kinds == list(LINK_KINDS)
    value = "+40711222333"  # synthetic
    linked = ana.post(f"/cases/{case_id}/links", {"kind": "phone", "canonical": f" {value} "})
    assert linked.status_code == 200 and value not in linked.text
    token = world.cases.pseudonym("phone", value)
    rows = re.findall(
        r'<tr data-link-kind="([a-z]+)"><td>[^<]*</td><td><code class="pseudonym">([0-9a-f]+)<',
        linked.text,
    )
    assert rows == [("phone", token[:12])] and token not in linked.text
    assert "Phone number" in linked.text.split('id="link-list"')[1]
    last = [e for e in world.audit() if e.action == "link.write"][-1]
    assert (last.actor, last.detail, last.purpose) == (
        "cw-ana",
        "phone link",
        "her phone in the ads",
    )
    # the same link twice is listed once
    ana.post(f"/cases/{case_id}/links", {"kind": "phone", "canonical": value})
    assert len(re.findall(r"<tr data-link-kind=", ana.get(f"/cases/{case_id}").text)) == 1
    # the value is nowhere in the database files
    world.cases.engine.dispose()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cases.sqlite*"))
    assert stored and value.encode() not in stored and value[1:].encode() not in stored
    assert token.encode() in stored
    # bad input: 422, nothing linked
    links_before = len([e for e in world.audit() if e.action == "link.write"])
    assert (
        ana.post(f"/cases/{case_id}/links", {"kind": "passport", "canonical": "x"}).status_code
        == 422
    )
    assert (
        ana.post(f"/cases/{case_id}/links", {"kind": "email", "canonical": "  "}).status_code == 422
    )
    too_long = ana.post(f"/cases/{case_id}/links", {"kind": "url", "canonical": "x" * 501})
    assert too_long.status_code == 422 and "x" * 501 not in too_long.text
    assert len([e for e in world.audit() if e.action == "link.write"]) == links_before


def test_links_by_refused_roles_are_refused_and_audited(world: World) -> None:
    case_id = world.new_case("cw-ana")
    for name in ("cw-ben", "an-dev"):
        user = world[name]
        user.purpose(case_id, "looking around")
        refused = user.post(
            f"/cases/{case_id}/links", {"kind": "email", "canonical": "a@b.example"}
        )
        assert refused.status_code == 403 and "This is not open to you" in refused.text
        last = world.audit()[-1]
        assert (last.actor, last.action, last.outcome) == (name, "link.write", "denied")
    principal = CasePrincipal("cw-ana", frozenset({"caseworker"}), NORTH)
    assert world.cases.read_case(principal, case_id, why="test").links == ()


_FIELD_TEXT = st.text(max_size=40)


@given(
    values=st.fixed_dictionaries(
        {
            "given_name": _FIELD_TEXT,
            "citizenship": _FIELD_TEXT,
            "recruitment_country": _FIELD_TEXT,
            "control_methods": st.lists(_FIELD_TEXT, max_size=4),
        }
    ),
    other=_FIELD_TEXT,
)
def test_the_fingerprint_sees_exactly_the_changed_fields(
    values: dict[str, Any], other: str
) -> None:
    case_id = "a" * 32
    was = cases_case.fingerprint(case_id, values)
    assert cases_case._changed(case_id, was, values) == frozenset()
    # spacing and order are not changes
    respaced = {**values, "given_name": f"  {values['given_name']}\t"}
    respaced["control_methods"] = list(reversed(values["control_methods"]))
    assert cases_case._changed(case_id, was, respaced) == frozenset()
    edited = {**values, "given_name": other}
    expected = (
        frozenset()
        if other.replace("\r\n", "\n").strip() == values["given_name"].replace("\r\n", "\n").strip()
        else frozenset({"given_name"})
    )
    assert cases_case._changed(case_id, was, edited) == expected
    # another case's fingerprint does not fit
    assert cases_case.fingerprint("b" * 32, values) != was


_PROBLEM_FIELDS = {
    "birth date",
    "gender",
    "citizenship",
    "trafficking status",
    "relationship to the trafficker",
    "type of exploitation",
    "methods of control",
    "how she was recruited",
    "online channels used to recruit her",
    "online channels used to exploit her",
    "country of recruitment",
    "country of exploitation",
}


@given(was=st.text(max_size=200), text=st.text(max_size=30), codes=st.lists(st.text(max_size=20)))
def test_any_form_input_is_judged_without_crashing_or_echoing(
    was: str, text: str, codes: list[str]
) -> None:
    case_id = "c" * 32
    person = {name: text for name in cases_case._person_values(PersonInput())}
    context: dict[str, Any] = {name: codes for name in CONTEXT_PICKLISTS}
    context.update(
        trafficking_status=text,
        relationship_to_trafficker=text,
        recruitment_country=text,
        exploitation_country=text,
        vulnerability_notes=text,
    )
    for values in (person, context):
        try:
            changed = cases_case._changed(case_id, was, values)
        except CasePageError as refused:
            # the same plain words whatever was sent: nothing of it is echoed
            assert refused.status == 422
            assert (
                refused.reason == "the correction form did not carry the values it was opened with"
            )
        else:
            assert changed <= set(values)
    problems = cases_case._person_problems(person) + cases_case._context_problems(context)
    assert {problem.split(":")[0] for problem in problems} <= _PROBLEM_FIELDS
