"""Domain records to flat rows of text cells (CSV), deterministic for every value a record holds."""

from __future__ import annotations

import json
from typing import Any

from matcher.codec.columns import CLAIMANT_COLUMNS, OUTCOME_COLUMNS, PROPOSAL_COLUMNS, VACANCY_COLUMNS
from matcher.domain import Claimant, Outcome, Proposal, ProtectedAttributes, Vacancy, to_dict


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
