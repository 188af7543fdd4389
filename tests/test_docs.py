"""Documentation stays true: every command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main
from pydantic import BaseModel

from threadline.cli import app
from threadline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def _setting_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_setting_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(prefix + name)
    return keys


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in _command_names() if f"`threadline {name}`" not in readme]
    assert not missing, f"commands missing from README.md's command table: {missing}"


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "settings.md").read_text()
    keys = _setting_keys(Settings)
    assert keys, "no settings found: the test would pass vacuously"
    missing = [key for key in keys if f"`{key}`" not in documented]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_every_workspace_table_is_documented() -> None:
    from threadline.workspace import MIGRATIONS

    documented = (ROOT / "docs" / "workspace.md").read_text()
    tables = [
        statement.split("(")[0].split()[-1]
        for migration in MIGRATIONS
        for statement in migration
        if statement.lstrip().upper().startswith("CREATE TABLE")
    ]
    assert tables
    missing = [table for table in tables if f"`{table}`" not in documented]
    assert not missing, f"tables missing from docs/workspace.md: {missing}"


def _options(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        return [
            found for name, sub in subcommands.items() for found in _options(sub, (*prefix, name))
        ]
    return [
        (" ".join(prefix), opt)
        for param in getattr(command, "params", [])
        for opt in getattr(param, "opts", [])
        if opt.startswith("--") and opt != "--help"
    ]


def test_every_command_option_is_documented() -> None:
    text = (ROOT / "README.md").read_text() + "".join(
        path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))
    )
    options = _options(typer.main.get_command(app))
    assert len(options) > 50, "no options found: the test would pass vacuously"
    missing = [f"{command} {opt}" for command, opt in options if opt not in text]
    assert not missing, f"options documented nowhere (README.md, docs/): {missing}"
