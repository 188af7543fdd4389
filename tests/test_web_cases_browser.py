"""The case pages in a real headless Chromium (Debian's, driven by Playwright) against a real
server started by `threadline serve --cases-db` on a free loopback port.

Like tests/test_web_browser.py, a missing Chromium fails the test with a clear message rather
than skipping it. Synthetic people only.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_api

from threadline.accounts import AccountStore
from threadline.cases import crypto
from threadline.cases.policy import Principal as CasePrincipal
from threadline.cases.store import CaseContext, CaseStore, PersonInput

CHROMIUM = os.environ.get("THREADLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("THREADLINE_TEST_ARTIFACTS", "test-artifacts"))
NAME = "Quillara"  # synthetic


@dataclass
class Served:
    base: str
    password: str
    case_id: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("cases-browser")
    accounts = AccountStore(root / "app.sqlite")
    password = accounts.add_user(
        "cw-ana", "viewer", case_role="caseworker", organisation="org-north"
    )
    accounts.close()
    key_file = root / "keys.json"
    ring = crypto.new_keyring()
    crypto.write_key_file(key_file, ring)
    store = CaseStore.open(str(root / "cases.sqlite"), ring)
    case_id = store.create_case(
        CasePrincipal("cw-ana", frozenset({"caseworker"}), "org-north"),
        PersonInput(given_name=NAME, family_name="Synthetic", gender="Feminine"),
        CaseContext(control_methods=("DebtBondage",), exploitation_types=("ForcedLabour",)),
        why="intake",
    )
    store.engine.dispose()
    port = _free_port()
    threadline = Path(sys.executable).with_name("threadline")
    environment = {k: v for k, v in os.environ.items() if k not in (crypto.KEY_ENV,)}
    process = subprocess.Popen(
        [
            str(threadline),
            "serve",
            "--port",
            str(port),
            "--db",
            str(root / "app.sqlite"),
            "--cases-db",
            str(root / "cases.sqlite"),
            "--cases-key-file",
            str(key_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/v1/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "threadline serve did not start: "
                        + (process.stderr.read().decode() if process.stderr else "")
                    ) from None
                time.sleep(0.2)
        yield Served(base, password, case_id)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def p(server: Served) -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=server.base)
        page = context.new_page()
        page.goto("/cases")
        playwright_api.expect(page.locator("h1")).to_have_text("Sign in")
        page.fill("#name", "cw-ana")
        page.fill("#password", server.password)
        page.click("#login-form button")
        playwright_api.expect(page.locator("h1")).to_have_text("Why are you opening your caseload?")
        yield page
        browser.close()


def test_caseworker_opens_her_case_and_adds_a_comment(p: Any, server: Served) -> None:
    expect = playwright_api.expect
    # the caseload asks why first (once per session)
    p.goto("/cases")
    expect(p.locator("#nav-cases")).to_be_visible()
    if p.locator("#purpose-form").count():
        expect(p.locator("h1")).to_have_text("Why are you opening your caseload?")
        p.fill("#why", "weekly review")
        p.click("#purpose-form button")
    expect(p.locator("#caseload")).to_contain_text(NAME)
    p.click(f'#caseload tr[data-case="{server.case_id}"] a')
    expect(p.locator("h1")).to_have_text("Why are you opening this case?")
    p.fill("#why", "follow-up call")
    p.click("#purpose-form button")
    expect(p.locator("h1")).to_contain_text(NAME)
    expect(p.locator("#context")).to_contain_text("Debt bondage")
    p.fill("#comment-text", "Called back; synthetic follow-up.")
    p.click("#comment-form button")
    expect(p.locator("#comment-list")).to_contain_text("Called back; synthetic follow-up.")
    expect(p.locator("#comment-list")).to_contain_text("cw-ana")
    # her account, once: after recording it, no second entry form is offered
    p.fill("#account-body", "Synthetic account in her words.")
    p.click("#account-form button")
    expect(p.locator("#account-text")).to_have_text("Synthetic account in her words.")
    expect(p.locator("#account-form")).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)


def test_caseworker_opens_a_new_case_with_picklists(p: Any) -> None:
    expect = playwright_api.expect
    p.goto("/cases/new")
    expect(p.locator("h1")).to_have_text("Open a case")
    p.fill("#why", "intake interview")
    p.fill("#given_name", "Maravelle")
    p.select_option("#gender", "Feminine")
    p.select_option("#control_methods", ["WithholdsDocuments", "FalsePromises"])
    p.select_option("#recruitment_apps", ["Telegram"])
    p.click("#new-case button[type=submit]")
    expect(p.locator("h1")).to_contain_text("Maravelle")
    expect(p.locator("#context")).to_contain_text("Withholds documents")
    expect(p.locator("#context")).to_contain_text("False promises")
    p.goto("/cases")
    if p.locator("#purpose-form").count():  # when this test runs first, or alone
        p.fill("#why", "weekly review")
        p.click("#purpose-form button")
    expect(p.locator("#caseload")).to_contain_text("Maravelle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "caseload.png"), full_page=True)


def test_caseworker_corrects_her_details_and_links_her_case(p: Any, server: Served) -> None:
    expect = playwright_api.expect
    p.goto(f"/cases/{server.case_id}")
    if p.locator("#purpose-form").count():  # when this test runs first, or alone
        p.fill("#why", "correcting her details")
        p.click("#purpose-form button")
    expect(p.locator("#person")).to_contain_text("Synthetic")
    expect(p.locator("#person-form")).to_be_hidden()  # folded away until asked for
    p.click("#person-correct summary")
    expect(p.locator("#fix-given_name")).to_have_value(NAME)
    p.fill("#fix-family_name", "Corrected")
    p.click("#person-form button[type=submit]")
    expect(p.locator("h1")).to_contain_text(f"{NAME} Corrected")
    expect(p.locator("#person")).to_contain_text(f"{NAME} Corrected")
    # the same form sent again unchanged writes nothing
    p.click("#person-correct summary")
    p.click("#person-form button[type=submit]")
    expect(p.locator("h1")).to_have_text("Nothing changed")
    p.click("#unchanged a")
    # a link: only the pseudonym is shown afterwards
    p.select_option("#link-kind", "phone")
    p.fill("#link-value", "+40799000111")
    p.click("#link-form button[type=submit]")
    expect(p.locator("#link-list code.pseudonym")).to_have_text(re.compile(r"^[0-9a-f]{12}$"))
    expect(p.locator("body")).not_to_contain_text("+40799000111")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "case-corrected.png"), full_page=True)
