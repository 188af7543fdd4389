"""Evidence packs: one network's leads, exported so that they hold up and can be shared.

A pack is a zip of ``network.html`` (self-contained: styles inline, no script), ``network.json``
(the profile, factors with evidence, and every post with its identifiers and flags),
``network.pdf`` (that HTML printed by Chromium, when one is installed: see
:mod:`threadline.web.pdf`) and ``manifest.json``: the SHA-256 of every other file, the SHA-256
and name of the workspace file, the software version, who exported it and when, whether
personal identifiers were masked, and whether a PDF is included and if not, why.
:func:`verify_pack` recomputes the hashes. Masking replaces each contact identifier (phone,
email, handle, payment tag, wallet, link) in texts and lists by its kind and a short keyed
digest, so two mentions of one number still match inside the pack, while the number itself is
not shared.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from threadline import __version__
from threadline.errors import ThreadlineError
from threadline.link.settings import LINK_KINDS
from threadline.steps.link import load_network
from threadline.web.pdf import PdfError, find_chromium, html_to_pdf
from threadline.web.templating import STATIC_DIR, templates
from threadline.workspace import Workspace

__all__ = ["PackError", "build_pack", "verify_pack"]


class PackError(ThreadlineError):
    """An evidence pack that cannot be built or does not verify."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Masker:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._key = secrets.token_bytes(16)  # per pack: digests do not link across packs

    def value(self, kind: str, canonical: str) -> str:
        if not self.enabled:
            return canonical
        tag = hmac.new(self._key, f"{kind}:{canonical}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"[{kind} {tag}]"

    def text(self, text: str, spans: list[tuple[int, int, str, str]]) -> str:
        """``text`` with each (start, end, kind, canonical) span replaced, right to left."""
        if not self.enabled:
            return text
        for start, end, kind, canonical in sorted(spans, reverse=True):
            text = text[:start] + self.value(kind, canonical) + text[end:]
        return text


def _posts(ws: Workspace, network_id: str, masker: _Masker) -> list[dict[str, Any]]:
    engine = ws.engine
    rows = engine.fetchall(
        "SELECT p.id, p.title, p.text, p.posted_at, p.site, p.url, p.location, p.author "
        "FROM network_posts n JOIN posts p ON p.id = n.post_id WHERE n.network_id = ? "
        "ORDER BY p.posted_at NULLS LAST, p.id",
        [network_id],
    )
    identifiers: dict[str, list[tuple[str, str, str, int, int]]] = {}
    for post_id, field, kind, canonical, start, end in engine.fetchall(
        "SELECT i.post_id, i.field, i.kind, i.canonical, i.start_offset, i.end_offset "
        "FROM identifiers i SEMI JOIN network_posts n ON n.post_id = i.post_id "
        "AND n.network_id = ? ORDER BY i.post_id, i.field, i.start_offset",
        [network_id],
    ):
        identifiers.setdefault(post_id, []).append((field, kind, canonical, start, end))
    flags: dict[str, list[dict[str, Any]]] = {}
    for post_id, field, code, category, strength, start, end, matched in engine.fetchall(
        "SELECT f.post_id, f.field, f.code, f.category, f.strength, f.start_offset, "
        "f.end_offset, f.matched FROM flags f SEMI JOIN network_posts n ON "
        "n.post_id = f.post_id AND n.network_id = ? ORDER BY f.post_id, f.start_offset",
        [network_id],
    ):
        flags.setdefault(post_id, []).append(
            {"field": field, "code": code, "category": category, "strength": strength,
             "span": [start, end], "matched": matched}
        )  # fmt: skip
    out = []
    for post_id, title, text, posted_at, site, url, location, author in rows:
        found = identifiers.get(post_id, [])

        def masked(field: str, value: str | None, found: list[Any] = found) -> str | None:
            if value is None:
                return None
            spans = [(s, e, k, c) for f, k, c, s, e in found if f == field and k in LINK_KINDS]
            return masker.text(value, spans)

        out.append(
            {
                "id": post_id,
                "posted_at": posted_at.isoformat() + "Z" if posted_at else None,
                "site": site,
                "url": None if masker.enabled else url,
                "location": location,
                "author": masker.value("author", author) if author and masker.enabled else author,
                "title": masked("title", title),
                "text": masked("text", text),
                "identifiers": [
                    {
                        "field": f,
                        "kind": k,
                        "canonical": masker.value(k, c) if k in LINK_KINDS else c,
                        "span": None if masker.enabled else [s, e],
                    }
                    for f, k, c, s, e in found
                ],
                "flags": [_masked_flag(flag, found, masker) for flag in flags.get(post_id, [])],
            }
        )
    return out


def _masked_flag(
    flag: dict[str, Any], found: list[tuple[str, str, str, int, int]], masker: _Masker
) -> dict[str, Any]:
    """A flag whose matched text overlaps a contact identifier shows the masked identifier."""
    if not masker.enabled:
        return flag
    start, end = flag["span"]
    for field, kind, canonical, id_start, id_end in found:
        if kind in LINK_KINDS and field == flag["field"] and id_start < end and start < id_end:
            return {**flag, "matched": masker.value(kind, canonical), "span": None}
    return flag


def _pdf(html: bytes, wanted: bool | None) -> tuple[bytes | None, str | None]:
    """The PDF of the pack's HTML, or None and why not. Only a required PDF (``wanted`` True)
    makes a missing or failing Chromium an error; by default the pack goes out without one."""
    if wanted is False:
        return None, "disabled"
    chromium = find_chromium()
    if chromium is None:
        if wanted:
            raise PackError(
                "a PDF was asked for but no Chromium was found: install Debian's chromium "
                "or set THREADLINE_CHROMIUM to its path"
            )
        return None, "no Chromium found"
    try:
        return html_to_pdf(html, chromium), None
    except PdfError as exc:
        if wanted:
            raise PackError(f"a PDF was asked for but it failed: {exc}") from exc
        return None, "Chromium failed"


def build_pack(
    workspace: Path,
    network_id: str,
    *,
    mask: bool = False,
    exported_by: str = "cli",
    pdf: bool | None = None,
) -> bytes:
    """The zip of the evidence pack of ``network_id`` (see the module docstring). ``pdf``: None
    adds a PDF when a Chromium is found, True requires one (:class:`PackError` otherwise),
    False leaves it out."""
    masker = _Masker(mask)
    with Workspace.open(workspace, read_only=True) as ws:
        network = load_network(ws, network_id)
        if network is None:
            raise PackError(f"no network {network_id!r} in {workspace}")
        posts = _posts(ws, network_id, masker)
    if mask:
        network = dict(network)
        network["identifiers"] = [
            {**item, "value": masker.value(item["kind"], item["value"])}
            for item in network["identifiers"]
        ]
        network["phones"] = [masker.value("phone", phone) for phone in network["phones"]]
        network.pop("post_list", None)
    exported_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    document = {"network": network, "posts": posts}
    html = templates.get_template("pack.html").render(
        net=network,
        posts=posts,
        masked=mask,
        exported_at=exported_at,
        version=__version__,
        workspace=workspace.name,
        css=(STATIC_DIR / "app.css").read_text(encoding="utf-8"),
    )
    files = {
        "network.html": html.encode(),
        "network.json": orjson.dumps(document, option=orjson.OPT_INDENT_2),
    }
    # Printed from the very bytes that go in the pack, so a masked pack's PDF is masked too.
    pdf_data, no_pdf_reason = _pdf(files["network.html"], pdf)
    if pdf_data is not None:
        files["network.pdf"] = pdf_data
    manifest = {
        "format": "threadline.evidence-pack/1",
        "network": network_id,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "software": f"threadline {__version__}",
        "workspace": {"name": workspace.name, "sha256": _sha256_file(workspace)},
        "masked": mask,
        "pdf": {"included": pdf_data is not None, "reason": no_pdf_reason},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return buffer.getvalue()


def verify_pack(data: bytes) -> dict[str, Any]:
    """The manifest of a pack whose files all match their SHA-256; :class:`PackError` naming
    the first file that does not, or a pack that is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = orjson.loads(archive.read("manifest.json"))
            names = set(archive.namelist()) - {"manifest.json"}
            if names != set(manifest["files"]):
                raise PackError(
                    f"files differ from the manifest: {sorted(names ^ set(manifest['files']))}"
                )
            for name, expected in sorted(manifest["files"].items()):
                if hashlib.sha256(archive.read(name)).hexdigest() != expected:
                    raise PackError(f"{name} does not match its SHA-256 in the manifest")
    except (zipfile.BadZipFile, KeyError, orjson.JSONDecodeError) as exc:
        raise PackError(f"not an evidence pack: {exc}") from exc
    return dict(manifest)
