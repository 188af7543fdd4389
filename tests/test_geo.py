"""Coordinates for canonical places: every gazetteer city has them, and they are the city's."""

from __future__ import annotations

from threadline.extract.gazetteer import load
from threadline.extract.place import resolve
from threadline.geo import coordinates


def test_every_gazetteer_city_has_coordinates() -> None:
    missing = [city.canonical for city in load().cities if coordinates(city.canonical) is None]
    assert missing == []


def test_coordinates_are_the_citys() -> None:
    houston = coordinates("Houston, TX, US")
    assert houston is not None
    assert abs(houston[0] - 29.76) < 0.1 and abs(houston[1] + 95.36) < 0.1
    toronto = resolve("Toronto ON")
    assert toronto is not None
    latitude, longitude = coordinates(toronto) or (0.0, 0.0)
    assert 43 < latitude < 44.5 and -80 < longitude < -79


def test_unknown_places_have_none() -> None:
    assert coordinates("Atlantis, 00, XX") is None
    assert coordinates("") is None
