"""The pages in a real headless Chromium (Debian's, driven by Playwright) against a real server
started by `threadline serve` on a free loopback port.

`.ci/run` installs Chromium; without it this test fails with a clear message rather than
skipping, so that CI cannot pass without a browser having run the pages.
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
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_api

from threadline.accounts import AccountStore
from web_fixtures import HOSTILE, build_workspace

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("browser")
    path, _ = build_workspace(root, n=300, seed=6)
    accounts = AccountStore(root / "app.sqlite")
    password = accounts.add_user("ana", "analyst")
    accounts.close()
    port = _free_port()
    threadline = Path(sys.executable).with_name("threadline")
    process = subprocess.Popen(
        [
            str(threadline),
            "serve",
            "--workspace",
            str(path),
            "--port",
            str(port),
            "--db",
            str(root / "app.sqlite"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
        yield base, password
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def p(server: tuple[str, str]) -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        base, password = server
        context = browser.new_context(base_url=base)
        page = context.new_page()
        # Everything needs sign-in: the first page is the sign-in form.
        page.goto("/networks")
        playwright_api.expect(page.locator("h1")).to_have_text("Sign in")
        page.fill("#name", "ana")
        page.fill("#password", password)
        page.click("#login-form button")
        playwright_api.expect(page.locator("h1")).to_have_text("Networks")
        playwright_api.expect(page.locator("#signed-in")).to_contain_text("ana")
        yield page
        browser.close()


def test_overview_to_a_flagged_post(p: Any) -> None:
    p.goto("/")
    expect = playwright_api.expect
    expect(p.locator("h1")).to_have_text("Overview")
    first = p.locator("#top-flagged a").first
    expect(first).to_be_visible()
    first.click()
    expect(p.locator("h1")).to_contain_text("Post")
    expect(p.locator("#post-text mark.flag").first).to_be_visible()


def test_hostile_text_is_shown_not_run(p: Any) -> None:
    dialogs: list[str] = []
    p.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    p.goto("/posts/" + HOSTILE["id"].replace("<", "%3C").replace(">", "%3E"))
    text = p.locator("#post-text")
    playwright_api.expect(text).to_have_text(HOSTILE["text"])
    playwright_api.expect(text.locator("mark.id-phone")).to_have_text("two one two 555 0123")
    assert dialogs == []


def test_cluster_template_and_members(p: Any) -> None:
    p.goto("/clusters")
    p.locator("#clusters a").first.click()
    playwright_api.expect(p.locator("#template")).to_be_visible()
    rows = p.locator("#members tr")
    assert rows.count() >= 3  # a header and at least two members


def test_screening_form(p: Any) -> None:
    p.goto("/screen")
    p.fill("#text", "Agency pays travel and visa. Passport kept by the boss, fee $300 first")
    p.select_option("#profile", "job")
    p.click("#screen-form button")
    score = p.locator("#score")
    playwright_api.expect(score).to_be_visible()
    assert float(score.inner_text()) >= 0.5
    playwright_api.expect(p.locator("#flags")).to_contain_text("DR.PASSPORT_HELD")


def test_cluster_map_draws_the_circuit_offline(p: Any, tmp_path: Path) -> None:
    requests: list[str] = []
    p.on("request", lambda request: requests.append(request.url))
    p.goto("/clusters")
    p.locator("#clusters a").first.click()
    stops = p.locator("#circuit tr").count() - 1
    assert stops >= 1
    playwright_api.expect(p.locator("#circuit-map")).to_have_attribute("data-ready", str(stops))
    assert p.locator("#circuit-map path.circuit-stop").count() == stops
    assert p.locator("#timeline rect.bar").count() >= 1
    p.screenshot(path=str(tmp_path / "cluster.png"), full_page=True)
    # Everything came from the app itself: no CDN, no tile server.
    assert requests and all(url.startswith(p.url.split("/clusters")[0]) for url in requests)


def test_network_page_draws_graph_and_circuit(p: Any) -> None:
    p.goto("/networks")
    p.locator("#networks a").first.click()
    playwright_api.expect(p.locator("h1")).to_contain_text("Network")
    graph = p.locator("#network-graph")
    playwright_api.expect(graph).to_have_attribute("data-ready", re.compile(r"^[1-9]\d*$"))
    assert graph.locator("canvas").count() >= 1
    stops = p.locator("#circuit tr").count() - 1
    playwright_api.expect(p.locator("#circuit-map")).to_have_attribute("data-ready", str(stops))
    playwright_api.expect(p.locator("#factors")).to_contain_text("multi_persona")


def test_search_then_follow_to_the_network(p: Any) -> None:
    p.goto("/search")
    p.fill("#q", "(212) 555-0123")
    p.click("#search-form button")
    playwright_api.expect(p.locator(".match h2").first).to_contain_text("+12125550123")
    p.locator(".match a[href^='/posts/']").first.click()
    playwright_api.expect(p.locator("#post-text mark.id-phone").first).to_be_visible()


ARTIFACTS = Path(os.environ.get("THREADLINE_TEST_ARTIFACTS", "test-artifacts"))


def test_top_network_renders_is_labelled_and_exported(p: Any) -> None:
    from threadline.web.evidence import verify_pack

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.goto("/networks")
    top = p.locator("#networks a").first
    network = top.inner_text()
    top.click()
    playwright_api.expect(p.locator("#network-graph")).to_have_attribute(
        "data-ready", re.compile(r"^[1-9]\d*$")
    )
    assert p.locator("#timeline rect.bar").count() >= 1
    stops = p.locator("#circuit tr").count() - 1
    playwright_api.expect(p.locator("#circuit-map")).to_have_attribute("data-ready", str(stops))
    p.screenshot(path=str(ARTIFACTS / "network.png"), full_page=True)
    p.select_option("#label", "trafficking")
    p.fill("#note", "four personas behind one phone")
    p.click("#label-form button")
    playwright_api.expect(p.locator("#current-label")).to_contain_text("trafficking")
    with p.expect_download() as download_info:
        p.click("#export-form button")
    pack = Path(download_info.value.path()).read_bytes()
    manifest = verify_pack(pack)
    assert manifest["network"] == network and manifest["exported_by"] == "ana"
    (ARTIFACTS / f"{network}-evidence.zip").write_bytes(pack)
