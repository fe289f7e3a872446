"""Vacancies and claimants held as arrays aligned with a vector index's order.

A lookup compares one claimant with every vacancy (and the reverse lookup one vacancy with every
claimant) in a handful of vectorised steps; these catalogs hold what those steps read, built once
when the service starts and rebuilt when the index changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant, Contract, Vacancy
from matcher.filters import ClaimantTable, VacancyFilters, VacancyTable
from matcher.geo import PostcodeDirectory, haversine_km
from matcher.occupation import vacancy_digits
from matcher.search_text import forms


def rurality_of(postcodes: Sequence[str], geo: PostcodeDirectory) -> npt.NDArray[np.float64]:
    """Rurality per postcode (0 city - 1 remote); an unknown postcode counts as rural."""
    out = np.ones(len(postcodes), dtype=np.float64)
    for i, code in enumerate(postcodes):
        if geo.is_known(code):
            out[i] = geo.lookup(code).rurality
    return out


@dataclass(frozen=True)
class Places:
    """The distinct places of a catalog's records (coordinates and rurality, equal bit for bit) and
    the place of each record: a lookup measures the distance and commute to each place once and
    gathers them (a region's 100,000 vacancies sit at a few hundred to a few thousand places, one per
    postcode or address), instead of 100,000 haversines and commute estimates."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    rurality: npt.NDArray[np.float64]
    of: npt.NDArray[np.intp]  # (vacancies,): index into the place arrays

    @classmethod
    def of_table(
        cls, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], rurality: npt.NDArray[np.float64]
    ) -> Places:
        rows = np.ascontiguousarray(np.stack([lat, lon, rurality], axis=1), dtype=np.float64)
        # Distinct by their bytes, not by value: two NaNs (unknown places) are one place, -0.0 and
        # 0.0 two, so that every vacancy's place holds exactly its own three numbers.
        keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * 3))).ravel()
        _, first, of = np.unique(keys, return_index=True, return_inverse=True)
        at = rows[first]
        return cls(
            lat=np.ascontiguousarray(at[:, 0]),
            lon=np.ascontiguousarray(at[:, 1]),
            rurality=np.ascontiguousarray(at[:, 2]),
            of=np.asarray(of, dtype=np.intp).reshape(-1),
        )

    def __len__(self) -> int:
        return int(self.lat.shape[0])


@dataclass(frozen=True)
class VacancyCatalog:
    vacancies: tuple[Vacancy, ...]
    table: VacancyTable
    kldb_digits: npt.NDArray[np.int8]
    rurality: npt.NDArray[np.float64]
    employer: npt.NDArray[np.str_]
    position: dict[str, int]

    @classmethod
    def build(cls, vacancies: Sequence[Vacancy], geo: PostcodeDirectory) -> VacancyCatalog:
        vs = tuple(vacancies)
        return cls(
            vacancies=vs,
            table=VacancyTable.from_vacancies(vs),
            kldb_digits=vacancy_digits([v.kldb for v in vs]),
            rurality=rurality_of([v.postcode for v in vs], geo),
            employer=np.array([v.employer.id for v in vs], dtype=str),
            position={v.id: i for i, v in enumerate(vs)},
        )

    def __len__(self) -> int:
        return len(self.vacancies)

    @property
    def ids(self) -> npt.NDArray[np.str_]:
        return self.table.ids

    def distances_km(self, lat: float, lon: float) -> npt.NDArray[np.float64]:
        return np.asarray(haversine_km(lat, lon, self.table.lat, self.table.lon), dtype=np.float64)

    # Built on the first lookup, once per catalog (a catalog is rebuilt when the index changes).
    @cached_property
    def places(self) -> Places:
        return Places.of_table(self.table.lat, self.table.lon, self.rurality)

    @cached_property
    def filters(self) -> VacancyFilters:
        return VacancyFilters(self.table)

    # What the list controls read (``matcher.list_filters``): built on the first narrowed list, not
    # at start-up, as most lists are not narrowed (a frozen dataclass keeps a cached_property).
    @cached_property
    def fixed_term(self) -> npt.NDArray[np.bool_]:
        return np.array([v.contract is Contract.FIXED_TERM for v in self.vacancies], dtype=bool)

    @cached_property
    def temp_agency(self) -> npt.NDArray[np.bool_]:
        return np.array([v.employer.temp_agency for v in self.vacancies], dtype=bool)

    @cached_property
    def title_text(self) -> tuple[tuple[str, npt.NDArray[np.int64]], ...]:
        """Every title folded as the search folds (``matcher.search_text``), one line each, as one
        text per folded form (umlauts spelled out, bare vowels) with where each line starts: a
        search word is then found by one regex scan in C, not by a loop over the titles."""
        folded = [forms(v.title.replace("\n", " ")) for v in self.vacancies]
        out = []
        for j in range(2):
            lines = [f[min(j, len(f) - 1)] for f in folded]
            lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1
            out.append(("\n".join(lines), np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)))
        return tuple(out)

    def titled(self, needle: str) -> list[int]:
        """Positions of the vacancies whose folded title holds the folded ``needle``, in catalog order."""
        needle = needle.replace("\n", " ")
        if not needle or not self.vacancies:
            return []
        hits: set[int] = set()
        pattern = re.compile(re.escape(needle))
        for text, starts in self.title_text:
            offsets = [m.start() for m in pattern.finditer(text)]
            if offsets:
                hits.update((np.searchsorted(starts, offsets, side="right") - 1).tolist())
        return sorted(hits)


@dataclass(frozen=True)
class ClaimantCatalog:
    claimants: tuple[Claimant, ...]
    table: ClaimantTable
    rurality: npt.NDArray[np.float64]
    vectors: npt.NDArray[np.float32]  # (n, dim), L2-normalised, aligned with ``claimants``
    position: dict[str, int]
    # Each claimant's KldB codes (recorded wishes, experience, grounded wish texts), aligned with
    # ``claimants``: grounded when the claimant was written (``matcher.grounding``), so a reverse
    # lookup embeds no wish text.
    codes: tuple[tuple[str, ...], ...]

    @classmethod
    def build(
        cls,
        claimants: Sequence[Claimant],
        vectors: npt.NDArray[np.float32],
        geo: PostcodeDirectory,
        *,
        codes: Sequence[Sequence[str]],
    ) -> ClaimantCatalog:
        cs = tuple(claimants)
        if vectors.shape[0] != len(cs):
            raise ValueError("one vector per claimant is needed")
        if len(codes) != len(cs):
            raise ValueError("one code list per claimant is needed")
        return cls(
            claimants=cs,
            table=ClaimantTable.from_claimants(cs),
            rurality=rurality_of([c.postcode for c in cs], geo),
            vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            position={c.id: i for i, c in enumerate(cs)},
            codes=tuple(tuple(c) for c in codes),
        )

    def take(self, idx: Sequence[int], geo: PostcodeDirectory) -> ClaimantCatalog:
        """The claimants at these positions, in this order (their vectors and codes with them)."""
        at = list(idx)
        return ClaimantCatalog.build(
            [self.claimants[i] for i in at],
            self.vectors[np.asarray(at, dtype=np.intp)].reshape(len(at), self.vectors.shape[1]),
            geo,
            codes=[self.codes[i] for i in at],
        )

    def __len__(self) -> int:
        return len(self.claimants)

    @cached_property
    def places(self) -> Places:
        """The claimants' distinct places (the table's coordinates, their postcode's rurality)."""
        return Places.of_table(self.table.lat, self.table.lon, self.rurality)
