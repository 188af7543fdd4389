"""docs/indicators.md is generated from the data: it must not go stale."""

from __future__ import annotations

from pathlib import Path

from threadline.indicators import default_library
from threadline.indicators.docs import main, render_docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"


def test_committed_docs_match_the_data() -> None:
    expected = render_docs()
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/indicators.md is stale: run `.venv/bin/python -m threadline.indicators.docs`"
    )


def test_docs_name_every_indicator_and_source() -> None:
    library = default_library()
    text = render_docs(library)
    for indicator in library.indicators:
        assert f"### `{indicator.id}`" in text
    for source in library.sources.values():
        assert source.url in text


def test_main_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "indicators.md"
    main([str(target)])
    assert target.read_text(encoding="utf-8") == render_docs()
