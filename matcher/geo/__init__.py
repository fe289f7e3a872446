"""Postcode → coordinates for all of Germany, straight-line distance and a one-way commute estimate.

- ``travel``: ``haversine_km`` and ``commute_minutes`` (pure numpy, arrays broadcast);
- ``directory``: ``PostcodeDirectory``, every German postcode with places, district and rurality;
- ``rurality``: the rurality proxy computed from the postcode data when the directory is built;
- ``shipped``: ``load_directory()`` (cached, never at import) from the GeoNames data in installed
  wheels, and the attribution that data requires (``DATA_ATTRIBUTION``).
"""

from matcher.geo.directory import Place, PlaceRow, PostcodeDirectory, validate_postcode
from matcher.geo.rurality import RURAL_SCORE, RURALITY_RADIUS_KM, TOWN_RADIUS_KM, TOWN_WEIGHT, URBAN_SCORE
from matcher.geo.shipped import DATA_ATTRIBUTION, load_directory, lookup
from matcher.geo.travel import (
    DEFAULT_PROFILES,
    EARTH_RADIUS_KM,
    FloatArray,
    Mode,
    ModeProfile,
    commute_minutes,
    haversine_km,
)

__all__ = [
    "DATA_ATTRIBUTION",
    "DEFAULT_PROFILES",
    "EARTH_RADIUS_KM",
    "RURALITY_RADIUS_KM",
    "RURAL_SCORE",
    "TOWN_RADIUS_KM",
    "TOWN_WEIGHT",
    "URBAN_SCORE",
    "FloatArray",
    "Mode",
    "ModeProfile",
    "Place",
    "PlaceRow",
    "PostcodeDirectory",
    "commute_minutes",
    "haversine_km",
    "load_directory",
    "lookup",
    "validate_postcode",
]
