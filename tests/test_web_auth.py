"""Sign-in, sessions, CSRF, API tokens, rate limits and the audit trail of the served app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from threadline.accounts import AccountStore
from threadline.api import create_app
from threadline.workspace import Workspace
from web_fixtures import build_workspace

POST = {"text": "Barely legal 17 yo, ask my manager"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("auth"), n=300, seed=2)[0]


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "app.sqlite")


@pytest.fixture
def client(workspace: Path, store: AccountStore) -> Iterator[TestClient]:
    with TestClient(create_app(workspace=workspace, accounts=store)) as test_client:
        yield test_client


def _sign_in(client: TestClient, name: str, password: str, next_path: str = "/") -> Any:
    form = client.get(f"/login?next={next_path}")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf": token.group(1), "next": next_path},
        follow_redirects=False,
    )


def test_everything_but_health_needs_a_principal(client: TestClient) -> None:
    page = client.get("/networks", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/networks"
    api = client.post("/v1/screen", json=POST)
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert client.get("/openapi.json", follow_redirects=False).status_code == 303
    assert client.get("/v1/health").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_sign_in_sets_a_strict_http_only_session(client: TestClient, store: AccountStore) -> None:
    password = store.add_user("ana", "analyst")
    wrong = _sign_in(client, "ana", "not-it")
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    done = _sign_in(client, "ana", password, "/networks")
    assert done.status_code == 303 and done.headers["location"] == "/networks"
    cookie = done.headers["set-cookie"]
    assert "tl_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/networks")
    assert page.status_code == 200 and 'id="signed-in">ana (analyst)' in page.text
    actions = [entry.action for entry in store.audit()]
    assert "login" in actions and "login.failed" in actions


def test_sign_in_refuses_forged_forms_and_open_redirects(
    client: TestClient, store: AccountStore
) -> None:
    password = store.add_user("ana", "viewer")
    client.get("/login")
    forged = client.post(
        "/login", data={"name": "ana", "password": password, "csrf": "x" * 43, "next": "/"}
    )
    assert forged.status_code == 403
    away = _sign_in(client, "ana", password, "//evil.example/steal")
    assert away.status_code == 303 and away.headers["location"] == "/"


def test_forms_need_the_session_csrf_token(client: TestClient, store: AccountStore) -> None:
    password = store.add_user("ana", "analyst")
    _sign_in(client, "ana", password)
    form = client.get("/screen")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    assert client.post("/screen", data={"text": "barely legal"}).status_code == 403
    bad = client.post("/screen", data={"text": "barely legal", "csrf": "forged"})
    assert bad.status_code == 403
    good = client.post("/screen", data={"text": "barely legal", "csrf": token.group(1)})
    assert good.status_code == 200 and 'id="score"' in good.text
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    out = client.post("/logout", data={"csrf": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/networks", follow_redirects=False).status_code == 303


def test_api_tokens_authenticate_and_revocation_is_immediate(
    client: TestClient, store: AccountStore
) -> None:
    token_id, secret = store.create_token("platform", "viewer")
    headers = {"Authorization": f"Bearer {secret}"}
    ok = client.post("/v1/screen", json=POST, headers=headers)
    assert ok.status_code == 200 and ok.json()["flagged"]
    store.revoke_token(token_id)
    revoked = client.post("/v1/screen", json=POST, headers=headers)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


def test_rate_limit_answers_429_with_retry_after(workspace: Path, store: AccountStore) -> None:
    _, secret = store.create_token("burst", "analyst")
    headers = {"Authorization": f"Bearer {secret}"}
    app = create_app(workspace=workspace, accounts=store, rate_per_minute=6, rate_burst=2)
    with TestClient(app) as limited:
        codes = [
            limited.post("/v1/screen", json=POST, headers=headers).status_code for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        refused = limited.post("/v1/screen", json=POST, headers=headers)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "rate limit" in refused.json()["detail"]


def test_network_views_are_audited(
    client: TestClient, store: AccountStore, workspace: Path
) -> None:
    password = store.add_user("ana", "analyst")
    _sign_in(client, "ana", password)
    with Workspace.open(workspace, read_only=True) as ws:
        network = ws.engine.scalar("SELECT network_id FROM networks ORDER BY score DESC LIMIT 1")
    assert client.get(f"/networks/{network}").status_code == 200
    entry = store.audit(limit=1)[0]
    assert (entry.actor, entry.action, entry.resource) == (
        "user:ana",
        "network.view",
        f"network:{network}",
    )
    assert store.verify_audit()[0]


def test_a_disabled_user_is_signed_out(client: TestClient, store: AccountStore) -> None:
    password = store.add_user("ana", "analyst")
    _sign_in(client, "ana", password)
    assert client.get("/networks").status_code == 200
    store.disable_user("ana")
    assert client.get("/networks", follow_redirects=False).status_code == 303


def _csrf(page_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert found is not None
    return found.group(1)


def test_analysts_label_networks_and_the_ranking_can_be_refit(
    client: TestClient, store: AccountStore, workspace: Path
) -> None:
    password = store.add_user("ana", "analyst")
    _sign_in(client, "ana", password)
    with Workspace.open(workspace, read_only=True) as ws:
        ranked = [
            r[0]
            for r in ws.engine.fetchall(
                "SELECT network_id FROM networks ORDER BY score DESC, network_id"
            )
        ]
    page = client.get(f"/networks/{ranked[0]}")
    token = _csrf(page.text)
    assert 'id="label-form"' in page.text
    labelled = client.post(
        f"/networks/{ranked[0]}/label",
        data={
            "label": "trafficking",
            "confidence": "0.9",
            "note": "same phone, 4 personas",
            "csrf": token,
        },
        follow_redirects=False,
    )
    assert labelled.status_code == 303
    shown = client.get(f"/networks/{ranked[0]}")
    assert (
        'id="current-label"' in shown.text
        and "trafficking" in shown.text
        and "by ana" in shown.text
    )
    assert (
        client.post(
            f"/networks/{ranked[0]}/label", data={"label": "nonsense", "csrf": token}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/networks/{ranked[0]}/label", data={"label": "scam", "csrf": "forged"}
        ).status_code
        == 403
    )
    assert (
        client.post("/networks/nw-none/label", data={"label": "scam", "csrf": token}).status_code
        == 404
    )
    before = client.get("/labels")
    assert 'id="refit-problem"' in before.text  # one class only: nothing to fit yet
    for network in ranked[-3:]:
        client.post(f"/networks/{network}/label", data={"label": "independent", "csrf": token})
    client.post(f"/networks/{ranked[1]}/label", data={"label": "trafficking", "csrf": token})
    after = client.get("/labels")
    assert 'id="refit-weights"' in after.text and 'id="refit-ranking"' in after.text
    assert 'id="next-to-review"' in after.text
    export = client.get("/labels.json")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    items = export.json()
    assert (
        len(items) == 5 and items[0]["labelled_by"] == "ana" and items[0]["target_id"] == ranked[0]
    )
    assert items[0]["note"] == "same phone, 4 personas" and items[0]["confidence"] == 0.9
    actions = [entry.action for entry in store.audit(limit=50)]
    assert actions.count("label") == 5 and "export" in actions


def test_viewers_may_not_label_or_export(
    client: TestClient, store: AccountStore, workspace: Path
) -> None:
    password = store.add_user("vic", "viewer")
    _sign_in(client, "vic", password)
    with Workspace.open(workspace, read_only=True) as ws:
        network = ws.engine.scalar("SELECT network_id FROM networks LIMIT 1")
    token = _csrf(client.get(f"/networks/{network}").text)
    refused = client.post(f"/networks/{network}/label", data={"label": "scam", "csrf": token})
    assert refused.status_code == 403
    assert client.get("/labels.json").status_code == 403
    assert client.get("/labels").status_code == 200


def test_evidence_pack_verifies_and_masks(
    client: TestClient, store: AccountStore, workspace: Path
) -> None:
    import io
    import zipfile

    import orjson

    from threadline.web.evidence import PackError, verify_pack

    password = store.add_user("ana", "analyst")
    _sign_in(client, "ana", password)
    with Workspace.open(workspace, read_only=True) as ws:
        network, phone = ws.engine.fetchone(
            "SELECT n.network_id, i.canonical FROM network_identifiers i JOIN networks n "
            "USING (network_id) WHERE i.kind = 'phone' ORDER BY n.score DESC LIMIT 1"
        ) or ("", "")
    token = _csrf(client.get(f"/networks/{network}").text)
    plain = client.post(f"/networks/{network}/export", data={"csrf": token})
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/zip"
    manifest = verify_pack(plain.content)
    assert manifest["network"] == network and manifest["exported_by"] == "ana"
    assert manifest["masked"] is False and len(manifest["workspace"]["sha256"]) == 64
    # Chromium is installed (.ci/run does it), so the web export prints the PDF too.
    assert set(manifest["files"]) == {"network.html", "network.json", "network.pdf"}
    assert manifest["pdf"] == {"included": True, "reason": None}
    archive = zipfile.ZipFile(io.BytesIO(plain.content))
    assert phone in archive.read("network.json").decode()
    html = archive.read("network.html").decode()
    assert "<script" not in html and "https://" not in html
    masked = client.post(f"/networks/{network}/export", data={"csrf": token, "mask": "true"})
    masked_files = zipfile.ZipFile(io.BytesIO(masked.content))
    for name in ("network.json", "network.html"):
        assert phone not in masked_files.read(name).decode()
    assert verify_pack(masked.content)["masked"] is True
    document = orjson.loads(masked_files.read("network.json"))
    assert any("[phone " in item["value"] for item in document["network"]["identifiers"])
    # Any change to a file is found.
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            out.writestr(
                name, data.replace(b"Network", b"Netw0rk") if name == "network.html" else data
            )
    with pytest.raises(PackError, match=r"network\.html"):
        verify_pack(tampered.getvalue())
    with pytest.raises(PackError, match="not an evidence pack"):
        verify_pack(b"not a zip")
    assert client.post("/networks/nw-none/export", data={"csrf": token}).status_code == 404
    assert client.post(f"/networks/{network}/export", data={"csrf": "forged"}).status_code == 403
    exports = [e for e in store.audit(limit=20) if e.action == "export"]
    assert len(exports) == 2 and exports[0].detail == "evidence pack (masked)"


def test_network_list_is_paginated(
    client: TestClient, store: AccountStore, workspace: Path
) -> None:
    password = store.add_user("ana", "viewer")
    _sign_in(client, "ana", password)
    with Workspace.open(workspace, read_only=True) as ws:
        total = ws.count("networks")
        ranked = [
            r[0]
            for r in ws.engine.fetchall(
                "SELECT network_id FROM networks ORDER BY score DESC, network_id"
            )
        ]
    first = client.get("/networks")
    ids = re.findall(r'<tr><td><a href="/networks/(nw-[0-9a-f]+)">', first.text)
    assert ids == ranked[:100]
    if total > 100:
        assert 'rel="next"' in first.text
        second = client.get("/networks", params={"page": 2})
        assert (
            re.findall(r'<tr><td><a href="/networks/(nw-[0-9a-f]+)">', second.text)
            == ranked[100:200]
        )
        assert 'rel="prev"' in second.text
    assert client.get("/networks", params={"page": 0}).status_code == 422
    beyond = client.get("/networks", params={"page": 999})
    assert (
        beyond.status_code == 200 and "/networks/nw-" not in beyond.text.split('id="networks"')[1]
    )
