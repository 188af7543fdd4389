"""Evidence packs with a PDF printed by Debian's Chromium, and without one when there is none.

`.ci/run` installs Chromium; without it the tests that print a real PDF fail with a clear
message rather than skipping, so that CI cannot pass without a PDF having been made.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from threadline.cli import app
from threadline.steps.link import load_networks
from threadline.web import evidence
from threadline.web.evidence import PackError, build_pack, verify_pack
from threadline.web.pdf import CHROMIUM_ENV, PdfError, find_chromium, html_to_pdf
from threadline.workspace import Workspace
from web_fixtures import build_workspace

CHROMIUM = os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium"
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace and its best network that has a phone (for the masking test)."""
    path, _ = build_workspace(tmp_path_factory.mktemp("pdf"), n=300, seed=5)
    with Workspace.open(path, read_only=True) as ws:
        network = next(item["id"] for item in load_networks(ws) if item["phones"])
    return path, network


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    monkeypatch.setenv(CHROMIUM_ENV, CHROMIUM)
    return CHROMIUM


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))


def _fake(tmp_path: Path, body: str) -> str:
    """A stand-in for chromium: a shell script that sees the same arguments."""
    script = tmp_path / "chromium"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


# The argument that names the PDF to write, as a real Chromium gets it.
_PDF_PATH = (
    'for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; esac; done'
)


def _read(pack: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_find_chromium_follows_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chromium: str
) -> None:
    assert find_chromium() == chromium
    fake = _fake(tmp_path, "exit 0")
    monkeypatch.setenv(CHROMIUM_ENV, fake)
    assert find_chromium() == fake
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\n")
    for wrong in (str(plain), str(tmp_path), str(tmp_path / "missing")):
        monkeypatch.setenv(CHROMIUM_ENV, wrong)
        assert find_chromium() is None, wrong  # a wrong setting never falls back
    monkeypatch.delenv(CHROMIUM_ENV)
    assert find_chromium() is not None  # chromium on the PATH or /usr/bin/chromium


def test_pack_holds_a_pdf_that_verifies_and_tampering_is_caught(
    workspace: tuple[Path, str], chromium: str
) -> None:
    path, network = workspace
    pack = build_pack(path, network)  # auto: Chromium is there, so the PDF is in
    files = _read(pack)
    assert files["network.pdf"].startswith(b"%PDF-")
    manifest = orjson.loads(files["manifest.json"])
    assert manifest["pdf"] == {"included": True, "reason": None}
    assert manifest["files"]["network.pdf"] == hashlib.sha256(files["network.pdf"]).hexdigest()
    assert set(manifest["files"]) == {"network.html", "network.json", "network.pdf"}
    assert verify_pack(pack)["pdf"]["included"] is True
    pdf = files["network.pdf"]
    tampered = pdf[:-200] + bytes(b ^ 1 for b in pdf[-200:-100]) + pdf[-100:]
    with pytest.raises(PackError, match=r"network\.pdf does not match"):
        verify_pack(_rezip({**files, "network.pdf": tampered}))
    without = {name: data for name, data in files.items() if name != "network.pdf"}
    with pytest.raises(PackError, match=r"network\.pdf"):
        verify_pack(_rezip(without))


