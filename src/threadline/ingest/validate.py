"""Turn raw records into rows of the ``posts`` table, or into quarantine entries.

One pass over each record, with type tests rather than a schema library: this is the hot path
of ingest (a million records should take seconds). The content hash is computed here; see
:func:`content_hash` for its exact definition.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from threadline.errors import InputError
from threadline.ingest.readers import EXCERPT_CHARS, Reject, excerpt_of, json_default

#: Fields of the input record (DESIGN.md, input record), in the order of the ``posts`` table.
FIELDS: tuple[str, ...] = (
    "id",
    "text",
    "title",
    "posted_at",
    "site",
    "url",
    "location",
    "author",
    "images",
)
_FIELD_NAMES = frozenset(FIELDS)
#: Optional fields that hold one string each.
STRING_FIELDS: tuple[str, ...] = ("title", "site", "url", "location", "author")

#: The Arrow schema of a batch of valid rows handed to the database.
BATCH_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("id", pa.string()),
        ("content_hash", pa.string()),
        ("text", pa.string()),
        ("title", pa.string()),
        ("posted_at", pa.timestamp("us")),
        ("site", pa.string()),
        ("url", pa.string()),
        ("location", pa.string()),
        ("author", pa.string()),
        ("images", pa.list_(pa.string())),
        ("extra", pa.string()),
    ]
)

_SORT_KEYS = orjson.OPT_SORT_KEYS


@dataclass(frozen=True)
class FieldMap:
    """Which input column feeds each of our fields (``--map text=body``)."""

    columns: Mapping[str, str]
    #: Our fields the user mapped explicitly: a mapping to a column never seen is reported.
    mapped: frozenset[str]

    @classmethod
    def build(cls, field_map: Mapping[str, str] | None) -> FieldMap:
        """Validate a user mapping (our field -> input column) and complete it with defaults.

        A field mapped to a column replaces the field's own name: with ``text=body`` an input
        column called ``text`` is an unknown field (kept in ``extra``), unless some field is
        mapped to it.
        """
        given = dict(field_map or {})
        unknown = sorted(set(given) - set(FIELDS))
        if unknown:
            raise InputError(
                f"cannot map unknown field(s) {unknown}: the fields are {', '.join(FIELDS)}"
            )
        for ours, theirs in given.items():
            if not isinstance(theirs, str) or not theirs.strip():
                raise InputError(f"mapping {ours}=...: the input column name is empty")
        targets = list(given.values())
        doubled = sorted({column for column in targets if targets.count(column) > 1})
        if doubled:
            raise InputError(f"input column(s) {doubled} mapped to more than one field")
        columns = dict(given)
        for name in FIELDS:
            if name not in columns and name not in targets:
                columns[name] = name
        return cls(columns=columns, mapped=frozenset(given))

    def column(self, name: str) -> str | None:
        return self.columns.get(name)


#: A valid row before conversion: line, id, content hash, text, title, posted_at as read,
#: site, url, location, author, images, extra (JSON text).
Row = tuple[Any, ...]


@dataclass
class Batch:
    """Valid rows and quarantine entries of one chunk of one file."""

    rows: list[Row] = field(default_factory=list)
    #: Raw form of each valid row, by position, for the excerpt of a later id conflict.
    raws: list[bytes | str | Mapping[str, Any] | None] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def finish(self) -> pa.Table:
        """The valid rows as an Arrow table; rows whose ``posted_at`` is not ISO-8601 move to
        ``rejects`` (timestamps are parsed for the whole column at once, in Arrow)."""
        columns = [list(column) for column in zip(*self.rows, strict=True)] or [
            [] for _ in BATCH_SCHEMA.names
        ]
        posted_index = BATCH_SCHEMA.names.index("posted_at")
        posted, bad = parse_timestamps(columns[posted_index])
        if bad:
            for index in bad:
                value = columns[posted_index][index]
                shown = repr(value[:40]) if isinstance(value, str) else _type_name(value)
                reason = f"bad_posted_at: {shown} is not an ISO-8601 date-time"
                self.rejects.append(Reject(self.rows[index][0], reason, self.excerpt(index)))
            dropped = set(bad)
            keep = [index for index in range(len(self.rows)) if index not in dropped]
            self.rows = [self.rows[index] for index in keep]
            self.raws = [self.raws[index] for index in keep]
            posted = posted.take(pa.array(keep, type=pa.int64()))
            columns = [[column[index] for index in keep] for column in columns]
        arrays = [
            posted if name == "posted_at" else pa.array(column, type=BATCH_SCHEMA.field(name).type)
            for name, column in zip(BATCH_SCHEMA.names, columns, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=BATCH_SCHEMA)

    def excerpt(self, position: int) -> str:
        return raw_excerpt(self.raws[position])


_UTC_US = pa.timestamp("us", tz="UTC")
_EPOCH = datetime(1970, 1, 1)
#: The range of Python's datetime (years 1 to 9999), in microseconds since the epoch.
_MIN_MICROS = (datetime.min - _EPOCH) // timedelta(microseconds=1)
_MAX_MICROS = (datetime.max - _EPOCH) // timedelta(microseconds=1)
_NAIVE_US = pa.timestamp("us")


def parse_timestamps(values: list[Any]) -> tuple[pa.Array, list[int]]:
    """ISO-8601 strings (or datetimes, dates) as naive UTC timestamps, and the bad positions.

    Arrow parses a whole column in one call when it can (all with offsets, or all without);
    otherwise each value goes through :func:`datetime.fromisoformat`. An offset is converted
    to UTC; a time without an offset is taken as UTC already.
    """
    if all(value is None for value in values):
        return pa.nulls(len(values), _NAIVE_US), []
    if all(value is None or type(value) is str for value in values):
        strings = pa.array(values, type=pa.string())
        for kind in (_UTC_US, _NAIVE_US):
            try:
                converted = strings.cast(kind).cast(_NAIVE_US)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            low, high = (value.as_py() for value in pc.min_max(converted.cast(pa.int64())).values())
            if low is not None and (low < _MIN_MICROS or high > _MAX_MICROS):
                break  # beyond Python's datetime range: explained value by value below
            return converted, []
    parsed: list[datetime | None] = []
    bad: list[int] = []
    for index, value in enumerate(values):
        try:
            parsed.append(_posted_at(value))
        except Invalid:
            parsed.append(None)
            bad.append(index)
    return pa.array(parsed, type=_NAIVE_US), bad


def raw_excerpt(raw: bytes | str | Mapping[str, Any] | None) -> str:
    """The start of a raw record; a Parquet row is shown as JSON."""
    if raw is None:
        return ""
    if isinstance(raw, bytes | str):
        return excerpt_of(raw)
    return excerpt_of(orjson.dumps(raw, default=json_default)[: EXCERPT_CHARS * 4])


class Invalid(Exception):
    """A record that breaks the input-record contract; ``reason`` is ``code: detail``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def content_hash(canonical: Mapping[str, Any]) -> str:
    """sha256 (hex) of the record as compact JSON with sorted keys (at every depth), UTF-8.

    ``canonical`` is the record without its ``id``, mapped columns renamed to our field names,
    null and empty values left out, numbers in text fields as text, ``images`` as a list,
    ``posted_at`` as written; unknown fields keep their names (one that clashes with ours,
    possible only with a mapping, becomes ``extra.NAME``). See docs/ingest.md.
    """
    data = orjson.dumps(canonical, option=_SORT_KEYS, default=json_default)
    return hashlib.sha256(data).hexdigest()


