"""Cut a text into segments by the spans marked on it, for highlighting in a page.

Identifier and flag spans may overlap or nest (a phone inside a messenger link, a flag over a
claimed age): the text is cut at every span boundary and each segment carries every mark that
covers it, so the page can show all of them and escaping stays the template's job (segments are
plain text, never HTML).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Mark", "Segment", "segments"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A span ``[start, end)`` of the text with a CSS class and a tooltip."""

    start: int
    end: int
    css: str
    label: str


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    marks: tuple[Mark, ...] = ()

    @property
    def css(self) -> str:
        return " ".join(sorted({mark.css for mark in self.marks}))

    @property
    def label(self) -> str:
        return "; ".join(dict.fromkeys(mark.label for mark in self.marks))


def segments(text: str, marks: Iterable[Mark]) -> list[Segment]:
    """``text`` cut at every boundary of ``marks`` (those outside the text or empty are
    ignored); joining the segments' text gives ``text`` back."""
    kept: Sequence[Mark] = [mark for mark in marks if 0 <= mark.start < mark.end <= len(text)]
    cuts = sorted({0, len(text)} | {mark.start for mark in kept} | {mark.end for mark in kept})
    out: list[Segment] = []
    for start, end in pairwise(cuts):
        covering = tuple(mark for mark in kept if mark.start <= start and end <= mark.end)
        out.append(Segment(text[start:end], covering))
    return out
