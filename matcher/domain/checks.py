"""The value rules domain records check on construction; each failure is a ``ValidationError`` naming
its field."""

from __future__ import annotations

import re
from collections.abc import Iterable

from matcher.errors import ValidationError

POSTCODE_RE = re.compile(r"^\d{5}$")
KLDB_RE = re.compile(r"^\d{5}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

# Driving licence classes of the EU directive 2006/126/EC as used in Germany, plus the
# national tractor class L/T. "Stapler" is not a licence class; forklift permits are skills.
LICENCE_CLASSES = frozenset(
    {"AM", "A1", "A2", "A", "B", "BE", "B96", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "L", "T"}
)

# Hours a week are those of a working week under German working-time law (ArbZG allows 48).
MIN_HOURS, MAX_HOURS = 1, 48


def require(cond: bool, field_name: str, reason: str) -> None:
    """Raise ``ValidationError(field_name, reason)`` unless ``cond`` holds."""
    if not cond:
        raise ValidationError(field_name, reason)


def check_id(value: str, field_name: str = "id") -> str:
    require(
        isinstance(value, str) and bool(ID_RE.match(value)),
        field_name,
        f"{value!r} is not a valid id (1-64 letters, digits, '_', '.', ':' or '-')",
    )
    return value


def check_postcode(value: str, field_name: str = "postcode") -> str:
    require(
        isinstance(value, str) and bool(POSTCODE_RE.match(value)),
        field_name,
        f"{value!r} is not a German postcode (five digits)",
    )
    return value


def check_kldb(value: str | None, field_name: str = "kldb") -> str | None:
    if value is None:
        return None
    require(
        isinstance(value, str) and bool(KLDB_RE.match(value)),
        field_name,
        f"{value!r} is not a KldB 2010 five-digit code",
    )
    require(value[4] in "1234", field_name, f"{value!r}: the fifth digit (Anforderungsniveau) must be 1-4")
    return value


def check_hours(value: float, field_name: str) -> float:
    require(
        MIN_HOURS <= value <= MAX_HOURS,
        field_name,
        f"{value} hours a week is outside {MIN_HOURS}-{MAX_HOURS}",
    )
    return value


def check_licences(values: Iterable[str], field_name: str = "licences") -> frozenset[str]:
    out = frozenset(v.strip().upper() for v in values if v.strip())
    unknown = sorted(out - LICENCE_CLASSES)
    require(not unknown, field_name, f"unknown driving licence class {', '.join(unknown)}")
    return out


def check_latlon(lat: float | None, lon: float | None) -> None:
    if lat is None and lon is None:
        return
    if lat is None or lon is None:
        raise ValidationError("lat", "lat and lon must be given together")
    require(-90 <= lat <= 90, "lat", f"{lat} is not a latitude")
    require(-180 <= lon <= 180, "lon", f"{lon} is not a longitude")