_NO_COLUMN = "\0no column"


class Validator:
    """Checks records against the input-record contract and fills a :class:`Batch`.

    The common case (every field of the right type) costs a few dictionary look-ups per
    record; anything unusual takes the slower, explaining path.
    """

    def __init__(
        self, field_map: FieldMap, *, max_field_chars: int, images_as_text: bool = False
    ) -> None:
        self.field_map = field_map
        self.max_field_chars = max_field_chars
        #: CSV cells are text: images come as a JSON list or ``|``-separated paths.
        self.images_as_text = images_as_text
        columns = field_map.columns
        self._text = columns.get("text", _NO_COLUMN)
        self._id = columns.get("id", _NO_COLUMN)
        self._posted_at = columns.get("posted_at", _NO_COLUMN)
        self._images = columns.get("images", _NO_COLUMN)
        self._title, self._site, self._url, self._location, self._author = (
            columns.get(name, _NO_COLUMN) for name in STRING_FIELDS
        )
        self._known = frozenset(columns.values())
        #: Input column -> our field, for every field but ``id`` (the content hash omits it).
        self._ours = {column: name for name, column in columns.items() if name != "id"}
        #: No mapping: input columns already carry our names.
        self._identity = not field_map.mapped
        #: Mapped columns not yet seen in any record (for the "never seen" warning).
        self.unseen: set[str] = {columns[name] for name in field_map.mapped}

    def note_columns(self, names: Iterable[str]) -> None:
        """Columns known up front (CSV header, Parquet schema) count as seen."""
        self.unseen.difference_update(names)

    def add(self, batch: Batch, line: int, record: dict[str, Any], raw: bytes | str | None) -> None:
        """Append a record to ``batch`` as a valid row, or as a quarantine entry."""
        if self.unseen:
            self.unseen.difference_update([name for name in self.unseen if name in record])
        try:
            row = self.row(line, record)
        except Invalid as invalid:
            excerpt = raw_excerpt(record if raw is None else raw)
            batch.rejects.append(Reject(line, invalid.reason, excerpt))
            return
        batch.rows.append(row)
        batch.raws.append(record if raw is None else raw)

    def row(self, line: int, record: dict[str, Any]) -> Row:
        """The record as a row of the ``posts`` table, or :class:`Invalid`.

        Takes ``id`` out of ``record`` (the record is the reader's, made for this call).
        """
        limit = self.max_field_chars
        get = record.get
        text = get(self._text)
        if type(text) is not str or not text or len(text) > limit or text.isspace():
            self._explain_text(text)
        title = get(self._title)
        site = get(self._site)
        url = get(self._url)
        location = get(self._location)
        author = get(self._author)
        strings = (title, site, url, location, author)
        clean = True
        for value in strings:
            if value is not None and (type(value) is not str or not value or len(value) > limit):
                clean = False
                break
        if not clean:
            title, site, url, location, author = (
                _optional_string(name, value, limit)
                for name, value in zip(STRING_FIELDS, strings, strict=True)
            )
        posted_at = get(self._posted_at)
        if posted_at is not None and type(posted_at) is not str:
            _posted_at(posted_at)  # a datetime passes, anything else is explained
        elif posted_at == "":
            posted_at = None
        images = raw_images = get(self._images)
        if images is not None:
            images = self._images_of(images)
        post_id = record.pop(self._id, None)
        if post_id is not None and (
            type(post_id) is not str or not post_id or len(post_id) > limit
        ):
            post_id = _post_id(post_id, limit)
        extra_json: str | None = None
        if not record.keys() <= self._known:
            extra_json = self._extra_json(
                {key: value for key, value in record.items() if key not in self._known}
            )
        values = record.values()
        if (
            self._identity
            and clean
            and images is raw_images
            and None not in values
            and "" not in values
            and [] not in values
        ):
            canonical = record  # already our names, nothing to drop or convert
        else:
            fixed = dict(zip(STRING_FIELDS, (title, site, url, location, author), strict=True))
            fixed["images"] = images
            fixed["posted_at"] = posted_at
            canonical = self._canonical(record, fixed)
        digest = content_hash(canonical)
        return (
            line,
            post_id or digest,
            digest,
            text,
            title,
            posted_at,
            site,
            url,
            location,
            author,
            images,
            extra_json,
        )

    def _canonical(self, record: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
        """The record under our field names, cleaned values, without null or empty values."""
        canonical: dict[str, Any] = {}
        ours = self._ours
        for key, value in record.items():
            if key in ours:
                name = ours[key]
                value = fixed.get(name, value)
            elif key in _FIELD_NAMES:
                name = "extra." + key  # an unknown column that has one of our names
            else:
                name = key
            if value is not None and value != "" and value != []:
                canonical[name] = value
        return canonical

    def _explain_text(self, text: Any) -> NoReturn:
        if text is None:
            raise Invalid("missing_text: the record has no text")
        if type(text) is not str:
            raise Invalid(f"bad_type: text must be a string, not {_type_name(text)}")
        if not text or text.isspace():
            raise Invalid("missing_text: the text is empty")
        raise Invalid(
            f"oversized_field: text has {len(text)} characters (limit {self.max_field_chars})"
        )

    def _extra_json(self, extra: Mapping[str, Any]) -> str:
        try:
            extra_json = orjson.dumps(extra, default=json_default).decode()
        except orjson.JSONEncodeError as exc:  # e.g. nested deeper than orjson writes
            raise Invalid(f"bad_type: unknown fields cannot be kept as JSON: {exc}") from None
        if len(extra_json) > self.max_field_chars:
            _check_extra_sizes(extra, self.max_field_chars)
        return extra_json

    def _images_of(self, value: Any) -> list[str] | None:
        if type(value) is str and self.images_as_text:
            value = _images_from_text(value)
        if not isinstance(value, list | tuple):
            raise Invalid(f"bad_type: images must be a list of strings, not {_type_name(value)}")
        for item in value:
            if type(item) is not str:
                raise Invalid(
                    f"bad_type: images must be a list of strings, found {_type_name(item)}"
                )
            if len(item) > self.max_field_chars:
                raise Invalid(
                    f"oversized_field: an image path has {len(item)} characters "
                    f"(limit {self.max_field_chars})"
                )
        if not value:
            return None
        return value if type(value) is list else list(value)


def _optional_string(name: str, value: Any, limit: int) -> str | None:
    """An optional text field: empty means absent, numbers become text, others are refused."""
    if value is None:
        return None
    if type(value) is not str:
        value = _scalar_text(name, value)
    if len(value) > limit:
        raise Invalid(f"oversized_field: {name} has {len(value)} characters (limit {limit})")
    return value or None


def _images_from_text(value: str) -> Any:
    """A CSV cell of images: a JSON list, or paths separated by ``|``."""
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            reason = f"bad_type: images is neither a JSON list nor '|'-separated: {exc}"
            raise Invalid(reason) from None
    return [part.strip() for part in stripped.split("|") if part.strip()]


def _check_extra_sizes(extra: Mapping[str, Any], limit: int) -> None:
    for key, value in extra.items():
        if isinstance(value, str):
            size = len(value)
        else:
            size = len(orjson.dumps(value, default=json_default))
        if size > limit:
            name = key if len(key) <= 40 else key[:40] + "..."
            raise Invalid(f"oversized_field: {name!r} has {size} characters (limit {limit})")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _scalar_text(name: str, value: Any) -> str:
    """Numbers become their decimal text (profile ids are often numeric); others are refused."""
    if type(value) is int:
        return str(value)
    if type(value) is float and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    raise Invalid(f"bad_type: {name} must be a string, not {_type_name(value)}")


def _post_id(value: Any, limit: int) -> str | None:
    """The record's own id as text, or None when it has none (the content hash is used)."""
    if value is None:
        return None
    if type(value) is not str:
        return _scalar_text("id", value)
    if len(value) > limit:
        raise Invalid(f"oversized_field: id has {len(value)} characters (limit {limit})")
    return value if value.strip() else None


def _posted_at(value: Any) -> datetime | None:
    """ISO-8601 text (or a Parquet timestamp or date) as a naive UTC datetime, one at a time."""
    if value is None or value == "":
        return None
    if type(value) is str:
        text = value.strip()
        if len(text) > 64:
            raise Invalid(f"bad_posted_at: not an ISO-8601 date-time ({len(text)} characters)")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Invalid(f"bad_posted_at: {text[:40]!r} is not an ISO-8601 date-time") from None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        raise Invalid(f"bad_posted_at: expected an ISO-8601 string, not {_type_name(value)}")
    if parsed.tzinfo is None:
        return parsed
    try:
        return parsed.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise Invalid("bad_posted_at: out of range once converted to UTC") from None
