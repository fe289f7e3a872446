"""Rows of an import file to records: cell size, parsing through the codec, duplicate ids, place.

A value longer than ``MAX_CELL_CHARS`` (a list or object measured as JSON) is refused naming its row
and column. A row whose id was seen on an earlier line is refused naming that line.

Geography: ``locate(postcode)`` is injected by the caller (the CLI passes the postcode directory's
lookup); ``matcher.geo.placing.settle`` fills lat/lon and municipality where a row lacks them and
refuses given coordinates far from the postcode (on ``lat``), as the API does; a postcode it does
not know is a row error on ``postcode``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from typing import Any

from matcher import codec
from matcher.errors import GeoError, RowError, ValidationError
from matcher.geo.placing import Locate, Located, settle
from matcher.importer.ba import BA_FIELDS, ba_vacancy

# Longest cell (or JSON value, serialised) a row may hold: three times the longest text the domain
# takes (20,000 characters), so a runaway export or a file glued into a cell is refused, not stored.
MAX_CELL_CHARS = 65_536


def build_records(
    name: str,
    kind: str,
    fmt: str,
    rows: Iterator[tuple[int, Mapping[str, Any]]],
    locate: Locate,
    errors: list[RowError],
    lines: list[int] | None = None,
) -> list[Any]:
    """The records of ``rows``; each bad row adds its error to ``errors`` instead. ``lines`` gets the
    line of each record."""
    records: list[Any] = []
    first_line: dict[str, int] = {}
    place = _PlaceFiller(locate)
    for line, row in rows:
        oversized = _oversized(row)
        if oversized is not None:
            field, size = oversized
            errors.append(RowError(name, line, field, f"{size:,} characters, more than {MAX_CELL_CHARS:,}"))
            continue
        try:
            record = _record(kind, fmt, row, place)
        except ValidationError as err:
            field = BA_FIELDS.get(err.field, err.field) if fmt == "ba-jobsuche" else err.field
            errors.append(RowError(name, line, field, err.reason))
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as err:  # odd native JSON types
            errors.append(RowError(name, line, "row", f"cannot read: {err}"))
            continue
        record_id = record[0].id if kind == "claimants" else record.id
        if record_id in first_line:
            field = "refnr" if fmt == "ba-jobsuche" else "id"
            errors.append(
                RowError(
                    name, line, field, f"duplicate id {record_id!r}, first on line {first_line[record_id]}"
                )
            )
            continue
        first_line[record_id] = line
        records.append(record)
        if lines is not None:
            lines.append(line)
    return records


def _oversized(row: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first field longer than MAX_CELL_CHARS (lists and objects as JSON), with its length."""
    for key, value in row.items():
        if isinstance(value, str):
            size = len(value)
        elif isinstance(value, list | dict):
            size = len(json.dumps(value, ensure_ascii=False))
        else:
            continue
        if size > MAX_CELL_CHARS:
            return str(key), size
    return None


def _record(kind: str, fmt: str, row: Mapping[str, Any], place: _PlaceFiller) -> Any:
    if kind == "claimants":
        claimant, protected = codec.claimant_from_row(row)
        return place(claimant), protected
    if kind == "vacancies":
        vacancy = ba_vacancy(row) if fmt == "ba-jobsuche" else codec.vacancy_from_row(row)
        return place(vacancy)
    if kind == "outcomes":
        return codec.outcome_from_row(row)
    return codec.proposal_from_row(row)


class _PlaceFiller:
    """Places each record (``settle``), looking each postcode up once."""

    def __init__(self, locate: Locate) -> None:
        self._locate = locate
        self._cache: dict[str, Located | GeoError] = {}

    def _lookup(self, postcode: str) -> Located:
        if postcode not in self._cache:
            try:
                self._cache[postcode] = Located(*self._locate(postcode))
            except GeoError as err:
                self._cache[postcode] = err
        found = self._cache[postcode]
        if isinstance(found, GeoError):
            raise found
        return found

    def __call__(self, record: Any) -> Any:
        lat, lon, municipality = settle(
            record.postcode, record.lat, record.lon, record.municipality, self._lookup
        )
        if (lat, lon, municipality) == (record.lat, record.lon, record.municipality):
            return record
        return dataclasses.replace(record, lat=lat, lon=lon, municipality=municipality)
