"""A self-contained HTML summary of a workspace's leads (``threadline report``): one file with
its styles inline and no script, to read offline or attach to a case file.

It shows what ``threadline summary`` and ``threadline networks`` show: the corpus counts, the
best leads with every factor, its evidence posts and source, and what the hub guard set aside.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from threadline import __version__
from threadline.steps.link import load_networks, set_aside_items
from threadline.summary import summarize
from threadline.web.templating import STATIC_DIR, templates
from threadline.workspace import Workspace

__all__ = ["render_report", "write_report"]


def render_report(workspace: Path, *, top: int = 20) -> str:
    """The HTML of the report over ``workspace`` (opened read-only)."""
    if top < 1:
        raise ValueError("top must be at least 1")
    with Workspace.open(workspace, read_only=True) as ws:
        summary = summarize(ws, top=10)
        leads = load_networks(ws, limit=top)
        aside = set_aside_items(ws, limit=20)
    return templates.get_template("report.html").render(
        workspace=workspace.name,
        generated=datetime.now(UTC).replace(microsecond=0).isoformat(),
        version=__version__,
        summary=summary,
        leads=leads,
        aside=aside,
        css=(STATIC_DIR / "app.css").read_text(encoding="utf-8"),
    )


def write_report(workspace: Path, out: Path, *, top: int = 20) -> Path:
    """Write the report to ``out`` atomically (a crash never leaves half a file)."""
    html = render_report(workspace, top=top)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out)
    return out
