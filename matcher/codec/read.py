"""Flat rows (CSV, JSON Lines, outcome snapshots) to domain records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from matcher.codec.cells import (
    as_bool,
    as_cefr,
    as_date,
    as_enum,
    as_experience,
    as_float,
    as_int,
    as_int_enum,
    as_json,
    as_list,
    as_text,
    blank,
    optional,
    required,
)
from matcher.codec.columns import PROTECTED_COLUMNS
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
)
from matcher.errors import ValidationError


def claimant_from_row(row: Mapping[str, Any]) -> tuple[Claimant, ProtectedAttributes | None]:
    """Parse one claimant row; protected attributes come back separately (or None if absent)."""
    has_car = optional(row, "has_car", as_bool, False)
    claimant = Claimant(
        id=required(row, "id", as_text),
        jobcenter=required(row, "jobcenter", as_text),
        team=required(row, "team", as_text),
        case_manager=required(row, "case_manager", as_text),
        postcode=required(row, "postcode", as_text),
        municipality=optional(row, "municipality", as_text, ""),
        lat=optional(row, "lat", as_float, None),
        lon=optional(row, "lon", as_float, None),
        licences=frozenset(optional(row, "licences", as_list, ())),
        has_car=has_car,
        max_commute_minutes=optional(row, "max_commute_minutes", as_int, None),
        desired_occupations=optional(row, "desired_occupations", as_list, ()),
        desired_kldb=optional(row, "desired_kldb", as_list, ()),
        profile_text=optional(row, "profile_text", as_text, ""),
        skill_level=required(row, "skill_level", as_int_enum(SkillLevel)),
        german_level=required(row, "german_level", as_cefr),
        available_hours=required(row, "available_hours", as_float),
        shifts_ok=optional(row, "shifts_ok", as_bool, False),
        health_max_load=optional(row, "health_max_load", as_int_enum(PhysicalLoad), None),
        months_unemployed=optional(row, "months_unemployed", as_int, 0),
        short_spells=optional(row, "short_spells", as_int, 0),
        experience=optional(row, "experience", as_experience, ()),
        household=Household(
            adults=optional(row, "adults", as_int, 1),
            children_0_5=optional(row, "children_0_5", as_int, 0),
            children_6_13=optional(row, "children_6_13", as_int, 0),
            children_14_17=optional(row, "children_14_17", as_int, 0),
            rent=optional(row, "rent", as_float, 0.0),
        ),
        active=optional(row, "active", as_bool, True),
        activated=optional(row, "activated", as_date, None),
    )
    protected = None
    if any(not blank(row.get(c)) for c in PROTECTED_COLUMNS):
        protected = ProtectedAttributes(
            claimant_id=claimant.id,
            sex=required(row, "sex", as_enum(Sex)),
            nationality_group=required(row, "nationality_group", as_enum(NationalityGroup)),
            age_band=required(row, "age_band", as_enum(AgeBand)),
            severe_disability=optional(row, "severe_disability", as_bool, False),
        )
    return claimant, protected


def vacancy_from_row(row: Mapping[str, Any]) -> Vacancy:
    contract = optional(row, "contract", as_enum(Contract), Contract.PERMANENT)
    try:
        employer = Employer(
            id=required(row, "employer_id", as_text),
            name=required(row, "employer_name", as_text),
            size_band=optional(row, "employer_size", as_enum(SizeBand), SizeBand.SMALL),
            sector=optional(row, "employer_sector", as_text, "N").upper(),
            collective_agreement=optional(row, "employer_collective_agreement", as_bool, False),
            temp_agency=optional(row, "employer_temp_agency", as_bool, False),
            offers_training=optional(row, "employer_training", as_bool, False),
        )
    except ValidationError as err:
        # The record calls it "sector"; the file's column is "employer_sector".
        if err.field == "sector":
            raise ValidationError("employer_sector", err.reason) from None
        raise
    posted = optional(row, "posted", as_date, date(2026, 1, 1))
    return Vacancy(
        id=required(row, "id", as_text),
        employer=employer,
        title=required(row, "title", as_text),
        description=optional(row, "description", as_text, ""),
        kldb=optional(row, "kldb", as_text, None),
        postcode=required(row, "postcode", as_text),
        municipality=optional(row, "municipality", as_text, ""),
        lat=optional(row, "lat", as_float, None),
        lon=optional(row, "lon", as_float, None),
        hours_per_week=required(row, "hours_per_week", as_float),
        shifts=optional(row, "shifts", as_enum(Shifts), Shifts.DAY),
        contract=contract,
        contract_months=optional(row, "contract_months", as_int, None),
        wage=required(row, "wage", as_float),
        wage_unit=required(row, "wage_unit", as_enum(WageUnit)),
        skill_level=optional(row, "skill_level", as_int_enum(SkillLevel), SkillLevel.HELPER),
        licences=frozenset(optional(row, "licences", as_list, ())),
        german_level=optional(row, "german_level", as_cefr, CEFR.A2),
        physical_load=optional(row, "physical_load", as_int_enum(PhysicalLoad), PhysicalLoad.MEDIUM),
        openings=optional(row, "openings", as_int, 1),
        posted=posted,
        expires=optional(row, "expires", as_date, None),
        filled=optional(row, "filled", as_bool, False),
        source=optional(row, "source", as_text, "import"),
    )


def outcome_from_row(row: Mapping[str, Any]) -> Outcome:
    return Outcome(
        id=required(row, "id", as_text),
        claimant_id=required(row, "claimant_id", as_text),
        vacancy_id=required(row, "vacancy_id", as_text),
        start=required(row, "start", as_date),
        end=optional(row, "end", as_date, None),
        employed_12m=required(row, "employed_12m", as_bool),
        benefits_12m=optional(row, "benefits_12m", as_bool, False),
        claimant_snapshot=optional(row, "claimant_snapshot", as_json, {}),
        vacancy_snapshot=optional(row, "vacancy_snapshot", as_json, {}),
    )


def proposal_from_row(row: Mapping[str, Any]) -> Proposal:
    return Proposal(
        id=required(row, "id", as_text),
        claimant_id=required(row, "claimant_id", as_text),
        vacancy_id=required(row, "vacancy_id", as_text),
        proposed=required(row, "proposed", as_date),
        hired=optional(row, "hired", as_bool, False),
    )


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
