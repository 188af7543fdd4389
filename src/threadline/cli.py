"""The ``threadline`` command: a thin shell over the library (every command calls one function).

Errors Threadline raises on purpose are printed as one clear line and exit with status 2;
anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from threadline import __version__
from threadline.cli_accounts import tokens_app, users_app
from threadline.cli_cases import audit_app, cases_app, keys_app
from threadline.cli_console import console
from threadline.cli_networks import evaluate_networks_command, networks_app
from threadline.cli_screen import screen_app, screen_eval_command
from threadline.errors import ThreadlineError
from threadline.settings import load_settings

app = typer.Typer(
    name="threadline",
    help="Find the networks behind online ads: ingest, extract identifiers, analyse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
evaluate_app = typer.Typer(help="Measure the pipeline against a synthetic corpus's ground truth.")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(screen_app)
app.add_typer(networks_app)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
evaluate_app.command("screening")(screen_eval_command)
evaluate_app.command("networks")(evaluate_networks_command)

out = console()
err = console(stderr=True)

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace file (DuckDB).")
]
SettingsOption = Annotated[
    Path | None,
    typer.Option("--settings", help="A settings JSON file (see `threadline settings`)."),
]


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ThreadlineError as exc:
        _fail(str(exc))


def _bar() -> Progress:
    """A progress display on stderr, so that stdout stays clean for --json output."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with _bar() as bar:
        task = bar.add_task(description, total=total)
        yield lambda advance: bar.update(task, advance=advance)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command("settings")
def show_settings(settings: SettingsOption = None) -> None:
    """Print the effective settings as JSON (a starting point for a settings file)."""
    with _errors():
        out.print_json(load_settings(settings).model_dump_json())


