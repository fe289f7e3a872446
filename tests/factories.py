"""Small, valid domain records for unit tests; override any field by keyword."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from matcher.domain import (
    CEFR,
    Claimant,
    Contract,
    Employer,
    Household,
    PhysicalLoad,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
)

EMPLOYER = Employer(
    id="E1", name="Logistik Nord GmbH", size_band=SizeBand.MEDIUM, sector="H", collective_agreement=True
)


def make_vacancy(**kw: Any) -> Vacancy:
    base = dict(
        id="V1",
        employer=EMPLOYER,
        title="Lagerhelfer (m/w/d)",
        description="Kommissionierung und Verpackung von Waren im Lager, Staplerschein von Vorteil.",
        kldb="51311",
        postcode="37073",
        municipality="Göttingen",
        lat=51.5333,
        lon=9.9333,
        hours_per_week=39.0,
        shifts=Shifts.DAY,
        contract=Contract.PERMANENT,
        contract_months=None,
        wage=14.5,
        wage_unit=WageUnit.HOUR,
        skill_level=SkillLevel.HELPER,
        licences=frozenset(),
        german_level=CEFR.A2,
        physical_load=PhysicalLoad.MEDIUM,
        openings=1,
        posted=date(2026, 10, 1),
        expires=date(2026, 12, 31),
    )
    base.update(kw)
    return Vacancy(**base)  # type: ignore[arg-type]


def make_claimant(**kw: Any) -> Claimant:
    base = dict(
        id="K1",
        jobcenter="JC-GOE",
        team="Team-1",
        case_manager="fm-001",
        postcode="37073",
        municipality="Göttingen",
        lat=51.5333,
        lon=9.9333,
        licences=frozenset({"B"}),
        has_car=False,
        max_commute_minutes=None,
        desired_occupations=("Lagerhelfer", "Kommissionierer"),
        desired_kldb=("51311",),
        profile_text="Drei Jahre Erfahrung im Lager, Staplerschein vorhanden, zuverlässig.",
        skill_level=SkillLevel.HELPER,
        german_level=CEFR.B1,
        available_hours=39.0,
        shifts_ok=True,
        health_max_load=None,
        months_unemployed=14,
        short_spells=1,
        experience=(("51311", 36),),
        household=Household(adults=1, rent=450.0),
    )
    base.update(kw)
    return Claimant(**base)  # type: ignore[arg-type]


def replace(record: Any, **kw: Any) -> Any:
    return dataclasses.replace(record, **kw)
