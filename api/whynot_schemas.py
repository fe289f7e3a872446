"""Response bodies of "Warum nicht diese Stelle?" by number or title (``GET /claimants/{id}/why-not``)
and of the excluded counts expanded (``GET /claimants/{id}/excluded``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.case_schemas import PairOut
from matcher.domain import Vacancy
from matcher.service import PairFacts


class VacancyPairOut(PairOut):
    """A vacancy with the commute from the claimant and the hard filters the pair fails."""

    title: str = Field(description="The vacancy's job title as the employer wrote it.")
    employer: str = Field(description="The employer's name.")
    municipality: str = Field(description="Where the work is (municipality).")

    @classmethod
    def of_pair(cls, v: Vacancy, f: PairFacts) -> VacancyPairOut:
        return cls(
            **PairOut.of(f).model_dump(), title=v.title, employer=v.employer.name, municipality=v.municipality
        )


class WhyNotOut(BaseModel):
    claimant_id: str = Field(description="The claimant the question is for.")
    q: str = Field(description="The vacancy number or the part of a title asked for.")
    total: int = Field(description="Open vacancies found (an exact number finds one).")
    vacancies: list[VacancyPairOut] = Field(
        description="By vacancy id; `failed` empty: it only ranks further down."
    )


class ExcludedOut(BaseModel):
    claimant_id: str = Field(description="The claimant whose list the filter applies to.")
    filter: str = Field(
        description="The hard filter: open, commute, hours, shifts, licence, german or health."
    )
    reason: str = Field(description="The filter's reason in German.")
    total: int = Field(description="Vacancies this filter excludes (the list page's count).")
    offset: int = Field(description="Vacancies skipped before this page (paging).")
    vacancies: list[VacancyPairOut] = Field(description="By vacancy id, each with every filter it fails.")
