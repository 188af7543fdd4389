"""The case-record commands (sub-apps tested directly; the lead registers them in cli.py)."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from threadline.cases import crypto
from threadline.cases.store import LINK_KINDS, CaseStore
from threadline.cli_cases import audit_app, cases_app, keys_app

runner = CliRunner()
ORG = ["--org", "org-north"]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    database, keys = tmp_path / "cases.sqlite", tmp_path / "keys.json"
    assert runner.invoke(cases_app, ["init", "--db", str(database)]).exit_code == 0
    result = runner.invoke(keys_app, ["generate", "--key-file", str(keys)])
    assert result.exit_code == 0, result.output
    return database, keys


def _common(database: Path, keys: Path, user: str) -> list[str]:
    return ["--db", str(database), "--key-file", str(keys), "--user", user, *ORG]


def _add(database: Path, keys: Path, name: str = "Zyxwandra") -> str:
    result = runner.invoke(
        cases_app,
        [
            "add",
            *_common(database, keys, "cw-ana"),
            "--why",
            "intake",
            "--given-name",
            name,
            "--gender",
            "Feminine",
            "--exploitation",
            "ForcedLabour",
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_init_reports_revision(tmp_path: Path) -> None:
    result = runner.invoke(cases_app, ["init", "--db", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 0 and "0003" in result.output


def test_generate_never_overwrites_keys(setup: tuple[Path, Path]) -> None:
    _, keys = setup
    before = keys.read_bytes()
    result = runner.invoke(keys_app, ["generate", "--key-file", str(keys)])
    assert result.exit_code == 2 and keys.read_bytes() == before


def test_add_show_erase(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    shown = runner.invoke(
        cases_app, ["show", case_id, *_common(database, keys, "cw-ana"), "--why", "review"]
    )
    assert shown.exit_code == 0 and "Zyxwandra" in shown.output
    refused = runner.invoke(
        cases_app, ["show", case_id, *_common(database, keys, "cw-ben"), "--why", "curious"]
    )
    assert refused.exit_code == 2 and "Zyxwandra" not in refused.output
    analyst = runner.invoke(
        cases_app,
        [
            "show",
            case_id,
            *_common(database, keys, "an-dev"),
            "--role",
            "analyst",
            "--why",
            "network",
        ],
    )
    assert analyst.exit_code == 0 and "Zyxwandra" not in analyst.output
    erased = runner.invoke(
        cases_app,
        ["erase", case_id, *_common(database, keys, "sup-cleo"), "--why", "survivor asked"],
    )
    assert erased.exit_code == 0, erased.output
    gone = runner.invoke(
        cases_app, ["show", case_id, *_common(database, keys, "cw-ana"), "--why", "review"]
    )
    assert gone.exit_code == 2 and "erased" in gone.output


def test_bad_input_exits_2(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    base = ["add", *_common(database, keys, "cw-ana"), "--why", "intake"]
    assert runner.invoke(cases_app, [*base, "--gender", "Female"]).exit_code == 2
    assert runner.invoke(cases_app, [*base, "--birth-date", "17/05/2001"]).exit_code == 2
    missing = runner.invoke(
        cases_app, [*base[:3], "--key-file", str(database.parent / "no"), *base[5:]]
    )
    assert missing.exit_code == 2


def test_share_without_consent_is_refused(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    result = runner.invoke(
        cases_app,
        [
            "share",
            case_id,
            *_common(database, keys, "cw-ana"),
            "--why",
            "transfer",
            "--to",
            "org-x",
            "--field",
            "given_name",
        ],
    )
    assert result.exit_code == 2 and "consent" in result.output


def test_audit_verify_detects_tampering(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    _add(database, keys)
    admin = [*_common(database, keys, "ad-fay")]
    ok = runner.invoke(audit_app, ["verify", *admin])
    assert ok.exit_code == 0 and "intact" in ok.output
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("DROP TRIGGER cr_audit_no_update")  # an attacker with file access
        connection.execute("UPDATE cr_audit SET actor = 'nobody' WHERE seq = 1")
    connection.close()
    broken = runner.invoke(audit_app, ["verify", *admin])
    assert broken.exit_code == 1 and "entry 1" in broken.output
    denied = runner.invoke(audit_app, ["verify", *admin, "--role", "caseworker"])
    assert denied.exit_code == 2


def test_rotate_keeps_cases_readable_and_drops_old_key(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    old_ids = set(crypto.load_keyring(keys).keys)
    result = runner.invoke(
        keys_app,
        ["rotate", "--key-file", str(keys), "--db", str(database), "--user", "ad-fay", *ORG],
    )
    assert result.exit_code == 0, result.output
    assert "re-wrapped 1" in result.output
    ring = crypto.load_keyring(keys)
    assert not old_ids & set(ring.keys)
    shown = runner.invoke(
        cases_app, ["show", case_id, *_common(database, keys, "cw-ana"), "--why", "after rotation"]
    )
    assert shown.exit_code == 0 and "Zyxwandra" in shown.output


def test_export_aggregates_suppresses_small_cells(setup: tuple[Path, Path], tmp_path: Path) -> None:
    database, keys = setup
    for i in range(3):
        _add(database, keys, f"Syn{i}")
    out = tmp_path / "agg.csv"
    result = runner.invoke(
        cases_app,
        ["export-aggregates", *_common(database, keys, "rs-eve"), "--out", str(out), "--k", "3"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert {"dimension": "gender", "value": "Feminine", "count": "3"} in rows
    assert all(r["count"] == "" or int(r["count"]) >= 3 for r in rows)
    strict = runner.invoke(
        cases_app, ["export-aggregates", *_common(database, keys, "rs-eve"), "--out", str(out)]
    )
    assert strict.exit_code == 0
    assert all(r["count"] == "" for r in csv.DictReader(out.open()))


def _ok(app: typer.Typer, args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _directory(database: Path, keys: Path) -> tuple[str, str]:
    admin = _common(database, keys, "ad-fay")
    org = _ok(
        cases_app,
        ["directory", "add-organisation", *admin, "--name", "Harbour House", "--type", "NGO"],
    )
    service = _ok(
        cases_app,
        [
            "directory",
            "add-service",
            org,
            *admin,
            "--type",
            "shelter",
            "--language",
            "ro",
            "--language",
            "en",
            "--contact",
            "front desk",
        ],
    )
    return org, service


def test_directory_add_and_search(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    org, service = _directory(database, keys)
    found = _ok(
        cases_app,
        [
            "directory",
            "search",
            *_common(database, keys, "cw-ana"),
            "--type",
            "shelter",
            "--language",
            "ro",
        ],
    )
    assert service in found and "Harbour House" in found
    nothing = _ok(
        cases_app, ["directory", "search", *_common(database, keys, "cw-ana"), "--language", "fr"]
    )
    assert service not in nothing
    caseworker_writes = runner.invoke(
        cases_app,
        [
            "directory",
            "add-organisation",
            *_common(database, keys, "cw-ana"),
            "--role",
            "caseworker",
            "--name",
            "X",
            "--type",
            "NGO",
        ],
    )
    assert caseworker_writes.exit_code == 2 and "refused" in caseworker_writes.output
    bad_type = runner.invoke(
        cases_app,
        ["directory", "add-service", org, *_common(database, keys, "ad-fay"), "--type", "spa"],
    )
    assert bad_type.exit_code == 2 and "service type" in bad_type.output
    unknown_org = runner.invoke(
        cases_app,
        [
            "directory",
            "add-service",
            "nope",
            *_common(database, keys, "ad-fay"),
            "--type",
            "shelter",
        ],
    )
    assert unknown_org.exit_code == 2 and "no organisation" in unknown_org.output


def test_consent_grant_list_revoke_gates_referrals(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    org, service = _directory(database, keys)
    ana = _common(database, keys, "cw-ana")
    refer = ["referral", "create", case_id, *ana, "--why", "shelter", "--service", service]
    no_consent = runner.invoke(cases_app, [*refer, "--reason", "AdditionalServicesRequired"])
    assert no_consent.exit_code == 2 and "consent" in no_consent.output
    consent = _ok(
        cases_app,
        [
            "consent",
            "grant",
            case_id,
            *ana,
            "--why",
            "survivor agreed",
            "--purpose",
            "referral",
            "--to",
            org,
            "--expires",
            "2099-12-31T18:00+01:00",
        ],
    )
    listed = _ok(cases_app, ["consent", "list", case_id, *ana, "--why", "review"])
    assert consent in listed and "referral" in listed and "yes" in listed
    referral = _ok(cases_app, [*refer, "--reason", "AdditionalServicesRequired"])
    update = ["referral", "update", referral, *ana, "--why", "reply"]
    assert "accepted" in _ok(cases_app, [*update, "--status", "accepted"])
    wrong = runner.invoke(cases_app, [*update, "--status", "declined"])
    assert wrong.exit_code == 2 and "cannot become" in wrong.output
    lost = runner.invoke(cases_app, [*update, "--status", "lost"])
    assert lost.exit_code == 2 and "not a referral answer" in lost.output
    assert "completed" in _ok(cases_app, [*update, "--status", "completed"])
    revoke = ["consent", "revoke", consent, *ana, "--why", "survivor withdrew"]
    assert "revoked" in _ok(cases_app, revoke)
    listed = _ok(cases_app, ["consent", "list", case_id, *ana, "--why", "review"])
    assert listed.splitlines()[1].endswith("\tno")
    again = runner.invoke(cases_app, [*refer, "--reason", "AdditionalServicesRequired"])
    assert again.exit_code == 2 and "consent" in again.output
    foreign = runner.invoke(
        cases_app,
        ["consent", "list", case_id, *_common(database, keys, "cw-ben"), "--why", "curious"],
    )
    assert foreign.exit_code == 2 and "refused" in foreign.output


def test_consent_input_errors(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    org, _ = _directory(database, keys)
    grant = ["consent", "grant", case_id, *_common(database, keys, "cw-ana"), "--why", "w"]
    expired = runner.invoke(
        cases_app, [*grant, "--purpose", "referral", "--to", org, "--expires", "2001-01-01"]
    )
    assert expired.exit_code == 2 and "expired" in expired.output
    garbled = runner.invoke(
        cases_app, [*grant, "--purpose", "referral", "--to", org, "--expires", "soon"]
    )
    assert garbled.exit_code == 2 and "ISO" in garbled.output
    marketing = runner.invoke(cases_app, [*grant, "--purpose", "marketing", "--to", org])
    assert marketing.exit_code == 2 and "consent purpose" in marketing.output
    nowhere = runner.invoke(cases_app, [*grant, "--purpose", "referral", "--to", "nope"])
    assert nowhere.exit_code == 2 and "no organisation" in nowhere.output


# ---- status, reassign, perpetrator, support plan, link ------------------------------------------


def _store(database: Path, keys: Path) -> CaseStore:
    return CaseStore.open(str(database), crypto.load_keyring(keys))


def _audit_tail(database: Path) -> tuple[str, str, str, str]:
    connection = sqlite3.connect(database)
    row = connection.execute(
        "SELECT actor, action, outcome, purpose FROM cr_audit ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    connection.close()
    return tuple(row)  # type: ignore[return-value]


def test_status_and_reassign(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    ana = _common(database, keys, "cw-ana")
    out = _ok(cases_app, ["status", case_id, "FollowUp", *ana, "--why", "called back"])
    assert "FollowUp" in out
    assert _audit_tail(database) == ("cw-ana", "case.write", "allowed", "called back")
    bad = runner.invoke(cases_app, ["status", case_id, "Finished", *ana, "--why", "w"])
    assert bad.exit_code == 2 and "Finished" in bad.output
    other = runner.invoke(
        cases_app, ["status", case_id, "Closed", *_common(database, keys, "cw-ben"), "--why", "w"]
    )
    assert other.exit_code == 2
    assert _audit_tail(database)[:3] == ("cw-ben", "case.write", "denied")
    unknown = runner.invoke(cases_app, ["status", "f" * 32, "Closed", *ana, "--why", "w"])
    assert unknown.exit_code == 2 and "no case" in unknown.output

    cleo = _common(database, keys, "sup-cleo")
    moved = _ok(cases_app, ["reassign", case_id, "cw-ben", *cleo, "--why", "leave cover"])
    assert "cw-ben" in moved
    assert _audit_tail(database) == ("sup-cleo", "case.reassign", "allowed", "leave cover")
    refused = runner.invoke(
        cases_app, ["reassign", case_id, "cw-ana", *ana, "--role", "caseworker", "--why", "mine"]
    )
    assert refused.exit_code == 2
    assert _audit_tail(database)[:3] == ("cw-ana", "case.reassign", "denied")
    assert runner.invoke(cases_app, ["reassign", case_id, " ", *cleo, "--why", "w"]).exit_code == 2
    from test_cases_fixtures import SUPERVISOR

    view = _store(database, keys).read_case(SUPERVISOR, case_id, why="check")
    assert (view.status, view.owner_id) == ("FollowUp", "cw-ben")


def test_perpetrator_and_support_plan_add(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    _, service = _directory(database, keys)
    ana = _common(database, keys, "cw-ana")
    perpetrator = _ok(
        cases_app,
        [
            "perpetrator",
            "add",
            case_id,
            *ana,
            "--why",
            "intake",
            "--perpetrator-role",
            "RecruiterOrIntermediary",
            "--perpetrator-role",
            "Exploiter",
            "--name",
            "Kelvorrin",
            "--details",
            "met online",
        ],
    )
    assert len(perpetrator) == 32 and "Kelvorrin" not in perpetrator
    plan = _ok(
        cases_app,
        [
            "support-plan",
            "add",
            case_id,
            *ana,
            "--why",
            "plan",
            "--type",
            "Legal",
            "--objectives",
            "Residence permit",
            "--planned-end",
            "2026-09-30",
            "--service",
            service,
        ],
    )
    assert len(plan) == 32
    from test_cases_fixtures import CASEWORKER

    view = _store(database, keys).read_case(CASEWORKER, case_id, why="check")
    assert view.perpetrators == (
        (("RecruiterOrIntermediary", "Exploiter"), "Kelvorrin", "met online"),
    )
    assert [p[:3] for p in view.support_plans] == [("Legal", "Residence permit", date(2026, 9, 30))]
    assert view.support_plans[0][3] == (service,)
    assert b"Kelvorrin" not in database.read_bytes()
    base = ["perpetrator", "add", case_id, *ana, "--why", "w"]
    assert runner.invoke(cases_app, [*base, "--perpetrator-role", "Boss"]).exit_code == 2
    assert runner.invoke(cases_app, base).exit_code == 2  # a role is required
    plan_base = ["support-plan", "add", case_id, *ana, "--why", "w"]
    assert runner.invoke(cases_app, [*plan_base, "--type", "Picnic"]).exit_code == 2
    late = runner.invoke(cases_app, [*plan_base, "--type", "Legal", "--planned-end", "soon"])
    assert late.exit_code == 2 and "YYYY-MM-DD" in late.output
    nowhere = runner.invoke(cases_app, [*plan_base, "--type", "Legal", "--service", "nope"])
    assert nowhere.exit_code == 2 and "no service" in nowhere.output
    ben = runner.invoke(
        cases_app,
        [
            "perpetrator",
            "add",
            case_id,
            *_common(database, keys, "cw-ben"),
            "--why",
            "w",
            "--perpetrator-role",
            "Exploiter",
        ],
    )
    assert ben.exit_code == 2
    assert _audit_tail(database)[:3] == ("cw-ben", "case.write", "denied")


def test_link_prints_only_the_pseudonym(setup: tuple[Path, Path]) -> None:
    database, keys = setup
    case_id = _add(database, keys)
    ana = _common(database, keys, "cw-ana")
    phone = "+12125550123"
    base = ["link", case_id, *ana, "--why", "seen in an ad"]
    out = _ok(cases_app, [*base, "--kind", "phone", "--canonical", phone])
    ring = crypto.load_keyring(keys)
    assert out == crypto.pseudonym(ring.pseudonym_key, "phone", phone)
    assert phone not in out
    piped = runner.invoke(
        cases_app, [*base, "--kind", "email", "--canonical", "-"], input="a@b.c\n"
    )
    assert piped.exit_code == 0 and "a@b.c" not in piped.output
    assert piped.output.strip() == crypto.pseudonym(ring.pseudonym_key, "email", "a@b.c")
    assert phone.encode() not in database.read_bytes()
    name = runner.invoke(cases_app, [*base, "--kind", "name", "--canonical", "x"])
    assert name.exit_code == 2 and "--kind" in name.output
    empty = runner.invoke(cases_app, [*base, "--kind", "phone", "--canonical", " "])
    assert empty.exit_code == 2
    analyst = runner.invoke(
        cases_app,
        [
            "link",
            case_id,
            *_common(database, keys, "an-dev"),
            "--role",
            "analyst",
            "--why",
            "w",
            "--kind",
            "phone",
            "--canonical",
            phone,
        ],
    )
    assert analyst.exit_code == 2 and phone not in analyst.output
    assert _audit_tail(database)[:3] == ("an-dev", "link.write", "denied")


def test_the_api_link_kinds_are_the_stores() -> None:
    from typing import get_args

    from threadline.api.cases import LinkKind

    assert get_args(LinkKind) == LINK_KINDS
