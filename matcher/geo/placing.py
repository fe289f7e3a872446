"""Where a record is: coordinates and place name from its postcode where the record lacks them, and
given coordinates checked against the postcode. The importer and the API both place records here.

Given coordinates must lie within ``MARGIN_KM`` of the postcode's farthest place (``Place.radius_km``
from the postcode's centre, plus the margin). The margin is the extent of a place around the point
GeoNames gives for it: an address lies inside its municipality, and Germany's largest municipalities
by area (Berlin, Hamburg, Gardelegen) reach about 15-17 km from their centre; 20 km clears that and
still refuses what such a check is for: another country (postcode 37083 with Vienna's coordinates
is 589 km off), swapped latitude and longitude, a neighbouring district's coordinates pasted in. A
postcode of a large recipient (``Place.delivery`` False) lists recipients spread over Germany, so its
radius is wide and the check accordingly lenient. A postcode the directory does not know cannot be
checked: with coordinates and place given the record is taken as it is (a postcode newer than the
directory), otherwise it is refused naming ``postcode``.

The messages name the field and the distance, never the coordinates given (they may be a home).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from matcher.errors import GeoError, ValidationError
from matcher.geo.directory import Place
from matcher.geo.travel import haversine_km

MARGIN_KM = 20.0


class Located(NamedTuple):
    """A postcode's centre, place name, and how far its farthest place lies from the centre."""

    lat: float
    lon: float
    name: str
    radius_km: float = 0.0


# postcode -> where it is; GeoError for a postcode it does not know. A plain (lat, lon, name) is a
# postcode of one place (radius 0).
Locate = Callable[[str], Located | tuple[float, float, str]]


def located(place: Place) -> Located:
    return Located(place.lat, place.lon, place.name, place.radius_km)


def check_near(lat: float, lon: float, where: Located, field: str = "lat") -> None:
    """ValidationError on ``field`` unless (lat, lon) lies within the postcode's radius plus MARGIN_KM."""
    limit = where.radius_km + MARGIN_KM
    off = float(haversine_km(lat, lon, where.lat, where.lon))
    if not off <= limit:  # also NaN
        raise ValidationError(
            field, f"the coordinates lie {off:,.0f} km from the postcode's places (at most {limit:,.0f} km)"
        )


def settle(
    postcode: str, lat: float | None, lon: float | None, municipality: str, locate: Locate
) -> tuple[float | None, float | None, str]:
    """(lat, lon, municipality) of a record: what it gives, checked, with the gaps filled from the
    postcode. Only one of lat and lon given is left to the record's own check (both or neither)."""
    given = lat is not None and lon is not None
    try:
        where = Located(*locate(postcode))
    except GeoError as err:
        if given and municipality:
            return lat, lon, municipality
        raise ValidationError("postcode", str(err)) from None
    if lat is not None and lon is not None:
        check_near(lat, lon, where)
    elif lat is None and lon is None:
        lat, lon = where.lat, where.lon
    return lat, lon, municipality or where.name
