"""Typed settings with a JSON round-trip.

Every threshold lives here with the reason it has its value, so a run can be reproduced from the
settings file it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from threadline.cluster.settings import ClusterSettings
from threadline.errors import SettingsError
from threadline.indicators.scoring import ScreenSettings
from threadline.link.settings import LinkSettings


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Rows handed to the database at once; bounds memory while streaming.
    batch_size: int = Field(default=20_000, ge=1, le=1_000_000)
    #: A field longer than this (characters) sends its record to quarantine: real ads are a few
    #: kilobytes; megabyte fields are scraping accidents or attacks on downstream stages.
    max_field_chars: int = Field(default=100_000, ge=1)
    #: A JSONL line or CSV record longer than this (bytes) is quarantined without being parsed.
    max_record_bytes: int = Field(default=1_000_000, ge=1)


class ExtractSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Region (ISO 3166 alpha-2) assumed for national phone numbers when a post's location names
    #: no country. The synthetic corpus and most public ad corpora are US-centred.
    default_region: str = "US"
    #: Worker processes for extraction over a workspace; 0 means one per CPU.
    workers: int = Field(default=0, ge=0)
    #: Posts per task sent to a worker.
    chunk_size: int = Field(default=5_000, ge=1)

    @field_validator("default_region")
    @classmethod
    def _region_is_alpha2(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("default_region must be an ISO 3166 alpha-2 code such as 'US'")
        return value.upper()


class Settings(BaseModel):
    """All settings; load with :func:`load_settings`, save with :meth:`Settings.dump`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ingest: IngestSettings = IngestSettings()
    extract: ExtractSettings = ExtractSettings()
    cluster: ClusterSettings = ClusterSettings()
    screen: ScreenSettings = ScreenSettings()
    link: LinkSettings = LinkSettings()

    def dump(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from a JSON file, or the defaults when ``path`` is None."""
    if path is None:
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"settings file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid JSON: {exc}") from exc
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(f"settings file {path} is invalid:\n{exc}") from exc
