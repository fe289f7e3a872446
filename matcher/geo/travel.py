"""Straight-line distance between points and the one-way commute estimate for it.

Pure numpy: one claimant against 100,000 vacancies costs a few milliseconds. The rurality a commute
estimate takes comes from the postcode directory (``matcher.geo.rurality``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, overload

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Mean Earth radius (IUGG), the usual choice for great-circle distances.
EARTH_RADIUS_KM: Final = 6371.0088


# --- distance ------------------------------------------------------------------------------------
@overload
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...
@overload
def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray: ...
def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> float | FloatArray:
    """Great-circle distance in km between points given in degrees; numpy arrays broadcast.

    Four floats give a float; any array argument gives an array of the broadcast shape.
    """
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) * 0.5) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) * 0.5) ** 2
    # Clip: rounding can push h a hair above 1 for antipodal points, and arcsin would give NaN.
    d = (2.0 * EARTH_RADIUS_KM) * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    if d.ndim == 0:
        return float(d)
    return d


# --- commute -------------------------------------------------------------------------------------
class Mode(StrEnum):
    """How a claimant travels to work."""

    CAR = "car"
    PUBLIC = "public"  # ÖPNV: bus, tram, regional train
    BIKE = "bike"
    WALK = "walk"


@dataclass(frozen=True, slots=True)
class ModeProfile:
    """Parameters of the one-way commute estimate for one mode (see ``commute_minutes``).

    ``band_edges_km`` and ``band_speeds_kmh`` give the average speed on each stretch of the road
    distance: the first km of a trip run through town, later km on faster roads or trains. Each
    speed applies only to the km inside its band (like a tax bracket), so time never drops when
    distance grows, unlike a single speed chosen by total distance.
    """

    detour: float  # road (or line) km per straight-line km
    fixed_min: float  # access/egress and parking, any trip
    band_edges_km: tuple[float, ...]  # lower edges, first is 0
    band_speeds_kmh: tuple[float, ...]
    wait_min: float = 0.0  # expected wait at the first stop, urban ...
    wait_rural_extra_min: float = 0.0  # ... plus this much at rurality 1
    transfer_min: float = 0.0  # one change on longer trips, urban ...
    transfer_rural_extra_min: float = 0.0  # ... plus this much at rurality 1
    transfer_from_km: float = np.inf  # straight-line km where a change starts to be likely ...
    transfer_full_km: float = np.inf  # ... and where it is certain (linear ramp between)
    rural_slowdown: float = 0.0  # in-vehicle time × (1 + rural_slowdown × rurality)
    min_km: float = 1.0  # straight-line floor, urban ...
    min_km_rural_extra: float = 0.0  # ... plus this at rurality 1: same-postcode trips are not 0 km
    max_km: float = np.inf  # straight-line km beyond which the mode is not a daily commute (→ inf)


# Assumptions (one-way, door to door, working-day morning):
# * Detour factors road/line vs straight line: 1.3 car, 1.3 ÖPNV, 1.25 bike, 1.2 walk (German
#   road-network studies put car detour at 1.2-1.4, higher for short trips).
# * Car: 4 min to reach the car and park; 30 km/h for the first 5 road km (town), 65 km/h for
#   5-20 km (Bundes-/Landstraße), 85 km/h for 20-50 km, 100 km/h beyond (Autobahn share). Rurality
#   is ignored for cars: faster country roads and longer detours roughly cancel out.
# * ÖPNV: 8 min walking to and from stops; expected wait = half the headway, 4 min in a city
#   (headway ~8 min) up to 20 min at rurality 1 (hourly bus, commuters time their departure);
#   one change becomes certain between 10 and 20 km straight line, costing 3-12 min (rural
#   timetables connect worse); in-vehicle 20 km/h for the first 5 km (town bus with stops),
#   40 km/h for 5-20 km, 65 km/h for 20-50 km (regional train), 85 km/h beyond; buses that loop
#   through villages make in-vehicle time up to 15 % longer at rurality 1.
# * Bike: 15 km/h, 2 min fixed, not offered beyond 25 km straight line (E-bike commutes rarely go
#   further). Walk: 4.5 km/h, not offered beyond 5 km.
# * Distance floor: a trip within one postcode is not 0 km; the floor is 1 km in a city rising to
#   3 km at rurality 1 (rural postcode areas are ~100 km² and larger).
# Rurality of a trip: pass the larger of both ends' rurality — an hourly bus at the village end
# sets the wait, however good the city end is.
DEFAULT_PROFILES: Final[dict[Mode, ModeProfile]] = {
    Mode.CAR: ModeProfile(
        detour=1.3,
        fixed_min=4.0,
        band_edges_km=(0.0, 5.0, 20.0, 50.0),
        band_speeds_kmh=(30.0, 65.0, 85.0, 100.0),
        min_km_rural_extra=2.0,
    ),
    Mode.PUBLIC: ModeProfile(
        detour=1.3,
        fixed_min=8.0,
        band_edges_km=(0.0, 5.0, 20.0, 50.0),
        band_speeds_kmh=(20.0, 40.0, 65.0, 85.0),
        wait_min=4.0,
        wait_rural_extra_min=16.0,
        transfer_min=3.0,
        transfer_rural_extra_min=9.0,
        transfer_from_km=10.0,
        transfer_full_km=20.0,
        rural_slowdown=0.15,
        min_km_rural_extra=2.0,
    ),
    Mode.BIKE: ModeProfile(
        detour=1.25,
        fixed_min=2.0,
        band_edges_km=(0.0,),
        band_speeds_kmh=(15.0,),
        min_km_rural_extra=2.0,
        max_km=25.0,
    ),
    Mode.WALK: ModeProfile(
        detour=1.2,
        fixed_min=0.0,
        band_edges_km=(0.0,),
        band_speeds_kmh=(4.5,),
        min_km_rural_extra=2.0,
        max_km=5.0,
    ),
}


def _banded_hours(road_km: FloatArray, edges: tuple[float, ...], speeds: tuple[float, ...]) -> FloatArray:
    """Hours to cover ``road_km`` when each band of the distance has its own speed."""
    hours = np.zeros_like(road_km)
    uppers = (*edges[1:], np.inf)
    for lo, hi, v in zip(edges, uppers, speeds, strict=True):
        hours += np.clip(road_km - lo, 0.0, hi - lo) / v
    return hours


@overload
def commute_minutes(
    distance_km: float, mode: Mode | str, rurality: float = 0.0, *, profile: ModeProfile | None = None
) -> float: ...
@overload
def commute_minutes(
    distance_km: npt.ArrayLike,
    mode: Mode | str,
    rurality: npt.ArrayLike = 0.0,
    *,
    profile: ModeProfile | None = None,
) -> FloatArray: ...
def commute_minutes(
    distance_km: npt.ArrayLike,
    mode: Mode | str,
    rurality: npt.ArrayLike = 0.0,
    *,
    profile: ModeProfile | None = None,
) -> float | FloatArray:
    """Estimated one-way door-to-door commute in minutes for a straight-line distance.

    ``distance_km`` and ``rurality`` (0 = city, 1 = remote countryside; for a trip, the larger of
    both ends' values) broadcast against each other. Minutes are non-decreasing in distance and in
    rurality. A mode beyond its range (bike > 25 km, walk > 5 km) gives ``inf``, so a filter
    ``minutes <= limit`` drops it without a special case. ``profile`` overrides the defaults for
    ``mode`` (``DEFAULT_PROFILES``, whose comments list the assumptions).
    """
    p = profile if profile is not None else DEFAULT_PROFILES[Mode(mode)]
    d = np.asarray(distance_km, dtype=np.float64)
    r = np.clip(np.asarray(rurality, dtype=np.float64), 0.0, 1.0)
    straight = np.maximum(d, p.min_km + p.min_km_rural_extra * r)
    hours = _banded_hours(straight * p.detour, p.band_edges_km, p.band_speeds_kmh)
    minutes = hours * (60.0 * (1.0 + p.rural_slowdown * r)) + p.fixed_min
    if p.wait_min or p.wait_rural_extra_min:
        minutes = minutes + (p.wait_min + p.wait_rural_extra_min * r)
    if np.isfinite(p.transfer_from_km):
        ramp = np.clip((d - p.transfer_from_km) / (p.transfer_full_km - p.transfer_from_km), 0.0, 1.0)
        minutes = minutes + ramp * (p.transfer_min + p.transfer_rural_extra_min * r)
    if np.isfinite(p.max_km):
        minutes = np.where(d > p.max_km, np.inf, minutes)
    if minutes.ndim == 0:
        return float(minutes)
    return np.asarray(minutes, dtype=np.float64)
