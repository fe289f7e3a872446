"""All German postcodes with their places, state, district, centre and rurality.

``PostcodeDirectory`` is built once from GeoNames rows (``matcher.geo.shipped.load_directory``,
cached), never at import.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from matcher.errors import GeoError
from matcher.geo.rurality import compute_rurality
from matcher.geo.travel import FloatArray, haversine_km

_POSTCODE_RE: Final = re.compile(r"\d{5}")


@dataclass(frozen=True, slots=True)
class Place:
    """One German postcode: its places, state, district, centre and rurality.

    ``lat``/``lon`` are the mean of the coordinates GeoNames gives for the postcode's places, and
    ``radius_km`` how far the farthest of those places lies from that centre (0 for one place): the
    spread a given address of the postcode can have (``matcher.geo.placing``).
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
    radius_km: float = 0.0

    @property
    def name(self) -> str:
        """The places of the postcode as one label, e.g. "Elbingerode, Herzberg am Harz, Hörden"."""
        return ", ".join(self.names)


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """One place of a postcode as GeoNames lists it."""

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
    def from_rows(cls, rows: Iterable[PlaceRow], districts: dict[tuple[str, str], str]) -> PostcodeDirectory:
        """Build from GeoNames place rows and a (postcode, place name) → district table."""
        by_code: dict[str, list[PlaceRow]] = defaultdict(list)
        for row in rows:
            by_code[row.postcode].append(row)
        districts_by_code: dict[str, list[str]] = defaultdict(list)
        for (code, _), kreis in districts.items():
            districts_by_code[code].append(kreis)
        draft: list[tuple[str, tuple[str, ...], str, str | None, float, float, bool, set[str]]] = []
        # Each place of a postcode with the postcode's row in draft, for the radius below.
        place_lat: list[float] = []
        place_lon: list[float] = []
        place_of: list[int] = []
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
            for r in group:
                place_lat.append(r.lat)
                place_lon.append(r.lon)
                place_of.append(len(draft))
            draft.append((code, names, group[0].state, district, lat, lon, delivery, set(counts)))

        lats = np.array([d[4] for d in draft], dtype=np.float64)
        lons = np.array([d[5] for d in draft], dtype=np.float64)
        delivery_mask = np.array([d[6] for d in draft], dtype=bool)
        rurality = compute_rurality(lats, lons, delivery_mask, [d[1][0] for d in draft])
        of = np.array(place_of, dtype=np.intp)
        radius = np.zeros(len(draft), dtype=np.float64)
        np.maximum.at(radius, of, haversine_km(np.array(place_lat), np.array(place_lon), lats[of], lons[of]))
        places: dict[str, Place] = {}
        by_district: dict[str, list[str]] = defaultdict(list)
        for i, (code, names, state, district, lat, lon, delivery, all_districts) in enumerate(draft):
            places[code] = Place(
                code, names, state, district, lat, lon, float(rurality[i]), delivery, float(radius[i])
            )
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