def test_masked_pdf_is_printed_from_the_masked_html(
    workspace: tuple[Path, str], chromium: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, network = workspace
    plain = _read(build_pack(path, network, pdf=False))
    document = orjson.loads(plain["network.json"])
    phones = set(document["network"]["phones"])
    raw = {
        post["text"][item["span"][0] : item["span"][1]]
        for post in document["posts"]
        for item in post["identifiers"]
        if item["kind"] == "phone" and item["field"] == "text"
    }
    assert phones and raw
    shown = plain["network.html"].decode()
    assert all(value in shown or html.escape(value) in shown for value in phones | raw)
    printed: list[bytes] = []

    def spy(page: bytes, binary: str, **kwargs: Any) -> bytes:
        printed.append(page)
        return html_to_pdf(page, binary, **kwargs)

    monkeypatch.setattr(evidence, "html_to_pdf", spy)
    files = _read(build_pack(path, network, mask=True, pdf=True))
    assert printed == [files["network.html"]]  # the PDF is printed from the pack's own HTML
    assert files["network.pdf"].startswith(b"%PDF-")
    masked = files["network.html"].decode()
    leaked = [value for value in phones | raw if html.escape(value) in masked or value in masked]
    assert not leaked, f"phones in the masked HTML the PDF was printed from: {leaked}"
    assert orjson.loads(files["manifest.json"])["masked"] is True


def test_without_chromium_the_pack_says_why(workspace: tuple[Path, str], no_chromium: None) -> None:
    path, network = workspace
    pack = build_pack(path, network)
    assert "network.pdf" not in _read(pack)
    manifest = verify_pack(pack)
    assert manifest["pdf"] == {"included": False, "reason": "no Chromium found"}
    assert "network.pdf" not in manifest["files"]
    with pytest.raises(PackError, match="no Chromium was found"):
        build_pack(path, network, pdf=True)


def test_disabled_never_runs_chromium(
    workspace: tuple[Path, str], chromium: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("Chromium ran although the PDF was disabled")

    monkeypatch.setattr(evidence, "html_to_pdf", never)
    path, network = workspace
    manifest = verify_pack(build_pack(path, network, pdf=False))
    assert manifest["pdf"] == {"included": False, "reason": "disabled"}


def test_html_to_pdf_prints_the_page_from_a_private_directory_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, copy = tmp_path / "args", tmp_path / "copy.html"
    monkeypatch.setenv("FAKE_ARGS", str(args))
    monkeypatch.setenv("FAKE_COPY", str(copy))
    fake = _fake(
        tmp_path,
        f'printf "%s\\n" "$@" > "$FAKE_ARGS"\n{_PDF_PATH}\n'
        'for a in "$@"; do page="$a"; done\ncp "${page#file://}" "$FAKE_COPY"\n'
        'printf "%%PDF-1.4 fake" > "$out"',
    )
    page = "<!doctype html><p>Call two one two 555 0123 — ünïcode</p>".encode()
    assert html_to_pdf(page, fake) == b"%PDF-1.4 fake"
    assert copy.read_bytes() == page
    seen = args.read_text().splitlines()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        assert flag in seen
    assert "--no-pdf-header-footer" in seen
    private = Path(seen[-1].removeprefix("file://")).parent
    assert seen[-1] == (private / "network.html").as_uri()
    assert f"--user-data-dir={private / 'profile'}" in seen
    assert f"--print-to-pdf={private / 'out.pdf'}" in seen
    assert not private.exists()  # removed with the HTML it held


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("echo 'cannot open display' >&2; exit 1", r"exited with status 1: cannot open display"),
        ("exit 0", "without writing a PDF"),
        (f'{_PDF_PATH}\necho "<html>garbage" > "$out"', "not a PDF"),
    ],
)
def test_html_to_pdf_fails_clearly(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(PdfError, match=message):
        html_to_pdf(b"<p>x</p>", _fake(tmp_path, body))


def test_html_to_pdf_stops_a_chromium_that_hangs(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(PdfError, match="within 1 s"):
        html_to_pdf(b"<p>x</p>", _fake(tmp_path, "sleep 30 & sleep 30"), timeout=1)
    assert time.monotonic() - start < 10


def test_failing_chromium_fails_a_required_pdf_only(
    workspace: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, _fake(tmp_path, "echo 'it broke' >&2; exit 1"))
    path, network = workspace
    with pytest.raises(PackError, match=r"a PDF was asked for but it failed: .*it broke"):
        build_pack(path, network, pdf=True)
    manifest = verify_pack(build_pack(path, network))
    assert manifest["pdf"] == {"included": False, "reason": "Chromium failed"}


def test_cli_export_with_and_without_pdf(
    workspace: tuple[Path, str], tmp_path: Path, chromium: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, network = workspace
    out = tmp_path / "pack.zip"
    base = ["export", network, "-w", str(path), "--out", str(out)]
    made = runner.invoke(app, [*base, "--pdf"])
    assert made.exit_code == 0, made.output
    assert "with a PDF" in made.stdout
    assert verify_pack(out.read_bytes())["pdf"]["included"] is True
    made = runner.invoke(app, [*base, "--no-pdf"])
    assert made.exit_code == 0, made.output
    assert "without a PDF: disabled" in made.stdout
    assert "network.pdf" not in _read(out.read_bytes())
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    made = runner.invoke(app, base)
    assert made.exit_code == 0 and "without a PDF: no Chromium found" in made.stdout
    out.unlink()
    required = runner.invoke(app, [*base, "--pdf"])
    assert required.exit_code == 2 and "no Chromium was found" in required.output
    assert not out.exists()
