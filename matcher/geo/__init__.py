"""Postcode → coordinates for all of Germany, straight-line distance and a one-way commute estimate.

- ``travel``: ``haversine_km`` and ``commute_minutes`` (pure numpy, arrays broadcast);
- ``directory``: ``PostcodeDirectory``, every German postcode with places, district and rurality;
- ``placing``: a record's coordinates and place from its postcode, given coordinates checked
  against it (``settle``; the importer and the API);
- ``rurality``: the rurality proxy computed from the postcode data when the directory is built;
- ``shipped``: ``load_directory()`` (cached, never at import) from the GeoNames data in installed
  wheels, and the attribution that data requires (``DATA_ATTRIBUTION``).
"""

from matcher.geo.directory import Place, PlaceRow, PostcodeDirectory, validate_postcode
from matcher.geo.placing import MARGIN_KM, Locate, Located, check_near, located, settle
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
    "MARGIN_KM",
    "RURALITY_RADIUS_KM",
    "RURAL_SCORE",
    "TOWN_RADIUS_KM",
    "TOWN_WEIGHT",
    "URBAN_SCORE",
    "FloatArray",
    "Locate",
    "Located",
    "Mode",
    "ModeProfile",
    "Place",
    "PlaceRow",
    "PostcodeDirectory",
    "check_near",
    "commute_minutes",
    "haversine_km",
    "load_directory",
    "located",
    "lookup",
    "settle",
    "validate_postcode",
]
