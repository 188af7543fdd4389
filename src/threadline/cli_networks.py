"""``threadline networks``, ``threadline network ID`` and ``threadline find VALUE``: the leads.

A typer app whose commands join the main app in cli.py. Every command reads the workspace
read-only; run ``threadline analyze`` first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.table import Table

from threadline.cli_console import console
from threadline.errors import ThreadlineError

networks_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
_out = console()
_err = console(stderr=True)

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace (a DuckDB file).")
]


def _fail(message: str) -> NoReturn:
    _err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _open(path: Path) -> Any:
    from threadline.workspace import Workspace

    try:
        return Workspace.open(path, read_only=True)
    except ThreadlineError as exc:
        _fail(str(exc))


def _factor_line(factors: list[dict[str, Any]]) -> str:
    shown = [f for f in sorted(factors, key=lambda f: -f["contribution"]) if f["value"] > 0]
    return ", ".join(f"{f['name']} {f['value']:.2f}" for f in shown[:3]) or "-"


@networks_app.command("networks")
def networks_command(
    workspace: WorkspaceOption,
    top: Annotated[int | None, typer.Option("--top", min=0, help="Only the K best leads.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, best lead first.")
    ] = False,
    min_score: Annotated[float, typer.Option("--min-score", min=0, max=1)] = 0.0,
) -> None:
    """Networks of a workspace ranked as leads, with the factors behind each score."""
    from threadline.steps.link import load_networks

    limit = top if top is not None else (None if as_json else 20)
    with _open(workspace) as ws:
        rows = load_networks(ws, limit=limit, min_score=min_score)
        linked = ws.count("networks")
    if as_json:
        for row in rows:
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
        return
    if linked == 0:
        _out.print("no networks yet: run `threadline analyze --workspace ...` first")
        return
    table = Table(title=f"networks in {workspace}: leads for review, not findings")
    table.add_column("id", no_wrap=True, min_width=19)
    for column, justify in (
        ("score", "right"),
        ("pattern", "left"),
        ("posts", "right"),
        ("personas", "right"),
        ("circuit", "left"),
        ("top factors (value in [0, 1])", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        circuit = " → ".join(city.split(",")[0] for city in row["cities"][:3])
        if len(row["cities"]) > 3:
            circuit += " …"
        table.add_row(
            row["id"],
            f"{row['score']:.3f}",
            row["pattern"],
            f"{row['posts']:,}",
            str(row["personas"]),
            circuit,
            _factor_line(row["factors"]),
        )
    _out.print(table)


@networks_app.command("network")
def network_command(
    network_id: Annotated[str, typer.Argument(help="A network id (nw-...).")],
    workspace: WorkspaceOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """The full profile of one network: factors with evidence, contacts, circuit, posts."""
    from threadline.steps.link import load_network

    with _open(workspace) as ws:
        item = load_network(ws, network_id)
    if item is None:
        _fail(f"no network {network_id!r} in {workspace}")
    if as_json:
        sys.stdout.write(orjson.dumps(item).decode() + "\n")
        return
    _out.print(
        f"[bold]{item['id']}[/]  score {item['score']:.3f}  pattern {item['pattern']} "
        f"({item['pattern_reason']})",
        highlight=False,
    )
    _out.print(
        f"{item['posts']:,} posts, {item['personas']} recurring personas "
        f"(+{item['one_off_personas']} seen once), {item['first_seen']} to {item['last_seen']}, "
        f"{item['posts_per_day']:.1f} posts/day; ages {item['ages']}; sites {item['sites']}",
        highlight=False,
    )
    _out.print("circuit: " + " → ".join(item["cities"]), highlight=False)
    factors = Table(title="factors (a lead, not a verdict)")
    for column in ("factor", "value", "weight", "why", "evidence posts", "source"):
        factors.add_column(column)
    for f in item["factors"]:
        factors.add_row(
            f["name"],
            f"{f['value']:.2f}",
            f"{f['weight']:g}",
            f["detail"],
            ", ".join(f["evidence"]["post_ids"][:3]),
            f["source"].split(":")[0],
        )
    _out.print(factors)
    contacts = Table(title="contacts")
    for column in ("kind", "value", "posts"):
        contacts.add_column(column)
    for ident in item["identifiers"][:30]:
        contacts.add_row(ident["kind"], ident["value"], str(ident["posts"]))
    _out.print(contacts)


@networks_app.command("find")
def find_command(
    value: Annotated[str, typer.Argument(help="A phone in any written form, a wallet, a handle…")],
    workspace: WorkspaceOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """The posts and networks of an identifier, written any way."""
    from threadline.steps.link import find

    with _open(workspace) as ws:
        try:
            answer = find(ws, value)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        sys.stdout.write(orjson.dumps(answer).decode() + "\n")
        return
    if answer["read_as"]:
        read = ", ".join(f"{r['kind']} {r['canonical']}" for r in answer["read_as"])
        _out.print(f"read as: {read}", highlight=False)
    if not answer["matches"]:
        _out.print("no post in this workspace has it")
        raise typer.Exit(1)
    for match in answer["matches"]:
        _out.print(
            f"[bold]{match['kind']} {match['canonical']}[/]: {len(match['post_ids']):,} posts; "
            f"networks: {', '.join(match['networks']) or '-'}",
            highlight=False,
        )
        _out.print(
            "  posts: "
            + ", ".join(match["post_ids"][:20])
            + (" …" if len(match["post_ids"]) > 20 else "")
        )


def evaluate_networks_command(
    workspace: WorkspaceOption,
    truth: Annotated[Path, typer.Option("--truth", help="The synthetic corpus's truth (JSON).")],
    top: Annotated[int, typer.Option("--top", min=1, help="K of top-K precision.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Network membership pairwise scores and top-K precision against a `threadline synth`
    truth (registered as `threadline evaluate networks`)."""
    from threadline.link.evaluation import evaluate_networks
    from threadline.synth import iter_truth_posts

    if not truth.is_file():
        _fail(f"file not found: {truth}")
    with _open(workspace) as ws:
        predicted = dict(ws.engine.fetchall("SELECT post_id, network_id FROM network_posts"))
        ranking = [
            row[0]
            for row in ws.engine.fetchall(
                "SELECT network_id FROM networks ORDER BY score DESC, network_id LIMIT ?", [top]
            )
        ]
    try:
        truth_network = {post["id"]: post["network"] for post in iter_truth_posts(truth)}
        scores = evaluate_networks(predicted, ranking, truth_network, top_k=top)
    except (ValueError, KeyError, ThreadlineError) as exc:
        _fail(f"cannot evaluate: {exc}")
    if as_json:
        sys.stdout.write(orjson.dumps(scores.as_dict()).decode() + "\n")
        return
    _out.print(
        f"{scores.true_networks} true networks, {scores.predicted_networks:,} predicted: "
        f"pairwise precision {scores.precision:.4f}, recall {scores.recall:.4f}, "
        f"F1 {scores.f1:.4f}; top-{top} precision {scores.top_k_precision:.2f}",
        highlight=False,
    )


