"""The columns of the flat rows of each record (CSV header, JSON Lines keys), and which are required.

Documented in README.md ("Import formats").
"""

from __future__ import annotations

from matcher.errors import ValidationError

CLAIMANT_COLUMNS: tuple[str, ...] = (
    "id", "jobcenter", "team", "case_manager", "postcode", "municipality", "lat", "lon",
    "licences", "has_car", "max_commute_minutes", "desired_occupations", "desired_kldb",
    "profile_text", "skill_level", "german_level", "available_hours", "shifts_ok",
    "health_max_load", "months_unemployed", "short_spells", "experience",
    "adults", "children_0_5", "children_6_13", "children_14_17", "rent", "active",
    "activated",
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


def check_columns(
    columns: list[str], known: tuple[str, ...], required: frozenset[str]
) -> list[ValidationError]:
    """Errors for unknown or missing columns of a file header (or a JSON object's keys)."""
    errors = [ValidationError(c, "unknown column") for c in columns if c not in known]
    errors += [ValidationError(c, "required column is missing") for c in sorted(required - set(columns))]
    return errors
