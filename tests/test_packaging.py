"""The wheel ships every data file the package reads (templates, vocabularies, migrations...).

An editable install reads files from the source tree, so a data file missing from
``package-data`` passes every other test and breaks only an installed copy.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "threadline"


def _declared() -> set[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["threadline"]
    assert patterns, "no package-data patterns: the test would pass vacuously"
    return {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}


def _data_files() -> set[Path]:
    return {
        path
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }


def test_every_data_file_is_declared_as_package_data() -> None:
    data = _data_files()
    assert len(data) > 40, "no data files found: the test would pass vacuously"
    missing = sorted(str(path.relative_to(PACKAGE)) for path in data - _declared())
    assert not missing, f"files the wheel would not ship (add to package-data): {missing}"


def test_the_case_templates_are_declared() -> None:
    declared = _declared()
    assert any(path.parent.name == "cases" and path.suffix == ".html" for path in declared)