@networks_app.command("report")
def report_command(
    workspace: WorkspaceOption,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    top: Annotated[int, typer.Option("--top", min=1, help="How many leads.")] = 20,
) -> None:
    """Write a self-contained HTML summary of the best leads (no script, styles inline)."""
    try:
        from threadline.web.report import write_report
    except ImportError as exc:
        _fail(f"the report needs the 'api' extra ({exc.name} is missing)")
    try:
        path = write_report(workspace, out, top=top)
    except (ThreadlineError, OSError) as exc:
        _fail(str(exc))
    _out.print(f"wrote {path}", highlight=False)


@networks_app.command("export")
def export_command(
    network_id: Annotated[str, typer.Argument(help="A network id (nw-...).")],
    workspace: WorkspaceOption,
    out: Annotated[Path, typer.Option("--out", help="The zip to write.")],
    mask: Annotated[
        bool, typer.Option("--mask", help="Mask phones, emails, handles, payments, wallets, links.")
    ] = False,
    pdf: Annotated[
        bool | None,
        typer.Option(
            "--pdf/--no-pdf",
            help="Require a PDF (fail without Chromium) or leave it out; by default a PDF is "
            "added when Chromium is installed.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a network's evidence pack: HTML, JSON, a PDF and a SHA-256 manifest in one zip."""
    try:
        from threadline.web.evidence import build_pack, verify_pack
    except ImportError as exc:
        _fail(f"evidence packs need the 'api' extra ({exc.name} is missing)")
    try:
        data = build_pack(workspace, network_id, mask=mask, pdf=pdf)
        included = verify_pack(data)["pdf"]
    except ThreadlineError as exc:
        _fail(str(exc))
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    partial.replace(out)
    if included["included"]:
        note = "with a PDF"
    else:
        hint = "; --pdf shows why" if included["reason"] == "Chromium failed" else ""
        note = f"without a PDF: {included['reason']}{hint}"
    _out.print(f"wrote {out} ({len(data):,} bytes), {note}", highlight=False)


@networks_app.command("verify-pack")
def verify_pack_command(
    pack: Annotated[Path, typer.Argument(help="An evidence pack (zip).")],
) -> None:
    """Check every file of an evidence pack against the SHA-256 in its manifest."""
    from threadline.web.evidence import PackError, verify_pack

    if not pack.is_file():
        _fail(f"file not found: {pack}")
    try:
        manifest = verify_pack(pack.read_bytes())
    except PackError as exc:
        _err.print(f"[bold red]NOT VERIFIED:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    _out.print(
        f"verified: {len(manifest['files'])} files match their SHA-256; network "
        f"{manifest['network']}, exported {manifest['exported_at']} by {manifest['exported_by']} "
        f"from {manifest['workspace']['name']} (sha256 {manifest['workspace']['sha256'][:16]}…), "
        f"{manifest['software']}{', masked' if manifest['masked'] else ''}",
        highlight=False,
    )
