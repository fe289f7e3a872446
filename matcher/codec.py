"""Flat rows (CSV, JSON Lines) to domain records and back.

One column set per record, documented in README.md ("Import formats"). CSV cells are strings;
JSON Lines values may be native (numbers, booleans, lists). Multi-valued CSV cells are separated
by ``|``; experience entries are ``KLDB:MONTHS``. Every parse error names its column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Contract,
    Employer,
    Household,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
    to_dict,
)
from matcher.errors import ValidationError

CLAIMANT_COLUMNS: tuple[str, ...] = (
    "id", "jobcenter", "team", "case_manager", "postcode", "municipality", "lat", "lon",
    "licences", "has_car", "max_commute_minutes", "desired_occupations", "desired_kldb",
    "profile_text", "skill_level", "german_level", "available_hours", "shifts_ok",
    "health_max_load", "months_unemployed", "short_spells", "experience",
    "adults", "children_0_5", "children_6_13", "children_14_17", "rent", "active",
)  # fmt: skip
PROTECTED_COLUMNS: tuple[str, ...] = ("sex", "nationality_group", "age_band", "severe_disability")
CLAIMANT_REQUIRED: frozenset[str] = frozenset(
    {"id", "jobcenter", "team", "case_manager", "postcode", "skill_level", "german_level", "available_hours"}
)

VACANCY_COLUMNS: tuple[str, ...] = (
    "id", "employer_id", "employer_name", "employer_size", "employer_sector",
    "employer_collective_agreement", "employer_temp_agency", "employer_training",
    "title", "description", "kldb", "postcode", "municipality", "lat", "lon",
    "hours_per_week", "shifts", "contract", "contract_months", "wage", "wage_unit",
    "skill_level", "licences", "german_level", "physical_load", "openings",
    "posted", "expires", "filled", "source",
)  # fmt: skip
VACANCY_REQUIRED: frozenset[str] = frozenset(
    {"id", "employer_id", "employer_name", "title", "postcode", "hours_per_week", "wage", "wage_unit"}
)

OUTCOME_COLUMNS: tuple[str, ...] = (
    "id", "claimant_id", "vacancy_id", "start", "end", "employed_12m", "benefits_12m",
    "claimant_snapshot", "vacancy_snapshot",
)  # fmt: skip
OUTCOME_REQUIRED: frozenset[str] = frozenset({"id", "claimant_id", "vacancy_id", "start", "employed_12m"})

PROPOSAL_COLUMNS: tuple[str, ...] = ("id", "claimant_id", "vacancy_id", "proposed", "hired")
PROPOSAL_REQUIRED: frozenset[str] = frozenset({"id", "claimant_id", "vacancy_id", "proposed"})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"1", "true", "yes", "ja", "y", "j", "t"}
_FALSE = {"0", "false", "no", "nein", "n", "f", ""}

T = TypeVar("T")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _get(row: Mapping[str, Any], name: str, conv: Callable[[Any], Any], default: Any) -> Any:
    v = row.get(name)
    if _blank(v):
        return default
    try:
        return conv(v)
    except ValidationError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError(name, f"{v!r}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if text and len(text) < 200 else type(exc).__name__


def _req(row: Mapping[str, Any], name: str, conv: Callable[[Any], T]) -> T:
    if _blank(row.get(name)):
        raise ValidationError(name, "is required")
    result: T = _get(row, name, conv, None)
    return result


def _str(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError("expected text")
    return str(v).strip()


def _int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("expected a whole number")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("expected a whole number")
        return int(v)
    if isinstance(v, int):
        return v
    text = str(v).strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _float(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError("expected a number")
    if isinstance(v, int | float):
        out = float(v)
    else:
        text = str(v).strip().replace(",", ".")
        try:
            out = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return out


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = v.strip() if isinstance(v, str) else ""
    # YYYY-MM-DD, or a timestamp starting with it; not whatever else fromisoformat takes ("20240101")
    # and not a date with trailing text.
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
        if _DATE.fullmatch(text[:10]) and text[10:11] in ("T", " "):
            return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise ValueError("expected a date YYYY-MM-DD")


def _list(v: Any) -> tuple[str, ...]:
    if isinstance(v, list | tuple):
        if any(isinstance(x, bool) or not isinstance(x, str | int) for x in v):
            raise ValueError("expected a list of text")
        return tuple(str(x).strip() for x in v if str(x).strip())
    if not isinstance(v, str):
        raise ValueError("expected text (entries separated by |) or a list of text")
    return tuple(x.strip() for x in v.split("|") if x.strip())


def _enum(kind: type[Any]) -> Callable[[Any], Any]:
    def conv(v: Any) -> Any:
        try:
            return kind(v if not isinstance(v, str) else v.strip())
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            raise ValueError(f"expected one of {allowed}") from None

    return conv


def _int_enum(kind: type[Any]) -> Callable[[Any], Any]:
    def conv(v: Any) -> Any:
        if isinstance(v, str) and v.strip().upper() in kind.__members__:
            return kind[v.strip().upper()]
        n = _int(v)
        try:
            return kind(n)
        except ValueError:
            values = [m.value for m in kind]
            raise ValueError(f"expected {min(values)}-{max(values)}") from None

    return conv


def _cefr(v: Any) -> CEFR:
    if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6:
        return CEFR(v)  # snapshots hold the enum's value
    return CEFR.parse(v)


def _experience(v: Any) -> tuple[tuple[str, int], ...]:
    out = []
    items = v if isinstance(v, list | tuple) else _list(v)
    for item in items:
        if isinstance(item, list | tuple) and len(item) == 2:
            code, months = str(item[0]), _int(item[1])
        else:
            code, sep, m = str(item).partition(":")
            if not sep:
                raise ValueError("expected KLDB:MONTHS entries separated by |")
            months = _int(m)
        out.append((code.strip(), months))
    return tuple(out)


def _json(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    parsed = json.loads(str(v))
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


def check_columns(
    columns: list[str], known: tuple[str, ...], required: frozenset[str]
) -> list[ValidationError]:
    """Errors for unknown or missing columns of a file header (or a JSON object's keys)."""
    errors = [ValidationError(c, "unknown column") for c in columns if c not in known]
    errors += [ValidationError(c, "required column is missing") for c in sorted(required - set(columns))]
    return errors


def claimant_from_row(row: Mapping[str, Any]) -> tuple[Claimant, ProtectedAttributes | None]:
    """Parse one claimant row; protected attributes come back separately (or None if absent)."""
    has_car = _get(row, "has_car", _bool, False)
    claimant = Claimant(
        id=_req(row, "id", _str),
        jobcenter=_req(row, "jobcenter", _str),
        team=_req(row, "team", _str),
        case_manager=_req(row, "case_manager", _str),
        postcode=_req(row, "postcode", _str),
        municipality=_get(row, "municipality", _str, ""),
        lat=_get(row, "lat", _float, None),
        lon=_get(row, "lon", _float, None),
        licences=frozenset(_get(row, "licences", _list, ())),
        has_car=has_car,
        max_commute_minutes=_get(row, "max_commute_minutes", _int, None),
        desired_occupations=_get(row, "desired_occupations", _list, ()),
        desired_kldb=_get(row, "desired_kldb", _list, ()),
        profile_text=_get(row, "profile_text", _str, ""),
        skill_level=_req(row, "skill_level", _int_enum(SkillLevel)),
        german_level=_req(row, "german_level", _cefr),
        available_hours=_req(row, "available_hours", _float),
        shifts_ok=_get(row, "shifts_ok", _bool, False),
        health_max_load=_get(row, "health_max_load", _int_enum(PhysicalLoad), None),
        months_unemployed=_get(row, "months_unemployed", _int, 0),
        short_spells=_get(row, "short_spells", _int, 0),
        experience=_get(row, "experience", _experience, ()),
        household=Household(
            adults=_get(row, "adults", _int, 1),
            children_0_5=_get(row, "children_0_5", _int, 0),
            children_6_13=_get(row, "children_6_13", _int, 0),
            children_14_17=_get(row, "children_14_17", _int, 0),
            rent=_get(row, "rent", _float, 0.0),
        ),
        active=_get(row, "active", _bool, True),
    )
    protected = None
    if any(not _blank(row.get(c)) for c in PROTECTED_COLUMNS):
        protected = ProtectedAttributes(
            claimant_id=claimant.id,
            sex=_req(row, "sex", _enum(Sex)),
            nationality_group=_req(row, "nationality_group", _enum(NationalityGroup)),
            age_band=_req(row, "age_band", _enum(AgeBand)),
            severe_disability=_get(row, "severe_disability", _bool, False),
        )
    return claimant, protected


def vacancy_from_row(row: Mapping[str, Any]) -> Vacancy:
    contract = _get(row, "contract", _enum(Contract), Contract.PERMANENT)
    try:
        employer = Employer(
            id=_req(row, "employer_id", _str),
            name=_req(row, "employer_name", _str),
            size_band=_get(row, "employer_size", _enum(SizeBand), SizeBand.SMALL),
            sector=_get(row, "employer_sector", _str, "N").upper(),
            collective_agreement=_get(row, "employer_collective_agreement", _bool, False),
            temp_agency=_get(row, "employer_temp_agency", _bool, False),
            offers_training=_get(row, "employer_training", _bool, False),
        )
    except ValidationError as err:
        # The record calls it "sector"; the file's column is "employer_sector".
        if err.field == "sector":
            raise ValidationError("employer_sector", err.reason) from None
        raise
    posted = _get(row, "posted", _date, date(2026, 1, 1))
    return Vacancy(
        id=_req(row, "id", _str),
        employer=employer,
        title=_req(row, "title", _str),
        description=_get(row, "description", _str, ""),
        kldb=_get(row, "kldb", _str, None),
        postcode=_req(row, "postcode", _str),
        municipality=_get(row, "municipality", _str, ""),
        lat=_get(row, "lat", _float, None),
        lon=_get(row, "lon", _float, None),
        hours_per_week=_req(row, "hours_per_week", _float),
        shifts=_get(row, "shifts", _enum(Shifts), Shifts.DAY),
        contract=contract,
        contract_months=_get(row, "contract_months", _int, None),
        wage=_req(row, "wage", _float),
        wage_unit=_req(row, "wage_unit", _enum(WageUnit)),
        skill_level=_get(row, "skill_level", _int_enum(SkillLevel), SkillLevel.HELPER),
        licences=frozenset(_get(row, "licences", _list, ())),
        german_level=_get(row, "german_level", _cefr, CEFR.A2),
        physical_load=_get(row, "physical_load", _int_enum(PhysicalLoad), PhysicalLoad.MEDIUM),
        openings=_get(row, "openings", _int, 1),
        posted=posted,
        expires=_get(row, "expires", _date, None),
        filled=_get(row, "filled", _bool, False),
        source=_get(row, "source", _str, "import"),
    )


def outcome_from_row(row: Mapping[str, Any]) -> Outcome:
    return Outcome(
        id=_req(row, "id", _str),
        claimant_id=_req(row, "claimant_id", _str),
        vacancy_id=_req(row, "vacancy_id", _str),
        start=_req(row, "start", _date),
        end=_get(row, "end", _date, None),
        employed_12m=_req(row, "employed_12m", _bool),
        benefits_12m=_get(row, "benefits_12m", _bool, False),
        claimant_snapshot=_get(row, "claimant_snapshot", _json, {}),
        vacancy_snapshot=_get(row, "vacancy_snapshot", _json, {}),
    )


def proposal_from_row(row: Mapping[str, Any]) -> Proposal:
    return Proposal(
        id=_req(row, "id", _str),
        claimant_id=_req(row, "claimant_id", _str),
        vacancy_id=_req(row, "vacancy_id", _str),
        proposed=_req(row, "proposed", _date),
        hired=_get(row, "hired", _bool, False),
    )


def _cell(v: Any) -> str:
    """One CSV cell: deterministic text for every value type a record holds."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(round(v, 6)) if not v.is_integer() else str(int(v))
    if isinstance(v, list):
        return "|".join(_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(v)


def claimant_to_row(c: Claimant, p: ProtectedAttributes | None = None) -> dict[str, str]:
    d = to_dict(c)
    hh = d.pop("household")
    d.update(hh)
    d["experience"] = [f"{code}:{months}" for code, months in c.experience]
    d["skill_level"] = int(c.skill_level)
    d["german_level"] = c.german_level.name
    d["health_max_load"] = None if c.health_max_load is None else int(c.health_max_load)
    row = {k: _cell(d.get(k)) for k in CLAIMANT_COLUMNS}
    if p is not None:
        row.update(
            sex=p.sex.value,
            nationality_group=p.nationality_group.value,
            age_band=p.age_band.value,
            severe_disability=_cell(p.severe_disability),
        )
    return row


def vacancy_to_row(v: Vacancy) -> dict[str, str]:
    d = to_dict(v)
    e = d.pop("employer")
    d.update(
        employer_id=e["id"],
        employer_name=e["name"],
        employer_size=e["size_band"],
        employer_sector=e["sector"],
        employer_collective_agreement=e["collective_agreement"],
        employer_temp_agency=e["temp_agency"],
        employer_training=e["offers_training"],
        skill_level=int(v.skill_level),
        german_level=v.german_level.name,
        physical_load=int(v.physical_load),
    )
    return {k: _cell(d.get(k)) for k in VACANCY_COLUMNS}


def outcome_to_row(o: Outcome) -> dict[str, str]:
    d = to_dict(o)
    return {k: _cell(d.get(k)) for k in OUTCOME_COLUMNS}


def proposal_to_row(p: Proposal) -> dict[str, str]:
    d = to_dict(p)
    return {k: _cell(d.get(k)) for k in PROPOSAL_COLUMNS}


def claimant_from_snapshot(snapshot: Mapping[str, Any]) -> Claimant:
    """A claimant as recorded in an outcome's snapshot (``to_dict`` of the record)."""
    flat = {k: v for k, v in snapshot.items() if k != "household"}
    flat.update(snapshot.get("household") or {})
    return claimant_from_row(flat)[0]


def vacancy_from_snapshot(snapshot: Mapping[str, Any]) -> Vacancy:
    """A vacancy as recorded in an outcome's snapshot (``to_dict`` of the record)."""
    flat = {k: v for k, v in snapshot.items() if k != "employer"}
    employer = snapshot.get("employer") or {}
    flat.update(
        employer_id=employer.get("id"),
        employer_name=employer.get("name"),
        employer_size=employer.get("size_band"),
        employer_sector=employer.get("sector"),
        employer_collective_agreement=employer.get("collective_agreement"),
        employer_temp_agency=employer.get("temp_agency"),
        employer_training=employer.get("offers_training"),
    )
    return vacancy_from_row(flat)
