"""The shapes every layer shares: a post as ingested and an identifier as extracted.

Plain frozen dataclasses (not pydantic models) because extraction creates millions of them on the
hot path; validation happens at the edges (ingest, CLI, API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

IdentifierKind = Literal[
    "phone", "email", "handle", "url", "crypto", "payment", "age", "price", "place", "name"
]

#: Every identifier kind, in the order the DESIGN.md contract lists them.
IDENTIFIER_KINDS: tuple[IdentifierKind, ...] = (
    "phone",
    "email",
    "handle",
    "url",
    "crypto",
    "payment",
    "age",
    "price",
    "place",
    "name",
)

#: Platforms a ``handle`` canonical form may name (``platform:username``).
HANDLE_PLATFORMS: tuple[str, ...] = (
    "snapchat",
    "instagram",
    "telegram",
    "kik",
    "whatsapp",
    "x",
    "tiktok",
    "onlyfans",
    "facebook",
)


class Identifier(NamedTuple):
    """One identifier found in a text.

    ``value`` is the text exactly as written, so ``text[start:end] == value`` always holds;
    ``canonical`` is the normalised form that links posts (see DESIGN.md, identifier contract).
    A named tuple rather than a frozen dataclass: extraction makes about ten per post, and a
    tuple is built in a third of the time.
    """

    kind: IdentifierKind
    value: str
    canonical: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


@dataclass(frozen=True, slots=True)
class Post:
    """An ingested post: ``text`` is required, the rest optional (DESIGN.md, input record)."""

    id: str
    text: str
    title: str | None = None
    posted_at: str | None = None
    site: str | None = None
    url: str | None = None
    location: str | None = None
    author: str | None = None
    images: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class Flag(NamedTuple):
    """One indicator raised on a post, with the evidence a reviewer needs.

    ``matched == text[start:end]`` of the field it was found in (``field`` is ``text`` or
    ``title``); ``source`` cites the public indicator lists the indicator rests on. A named tuple
    for the same reason as :class:`Identifier`: screening makes several per post.
    """

    code: str
    label: str
    category: str
    strength: str
    start: int
    end: int
    matched: str
    source: str
    weight: float = 0.0
    field: str = "text"

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md ``screen --json`` form: ``span`` as ``[start, end]``."""
        return {
            "code": self.code,
            "label": self.label,
            "category": self.category,
            "strength": self.strength,
            "span": [self.start, self.end],
            "matched": self.matched,
            "source": self.source,
            "weight": self.weight,
            "field": self.field,
        }