@app.command()
def synth(
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the posts (JSONL).")],
    truth: Annotated[Path, typer.Option("--truth", help="Where to write the ground truth (JSON).")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of posts.")] = 50_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same corpus.")] = 7,
) -> None:
    """Generate a synthetic corpus of ads with ground truth (no real people)."""
    from threadline.synth import write_corpus

    with _errors(), _progress("synth", n) as advance:
        summary = write_corpus(n, seed, out_path, truth, progress=advance)
    out.print(f"wrote {n:,} posts to {out_path} and the ground truth to {truth}")
    out.print_json(orjson.dumps(summary.to_dict()).decode())


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            _fail(f"--map takes field=column (e.g. text=body), not {pair!r}")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="JSONL, CSV or Parquet files or directories.")
    ],
    workspace: WorkspaceOption,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=column for inputs with other column names (repeatable)."),
    ] = None,
    settings: SettingsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read posts into a workspace; malformed records go to its quarantine table."""
    from threadline.ingest import ingest as run_ingest
    from threadline.ingest import input_size
    from threadline.workspace import Workspace

    field_map = _parse_map(map_ or [])
    with _errors():
        loaded = load_settings(settings)
        total = input_size(paths)
        with Workspace.open(workspace) as ws, _progress("ingest (bytes)", total) as advance:
            report = run_ingest(
                ws, paths, field_map=field_map, settings=loaded.ingest, progress=advance
            )
    if as_json:
        out.print_json(orjson.dumps(report.to_dict()).decode())
    else:
        _print_ingest_report(report.to_dict())
    if report.nothing_read:
        _fail("no record could be read from the input (see the quarantine counts above)")


def _print_ingest_report(report: dict[str, Any]) -> None:
    table = Table(title="ingest", show_header=False)
    for key in (
        "files",
        "records_read",
        "posts_added",
        "duplicates_collapsed",
        "already_present",
        "quarantined",
    ):
        table.add_row(key.replace("_", " "), f"{report.get(key, 0):,}")
    for reason, count in sorted(report.get("quarantine_by_reason", {}).items()):
        table.add_row(f"  quarantined: {reason}", f"{count:,}")
    out.print(table)
    for warning in report.get("warnings", []):
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command()
def extract(
    source: Annotated[
        str, typer.Argument(help="A JSONL file of records (or plain text lines), or - for stdin.")
    ] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per record.")] = False,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Country (ISO alpha-2) for national phone numbers; default: "
            "from each record's location, else US.",
        ),
    ] = None,
) -> None:
    """Extract identifiers from records: {"id": ..., "identifiers": [...]} per line."""
    from threadline.extract import extract as run_extract
    from threadline.extract import place

    if source == "-":
        lines: Any = sys.stdin.buffer
    else:
        path = Path(source)
        if not path.is_file():
            _fail(f"no such file: {source}")
        lines = path.open("rb")
    try:
        for number, raw in enumerate(lines, start=1):
            line = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
            if not line.strip():
                continue
            record_id: Any = str(number)
            text = line
            location = None
            if line.lstrip().startswith("{"):
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    record = None
                if isinstance(record, dict) and isinstance(record.get("text"), str):
                    text = record["text"]
                    record_id = record.get("id", record_id)
                    location = (
                        record.get("location") if isinstance(record.get("location"), str) else None
                    )
            post_region = region or (place.region_of(location) if location else None)
            try:
                found = run_extract(text, region=post_region)
            except ValueError as exc:
                _fail(str(exc))
            if as_json:
                sys.stdout.write(
                    orjson.dumps(
                        {"id": record_id, "identifiers": [i.to_dict() for i in found]}
                    ).decode()
                    + "\n"
                )
            else:
                for ident in found:
                    out.print(
                        f"{record_id}\t{ident.kind}\t{ident.canonical}\t{ident.start}-{ident.end}\t{ident.value!r}",
                        highlight=False,
                    )
    finally:
        if lines is not sys.stdin.buffer:
            lines.close()


@app.command()
def analyze(
    workspace: WorkspaceOption,
    stage: Annotated[
        list[str] | None, typer.Option("--stage", help="Run only these stages (repeatable).")
    ] = None,
    settings: SettingsOption = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=0, help="Worker processes (0: one per CPU).")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="duckdb (embedded, the default) or spark: ingest --input and analyse on "
            "Apache Spark, then load the results into the new --workspace.",
        ),
    ] = "duckdb",
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            help="With --engine spark: JSONL, CSV or Parquet files or "
            "directories to ingest (repeatable): local paths, or URIs of a Hadoop file system "
            "(hdfs://, s3a://, file://...).",
        ),
    ] = None,
    master: Annotated[
        str, typer.Option("--master", help="With --engine spark: local[N], spark://..., yarn.")
    ] = "local[2]",
    parquet: Annotated[
        str | None,
        typer.Option(
            "--parquet",
            help="With --engine spark: where the Parquet tables go, a local directory or a "
            "URI of a Hadoop file system (default: next to the workspace, WORKSPACE.parquet).",
        ),
    ] = None,
) -> None:
    """Run the analysis stages over a workspace (resumes where an earlier run stopped).

    With --engine spark, the posts of --input are ingested and analysed by Spark jobs; the
    tables are written as Parquet and loaded into a new workspace file (docs/scale.md).
    """
    from threadline.pipeline import STAGES
    from threadline.pipeline import analyze as run_analyze
    from threadline.workspace import Workspace

    if engine not in ("duckdb", "spark"):
        _fail(f"unknown engine {engine!r}: duckdb or spark")
    if engine == "spark":
        _analyze_spark(workspace, inputs or [], stage, settings, master, parquet)
        return
    if inputs or parquet:
        _fail("--input and --parquet go with --engine spark; use `threadline ingest` first")
    with _errors():
        loaded = load_settings(settings)
        if workers is not None:
            loaded = loaded.model_copy(
                update={"extract": loaded.extract.model_copy(update={"workers": workers})}
            )
        stages = tuple(stage) if stage else STAGES
        with Workspace.open(workspace, create=False) as ws, _bar() as bar:

            def factory(name: str, total: int) -> Callable[[int], None]:
                task = bar.add_task(name, total=total)
                return lambda advance: bar.update(task, advance=advance)

            try:
                reports = run_analyze(ws, loaded, stages=stages, progress_factory=factory)
            except ValueError as exc:
                _fail(str(exc))
    for report in reports:
        out.print(
            f"[bold]{report.stage}[/]: "
            + ", ".join(f"{k} {v}" for k, v in report.counts.items() if k != "by_kind")
        )
        if "by_kind" in report.counts:
            out.print(
                "  "
                + ", ".join(f"{kind} {count:,}" for kind, count in report.counts["by_kind"].items())
            )


def _analyze_spark(
    workspace: Path,
    inputs: list[str],
    stage: list[str] | None,
    settings: Path | None,
    master: str,
    parquet: str | None,
) -> None:
    """``analyze --engine spark``: the Spark pipeline, then its tables loaded into a workspace."""
    import tempfile
    import time

    with _errors():
        from threadline.spark.pipeline import SPARK_STAGES, analyze, open_as_workspace
        from threadline.spark.session import session
        from threadline.spark.storage import Output, is_uri

        if not inputs:
            _fail("--engine spark reads its posts from --input PATH (files or directories)")
        if workspace.exists():
            _fail(f"{workspace} exists already: --engine spark writes a new workspace")
        loaded = load_settings(settings)
        target: str | Path = parquet or workspace.with_name(workspace.name + ".parquet")
        if not is_uri(target):
            target = Path(target)
        stages = tuple(stage) if stage else SPARK_STAGES
        started = time.perf_counter()
        try:
            spark = session(master)
        except Exception as exc:  # Java missing, a bad master URL...
            _fail(f"could not start Spark ({master}): {exc}")
        # DuckDB loads the tables from the local disk: a run on a Hadoop file system is copied
        # next to the workspace first (and the copy removed). Spark is stopped before the load,
        # so its JVM and DuckDB do not hold their memory at once.
        with tempfile.TemporaryDirectory(
            dir=workspace.parent, prefix=f".{workspace.name}.fetch-"
        ) as scratch:
            try:
                run = analyze(
                    spark,
                    inputs,
                    target,
                    loaded,
                    stages=stages,
                    on_stage=lambda name: err.print(f"[dim]spark: {name}...[/]"),
                )
                local = Output(spark, target).fetch(Path(scratch))
            except ValueError as exc:
                _fail(str(exc))
            finally:
                spark.stop()
            loaded_rows = open_as_workspace(local, workspace)
    for warning in run.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    for name, counts in run.counts.items():
        shown = {k: v for k, v in counts.items() if not isinstance(v, dict)}
        out_line = ", ".join(f"{k} {v}" for k, v in shown.items())
        out.print(f"[bold]{name}[/] ({run.seconds[name]:.1f} s): {out_line}")
    out.print(
        f"spark run in {time.perf_counter() - started:.1f} s; Parquet tables in {run.out}; "
        f"workspace {workspace} ({loaded_rows.get('posts', 0):,} posts)"
    )


@app.command()
def summary(
    workspace: WorkspaceOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    top: Annotated[
        int, typer.Option("--top", min=0, help="How many shared identifiers to list.")
    ] = 10,
) -> None:
    """What a workspace holds: posts, quarantine, identifiers, the most shared contacts."""
    from threadline.summary import summarize
    from threadline.workspace import Workspace

    with _errors(), Workspace.open(workspace, read_only=True) as ws:
        result = summarize(ws, top=top)
    if as_json:
        out.print_json(orjson.dumps(result.to_dict()).decode())
        return
    counts = Table(title=f"workspace {workspace}", show_header=False)
    counts.add_row("posts", f"{result.posts:,}")
    counts.add_row("duplicates collapsed", f"{result.occurrences - result.posts:,}")
    counts.add_row("quarantined", f"{result.quarantined:,}")
    for reason, n in result.quarantine_by_reason.items():
        counts.add_row(f"  {reason}", f"{n:,}")
    counts.add_row("posts analysed", f"{result.extracted_posts:,}")
    counts.add_row("posts with a contact identifier", f"{result.posts_with_contact:,}")
    counts.add_row("template clusters", f"{result.clusters:,}")
    counts.add_row("posts in a template cluster", f"{result.clustered_posts:,}")
    counts.add_row("posts screened", f"{result.screened_posts:,}")
    for band in ("high", "review"):
        if band in result.screened_by_band:
            counts.add_row(f"  band {band}", f"{result.screened_by_band[band]:,}")
    counts.add_row("flagged for review (leads, not verdicts)", f"{result.flagged_posts:,}")
    out.print(counts)
    if result.flag_categories:
        categories = Table(title="indicator categories on flagged posts")
        categories.add_column("category")
        categories.add_column("posts", justify="right")
        for category, n in result.flag_categories.items():
            categories.add_row(category, f"{n:,}")
        out.print(categories)
    kinds = Table(title="identifiers")
    kinds.add_column("kind")
    kinds.add_column("mentions", justify="right")
    kinds.add_column("distinct", justify="right")
    for kind, (mentions, distinct) in result.identifiers_by_kind.items():
        kinds.add_row(kind, f"{mentions:,}", f"{distinct:,}")
    out.print(kinds)
    if result.most_shared:
        shared = Table(title="contact identifiers shared by the most posts (leads, not verdicts)")
        shared.add_column("kind")
        shared.add_column("canonical")
        shared.add_column("posts", justify="right")
        shared.add_column("locations", justify="right")
        for item in result.most_shared:
            shared.add_row(item.kind, item.canonical, f"{item.posts:,}", f"{item.locations:,}")
        out.print(shared)


@app.command()
def clusters(
    workspace: WorkspaceOption,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, largest cluster first.")
    ] = False,
    top: Annotated[
        int | None, typer.Option("--top", min=0, help="Only the K largest clusters.")
    ] = None,
    min_size: Annotated[
        int, typer.Option("--min-size", min=2, help="Smallest cluster listed.")
    ] = 2,
    fillers: Annotated[
        bool, typer.Option("--fillers", help="With --json: each member's slot fillers.")
    ] = False,
) -> None:
    """Template clusters of a workspace (run `threadline analyze` first), largest first."""
    from threadline.steps.cluster import load_clusters
    from threadline.workspace import Workspace

    limit = top if top is not None else (None if as_json else 20)
    with _errors(), Workspace.open(workspace, read_only=True) as ws:
        rows = load_clusters(ws, limit=limit, min_size=min_size, with_fillers=fillers and as_json)
        clustered = ws.count("clustered_posts")
    if as_json:
        for row in rows:
            sys.stdout.write(orjson.dumps(row.to_dict()).decode() + "\n")
        return
    if clustered == 0:
        out.print("no clusters yet: run `threadline analyze --workspace ...` first")
        return
    table = Table(title=f"template clusters in {workspace} (largest {len(rows)})")
    table.add_column("id", no_wrap=True)
    for column in ("posts", "cohesion", "first seen", "last seen", "places"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("template", no_wrap=True)
    # Rich shrinks columns to nothing when one cell is too long: cut the template to what is
    # left of the line after the fixed columns (19 + 5 + 8 + 10 + 10 + 6, and 3 per border).
    room = max(20, out.width - 80)
    for row in rows:
        table.add_row(
            row.id,
            f"{row.size:,}",
            f"{row.cohesion:.2f}",
            row.first_seen.date().isoformat() if row.first_seen else "",
            row.last_seen.date().isoformat() if row.last_seen else "",
            f"{row.locations:,}",
            row.template if len(row.template) <= room else row.template[: room - 1] + "…",
        )
    out.print(table)


@evaluate_app.command("extract")
def evaluate_extract(
    posts: Annotated[Path, typer.Option("--posts", help="The synthetic posts (JSONL).")],
    truth: Annotated[Path, typer.Option("--truth", help="Their ground truth (JSON).")],
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Evaluate the first N posts.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Precision and recall of extraction per kind against a synthetic corpus's truth."""
    from threadline.evaluation import evaluate_extraction

    with _errors():
        scores = evaluate_extraction(posts, truth, limit=limit)
    if as_json:
        out.print_json(orjson.dumps(scores.to_dict()).decode())
        return
    table = Table(title=f"extraction against the ground truth ({scores.posts:,} posts)")
    for column in ("kind", "truth", "found", "true pos.", "precision", "recall"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, score in scores.by_kind.items():
        table.add_row(
            kind,
            f"{score.truth:,}",
            f"{score.found:,}",
            f"{score.true_positives:,}",
            f"{score.precision:.4f}",
            f"{score.recall:.4f}",
        )
    out.print(table)
    out.print(f"checksum-invalid wallets extracted: {scores.invalid_wallets_extracted}")


@evaluate_app.command("clusters")
def evaluate_clusters(
    posts: Annotated[Path, typer.Option("--posts", help="The synthetic posts (JSONL).")],
    truth: Annotated[Path, typer.Option("--truth", help="Their ground truth (JSON).")],
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Evaluate the first N posts.")
    ] = None,
    settings: SettingsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Pairwise precision, recall, F1 and ARI of template clustering against the truth."""
    from threadline.evaluation import evaluate_clustering

    with _errors():
        loaded = load_settings(settings)
        scores = evaluate_clustering(posts, truth, limit=limit, settings=loaded.cluster)
    if as_json:
        out.print_json(orjson.dumps(scores.to_dict()).decode())
        return
    table = Table(title=f"template clusters against the ground truth ({scores.posts:,} posts)")
    for key, value in scores.to_dict().items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else f"{value}")
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
