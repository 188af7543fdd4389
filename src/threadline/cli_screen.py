"""``threadline screen`` and ``threadline serve``: screening from the shell and over HTTP.

A typer app whose commands join the main ``threadline`` app with one line in cli.py::

    app.add_typer(screen_app)   # from threadline.cli_screen import screen_app

``screen`` reads a TEXT argument, ``-`` (stdin) or a FILE. A JSONL file (or stdin whose first
non-blank character is ``{``) is screened record by record: one JSON line out per line in, in
order, with the record's ``id`` (or ``line``), and a line that cannot be read gives a line with
an ``error`` instead of being dropped (exit status 1 at the end). Anything else is one text and
gives one object.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.table import Table

from threadline.errors import ThreadlineError
from threadline.indicators.learned import LearnedModel
from threadline.indicators.scoring import ScreenSettings
from threadline.screening import Screener, ScreenResult

screen_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)
#: Records screened per batch (identifier extraction is batched).
BATCH = 1_000


def _fail(message: str) -> NoReturn:
    _err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _screen_settings(path: Path | None) -> ScreenSettings:
    """The ``screen`` section of a settings file, when the file has one; defaults otherwise."""
    if path is None:
        return ScreenSettings()
    from threadline.settings import load_settings

    section = getattr(load_settings(path), "screen", None)
    return section if isinstance(section, ScreenSettings) else ScreenSettings()


def _read_source(source: str) -> tuple[str, str]:
    """``(kind, content)``: kind is ``jsonl`` or ``text``."""
    if source == "-":
        content = sys.stdin.read()
    else:
        path = Path(source)
        try:
            is_file = path.is_file()
        except OSError:  # a long TEXT argument is not a valid path
            is_file = False
        if not is_file:
            return "text", source
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ThreadlineError(f"{path} is not UTF-8 text: {exc}") from exc
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return "jsonl", content
    return ("jsonl" if content.lstrip().startswith("{") else "text"), content


def _records(content: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """``(line number, record or error message)`` of each non-blank JSONL line."""
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, f"not valid JSON: {exc}"
            continue
        if not isinstance(record, dict):
            yield number, "not a JSON object"
        elif not isinstance(record.get("text"), str):
            yield number, "the required field 'text' is missing or not a string"
        else:
            yield number, record


def _screen_lines(
    screener: Screener, items: Iterable[tuple[int, dict[str, Any] | str]], profile: str | None
) -> Iterator[dict[str, Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, BATCH)):
        good = [(number, item) for number, item in chunk if isinstance(item, dict)]
        results: dict[int, ScreenResult | str] = {}
        try:
            screened = screener.screen_many(
                [(record["text"], _meta(record)) for _, record in good], profile=profile
            )
            results.update(zip((number for number, _ in good), screened, strict=True))
        except ThreadlineError:
            # One bad record in the batch: screen one by one so that only it fails.
            for number, record in good:
                try:
                    results[number] = screener.screen(
                        record["text"], meta=_meta(record), profile=profile
                    )
                except ThreadlineError as exc:
                    results[number] = str(exc)
        for number, item in chunk:
            outcome = item if isinstance(item, str) else results[number]
            key: dict[str, Any] = {"line": number}
            if isinstance(item, dict) and "id" in item:
                key = {"id": item["id"], "line": number}
            if isinstance(outcome, str):
                yield {**key, "error": outcome}
            else:
                yield {**key, **outcome.to_dict()}


def _meta(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in ("title", "profile", "region") if record.get(key)}


def _show(result: ScreenResult) -> None:
    _out.print(
        f"score [bold]{result.score:.2f}[/] ({result.band}), profile {result.profile}, "
        f"{len(result.flags)} flag(s)"
    )
    if not result.flags:
        return
    table = Table()
    for column in ("code", "strength", "category"):
        table.add_column(column, no_wrap=True)
    for column in ("matched", "span", "field"):
        table.add_column(column)
    for flag in result.flags:
        table.add_row(
            flag.code, flag.strength, flag.category, flag.matched, f"{flag.start}-{flag.end}",
            flag.field,
        )  # fmt: skip
    _out.print(table)


@screen_app.command("screen")
def screen_command(
    source: Annotated[str, typer.Argument(help="TEXT to screen, '-' for stdin, or a FILE.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="JSON: one object, or one line per JSONL record.")
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="sex_ad or job (default: detected from each post)."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of a TEXT post.")] = None,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="A settings JSON file.")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="A model from `threadline train`, blended with the rules."),
    ] = None,
) -> None:
    """Screen posts against the indicator library: a score in [0, 1] and explained flags."""
    try:
        learned = LearnedModel.load(model) if model is not None else None
        screener = Screener(settings=_screen_settings(settings), model=learned)
        kind, content = _read_source(source)
        if kind == "text":
            meta = {"title": title} if title else None
            result = screener.screen(content, meta=meta, profile=profile)
            if json_output:
                sys.stdout.write(orjson.dumps(result.to_dict()).decode() + "\n")
            else:
                _show(result)
            return
        errors = 0
        for line in _screen_lines(screener, _records(content), profile):
            errors += "error" in line
            if json_output:
                sys.stdout.write(orjson.dumps(line).decode() + "\n")
            elif "error" in line:
                _out.print(f"line {line['line']}: [red]{line['error']}[/]", highlight=False)
            else:
                label = line.get("id", f"line {line['line']}")
                _out.print(
                    f"{label}: score {line['score']:.2f} ({line['band']}), "
                    f"{len(line['flags'])} flag(s): "
                    + ", ".join(sorted({flag["code"] for flag in line["flags"]})),
                    highlight=False,
                )
    except ThreadlineError as exc:
        _fail(str(exc))
    if errors:
        _err.print(f"{errors} record(s) could not be screened (see their 'error' lines)")
        raise typer.Exit(1)


@screen_app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="A settings JSON file.")
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", help="Also serve the analyst pages over this workspace."),
    ] = None,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="THREADLINE_APP_DB",
            help="Accounts database (users, tokens, audit): a file path or SQLAlchemy URL.",
        ),
    ] = "threadline-app.sqlite",
    rate_limit: Annotated[
        float,
        typer.Option("--rate-limit", min=1, help="API requests a minute per client, on average."),
    ] = 600,
    burst: Annotated[int, typer.Option("--burst", min=1, help="API burst per client.")] = 60,
    cases_db: Annotated[
        str | None,
        typer.Option(
            "--cases-db",
            envvar="THREADLINE_CASES_DB",
            help="Also serve the case records under /v1/cases (file path or SQLAlchemy URL; "
            "master keys from $THREADLINE_CASES_KEY_FILE or --cases-key-file).",
        ),
    ] = None,
    cases_key_file: Annotated[
        Path | None,
        typer.Option("--cases-key-file", help="Master keyring of the case records (JSON)."),
    ] = None,
) -> None:
    """Serve the HTTP API (POST /v1/screen, GET /v1/health; docs at /docs) and the pages."""
    try:
        import uvicorn

        from threadline.api import create_app
    except ImportError as exc:
        _fail(
            f"the HTTP API needs the 'api' extra ({exc.name} is missing): "
            "pip install 'threadline[api]'"
        )

    try:
        if workspace is not None and not workspace.is_file():
            _fail(f"no workspace at {workspace}: run `threadline ingest` and `analyze` first")
        from threadline.accounts import AccountStore

        accounts = AccountStore(db)
        application = create_app(
            _screen_settings(settings),
            workspace=workspace,
            accounts=accounts,
            rate_per_minute=rate_limit,
            rate_burst=burst,
            cases=cases_db,
            cases_key_file=cases_key_file,
        )
    except ThreadlineError as exc:
        _fail(str(exc))
    if not accounts.users() and not accounts.tokens():
        _err.print(
            "no users or API tokens yet: create one with `threadline users add NAME --role "
            f"admin --db {db}` (everything but /v1/health needs sign-in)",
            highlight=False,
        )
    _err.print(f"serving on http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)


def screen_eval_command(
    posts: Annotated[Path, typer.Option("--posts", help="Synthetic posts (JSONL).")],
    truth: Annotated[Path, typer.Option("--truth", help="Its ground truth (JSON).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="A settings JSON file.")
    ] = None,
) -> None:
    """ROC-AUC, precision and recall of screening on a `threadline synth` corpus.

    Registered as `threadline evaluate screening` (cli.py), next to the other evaluations.
    """
    from threadline.indicators.evaluation import evaluate

    for path in (posts, truth):
        if not path.is_file():
            _fail(f"file not found: {path}")
    try:
        report = evaluate(posts, truth, screener=Screener(settings=_screen_settings(settings)))
    except (ThreadlineError, ValueError) as exc:
        _fail(str(exc))
    figures = report.as_dict()
    if json_output:
        sys.stdout.write(orjson.dumps(figures).decode() + "\n")
        return
    _out.print(
        f"{figures['positives']:,} positives (network + job_lure) vs {figures['negatives']:,} "
        f"negatives (independent + job_genuine): ROC-AUC {figures['roc_auc']:.4f}; at threshold "
        f"{figures['threshold']}: precision {figures['precision']:.4f}, recall "
        f"{figures['recall']:.4f}",
        highlight=False,
    )
    table = Table("signal", "posts", "recall", "fires without signal")
    for name, row in figures["signals"].items():
        recall = "-" if row["recall"] is None else f"{row['recall']:.3f}"
        other = "-" if row["fires_without_signal"] is None else f"{row['fires_without_signal']:.4f}"
        table.add_row(name, str(row["posts"]), recall, other)
    _out.print(table)


@screen_app.command("train")
def train_command(
    labels: Annotated[
        Path, typer.Option("--labels", help="CSV with columns text,label (0/1)[,group].")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the model (JSON).")],
    folds: Annotated[
        int, typer.Option("--folds", min=2, max=20, help="Cross-validation folds.")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Train the optional learned model (TF-IDF character n-grams + logistic regression).

    Prints cross-validated precision, recall, F1 and PR-AUC; the model file is JSON weights
    (no pickle: safe to load from anyone). Use it with `threadline screen --model FILE`.
    """
    from threadline.indicators.learned import read_labels, train

    try:
        texts, targets, groups = read_labels(labels)
        model = train(texts, targets, groups=groups, folds=folds, seed=seed)
        model.save(out_path)
    except ThreadlineError as exc:
        _fail(str(exc))
    sys.stdout.write(orjson.dumps({"model": str(out_path), **model.metrics}).decode() + "\n")
