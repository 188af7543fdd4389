"""PDF copies of evidence packs, printed by a headless Chromium.

Debian's ``chromium`` (from the distribution's registry; ``.ci/run`` installs it) is the
converter: it prints the pack's self-contained HTML as a browser shows it, so the PDF and the
HTML agree, and nothing else has to be installed. The HTML holds personal data, so it is
written only to a private temporary directory (with Chromium's throwaway profile) that is
removed afterwards, is never logged nor put in an error message, and Chromium runs without a
shell, with background networking off and every host name resolving to nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from threadline.errors import ThreadlineError

__all__ = ["CHROMIUM_ENV", "PdfError", "find_chromium", "html_to_pdf"]

#: Names the Chromium to use; set to a path that is not an executable file, it turns PDFs off.
CHROMIUM_ENV = "THREADLINE_CHROMIUM"
_DEFAULT = "/usr/bin/chromium"
_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--no-first-run",
    "--no-pdf-header-footer",  # no date, title or file:// path printed on every page
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # the page is self-contained: no host is needed
)


class PdfError(ThreadlineError):
    """Chromium could not print the PDF."""


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_chromium() -> str | None:
    """The Chromium to print with: ``THREADLINE_CHROMIUM`` when set (None when that is not an
    executable file, so a wrong setting never silently falls back), else ``chromium`` on the
    PATH or Debian's ``/usr/bin/chromium``."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if _executable(configured) else None
    found = shutil.which("chromium")
    if found:
        return found
    return _DEFAULT if _executable(_DEFAULT) else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill what is left of Chromium's process group (helpers can outlive the browser)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _last_line(log: Path) -> str:
    """The last line Chromium wrote to stderr, shortened: enough to say why it failed."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1][:300]}" if lines else ""


def html_to_pdf(html: bytes, chromium: str, *, timeout: float = 60) -> bytes:
    """The PDF Chromium prints from ``html``; :class:`PdfError` when it fails, runs longer than
    ``timeout`` seconds, or writes no PDF."""
    with tempfile.TemporaryDirectory(prefix="threadline-pdf-") as tmp:  # mode 0700
        root = Path(tmp)
        page = root / "network.html"
        page.write_bytes(html)
        out = root / "out.pdf"
        log = root / "chromium.log"
        command = [
            chromium,
            *_FLAGS,
            f"--user-data-dir={root / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        # stderr goes to a file, not a pipe: a helper that outlives Chromium could hold a pipe
        # open; its own session lets a timeout kill every process Chromium started.
        with log.open("wb") as stderr:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    start_new_session=True,
                )
            except OSError as exc:
                raise PdfError(f"cannot run Chromium {chromium}: {exc.strerror}") from None
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                raise PdfError(f"Chromium did not print the PDF within {timeout:g} s") from None
            _stop(process)
        if process.returncode != 0:
            raise PdfError(f"Chromium exited with status {process.returncode}{_last_line(log)}")
        if not out.is_file():
            raise PdfError(f"Chromium exited without writing a PDF{_last_line(log)}")
        data = out.read_bytes()
        if not data.startswith(b"%PDF-"):
            raise PdfError("Chromium wrote a file that is not a PDF")
        return data
