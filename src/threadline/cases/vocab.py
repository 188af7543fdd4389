"""HTCDS 2.0 picklists, loaded from the standard's data file so values are never retyped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from threadline.cases.errors import VocabularyError

DATA_FILE = "htcds_fields_2.0.csv"
_FIELD_COLUMN = "Field Name including Prefix"
_VALUES_COLUMN = "Value Names (if picklist)"

# Service types of the directory: HTCDS has no picklist for services, so this small list is ours.
SERVICE_TYPES = frozenset(
    {"shelter", "legal_aid", "medical", "counselling", "hotline", "livelihood", "other"}
)


@cache
def picklists() -> Mapping[str, frozenset[str]]:
    """Field name -> allowed value names, for every picklist field with enumerated values.

    Fields whose 'values' are a reference to another standard (ISO 3166, ISO 639) are left out:
    they are validated as codes, not as a list.
    """
    text = resources.files("threadline.cases").joinpath("data", DATA_FILE).read_text("utf-8")
    lists: dict[str, frozenset[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        field = (row.get(_FIELD_COLUMN) or "").strip()
        raw = (row.get(_VALUES_COLUMN) or "").strip()
        if not field or not raw or raw.lower().startswith("use iso"):
            continue
        values = frozenset(v.strip() for v in raw.split("/") if v.strip())
        lists[field] = values
    return MappingProxyType(lists)


def fields() -> frozenset[str]:
    """Every HTCDS field name in the data file (for mapping records onto the standard)."""
    text = resources.files("threadline.cases").joinpath("data", DATA_FILE).read_text("utf-8")
    return frozenset(
        (row.get(_FIELD_COLUMN) or "").strip()
        for row in csv.DictReader(io.StringIO(text))
        if (row.get(_FIELD_COLUMN) or "").strip()
    )


def check(field: str, value: str) -> str:
    """Return ``value`` if it is in the picklist of ``field``, else raise VocabularyError."""
    allowed = picklists().get(field)
    if allowed is None:
        raise VocabularyError(f"{field} is not an HTCDS picklist field")
    if value not in allowed:
        raise VocabularyError(f"{value!r} is not a value of {field}")
    return value


def check_all(field: str, values: Iterable[str]) -> list[str]:
    """Validate a multiselect: every value must be in the picklist (order kept, no duplicates)."""
    return list(dict.fromkeys(check(field, value) for value in values))


def check_country(code: str) -> str:
    """ISO 3166 alpha-2 shape check (two ASCII capitals), as the standard asks for countries."""
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise VocabularyError(f"{code!r} is not an ISO 3166 alpha-2 country code")
    return code


def check_service_type(value: str) -> str:
    """Validate a directory service type."""
    if value not in SERVICE_TYPES:
        raise VocabularyError(
            f"{value!r} is not a service type ({', '.join(sorted(SERVICE_TYPES))})"
        )
    return value
