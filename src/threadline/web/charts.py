"""What the timeline and the circuit map of a group of posts show, computed in Python.

Pure functions over ``(posted_at, place)`` rows, so the pages stay thin and the figures are
tested without a browser; the page draws the timeline as inline SVG and hands the circuit to the
map script as JSON.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from threadline.geo import coordinates

__all__ = ["Bar", "Lane", "Stop", "circuit", "persona_lanes", "timeline"]

#: Most days a timeline draws one bar per day; longer spans are drawn per week.
MAX_DAILY_BARS = 120


@dataclass(frozen=True, slots=True)
class Bar:
    start: date
    days: int
    posts: int


@dataclass(frozen=True, slots=True)
class Stop:
    """A city of the circuit: when the posts there began and ended, and how many there were."""

    place: str
    first: datetime
    last: datetime
    posts: int
    latitude: float | None
    longitude: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "place": self.place,
            "first": self.first.date().isoformat(),
            "last": self.last.date().isoformat(),
            "posts": self.posts,
            "lat": self.latitude,
            "lon": self.longitude,
        }


def timeline(times: Iterable[datetime | None]) -> list[Bar]:
    """Posts per day (or per week when the span is long), with empty periods included so the
    gaps show; posts without a date are left out."""
    days = Counter(moment.date() for moment in times if moment is not None)
    if not days:
        return []
    first, last = min(days), max(days)
    width = 1 if (last - first).days < MAX_DAILY_BARS else 7
    bars: list[Bar] = []
    start = first
    while start <= last:
        count = sum(days.get(start + timedelta(days=offset), 0) for offset in range(width))
        bars.append(Bar(start, width, count))
        start += timedelta(days=width)
    return bars


#: Personas drawn as lanes of their own; the rest share one lane ("other personas").
MAX_LANES = 12


@dataclass(frozen=True, slots=True)
class Lane:
    """One persona's posts over the periods of a timeline's bars."""

    persona: str
    posts: int
    first: datetime | None
    last: datetime | None
    #: Posts per bar of the network's timeline (same periods, same order).
    counts: tuple[int, ...]


def persona_lanes(
    rows: Iterable[tuple[datetime | None, str | None]], bars: list[Bar]
) -> list[Lane]:
    """Per persona (most posts first), its posts in each period of ``bars``: who was advertised
    when. Posts naming no persona share the lane "no persona named"; beyond
    :data:`MAX_LANES` personas, the rest share "other personas"."""
    by_persona: dict[str, list[datetime | None]] = {}
    for moment, persona in rows:
        by_persona.setdefault(persona or "no persona named", []).append(moment)
    ranked = sorted(by_persona.items(), key=lambda item: (-len(item[1]), item[0]))
    if len(ranked) > MAX_LANES:
        rest = [moment for _, moments in ranked[MAX_LANES - 1 :] for moment in moments]
        ranked = [
            *ranked[: MAX_LANES - 1],
            (f"other personas ({len(ranked) - MAX_LANES + 1})", rest),
        ]
    starts = [bar.start for bar in bars]
    lanes = []
    for persona, moments in ranked:
        counts = [0] * len(bars)
        for moment in moments:
            if moment is None or not bars:
                continue
            index = bisect_right(starts, moment.date()) - 1
            if 0 <= index < len(bars) and (moment.date() - starts[index]).days < bars[index].days:
                counts[index] += 1
        dated = sorted(moment for moment in moments if moment is not None)
        lanes.append(
            Lane(
                persona,
                len(moments),
                dated[0] if dated else None,
                dated[-1] if dated else None,
                tuple(counts),
            )
        )
    return lanes


def circuit(rows: Iterable[tuple[datetime | None, str | None]]) -> list[Stop]:
    """The places of dated posts in the order the posts first reached them (the circuit)."""
    seen: dict[str, list[datetime]] = {}
    for moment, place in sorted(
        ((m, p) for m, p in rows if m is not None and p), key=lambda row: row[0]
    ):
        seen.setdefault(place, []).append(moment)
    stops = []
    for place, moments in seen.items():
        point = coordinates(place)
        stops.append(
            Stop(
                place,
                moments[0],
                moments[-1],
                len(moments),
                None if point is None else point[0],
                None if point is None else point[1],
            )
        )
    return sorted(stops, key=lambda stop: (stop.first, stop.place))
