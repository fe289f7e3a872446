"""The value rules domain records check on construction; each failure is a ``ValidationError`` naming
its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

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

# Field limits, one definition: the records check them on construction (so the importer reports a
# row that breaks one, naming the field), and the API's schemas (``api/schemas.py``) declare the same
# numbers. A value one side took and the other refused answered 500: an employer name over 200
# characters imported from a BA file, then failed the response model of ``GET /vacancies/{id}``.
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 200  # an employer's name; one desired occupation
MAX_TITLE_CHARS = 300  # a vacancy's title
MAX_TEXT_CHARS = 20_000  # a vacancy's description; a claimant's profile text
MAX_LABEL_CHARS = 100  # a team; a record's source
MAX_LIST_ITEMS = 20  # licences, desired occupations, desired KldB codes
MAX_EXPERIENCE_ITEMS = 50
MAX_WAGE = 1_000_000.0  # euro per wage unit
MAX_MONTHS = 600  # months unemployed, months of experience


# Plausible dates. Every date a record holds is a Jobcenter's: a vacancy posted, a placement started
# or ended, a proposal sent, all since SGB II came into force (1 January 2005), and none later than
# the century's end; a date outside is a typo or a placeholder (0001-01-01, 9999-12-31 for "open",
# which is an empty field here), not a date. A vacancy expires at most MAX_POSTING_YEARS after it was
# posted (apprenticeships are posted a year or more ahead; five years covers them). The bounds are
# fixed, not relative to today: a record valid when stored stays valid when it is read or an audit
# replays it years later.
EARLIEST_DATE = date(2005, 1, 1)
LATEST_DATE = date(2099, 12, 31)
MAX_POSTING_YEARS = 5


def require(cond: bool, field_name: str, reason: str) -> None:
    """Raise ``ValidationError(field_name, reason)`` unless ``cond`` holds."""
    if not cond:
        raise ValidationError(field_name, reason)


def check_length(value: str, limit: int, field_name: str) -> str:
    require(len(value) <= limit, field_name, f"longer than {limit:,} characters")
    return value


def check_count(values: Iterable[object], limit: int, field_name: str) -> None:
    n = len(list(values))
    require(n <= limit, field_name, f"{n} entries, more than {limit}")


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
    # A set already in this form is kept as it is: the records the store reads then share one set
    # per distinct value (a server holds 100,000 vacancies; each empty frozenset is 216 bytes).
    return values if isinstance(values, frozenset) and values == out else out


def check_date(
    value: date, field_name: str, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE
) -> date:
    require(
        earliest <= value <= latest,
        field_name,
        f"{value.isoformat()} is outside {earliest.isoformat()} to {latest.isoformat()}",
    )
    return value


def years_after(start: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def check_latlon(lat: float | None, lon: float | None) -> None:
    if lat is None and lon is None:
        return
    if lat is None or lon is None:
        raise ValidationError("lat", "lat and lon must be given together")
    require(-90 <= lat <= 90, "lat", f"{lat} is not a latitude")
    require(-180 <= lon <= 180, "lon", f"{lon} is not a longitude")
