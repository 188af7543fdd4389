"""Settings validate up front and round-trip through JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.errors import SettingsError
from threadline.settings import ExtractSettings, Settings, load_settings


def test_defaults_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    Settings().dump(path)
    assert load_settings(path) == Settings()


def test_changed_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(extract=ExtractSettings(default_region="gb", workers=3))
    settings.dump(path)
    loaded = load_settings(path)
    assert loaded.extract.default_region == "GB"
    assert loaded.extract.workers == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"extract": {"default_region": "USA"}}', "alpha-2"),
        ('{"ingest": {"batch_size": 0}}', "batch_size"),
        ('{"unknown": 1}', "unknown"),
    ],
)
def test_bad_settings_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings(path)


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.json")
