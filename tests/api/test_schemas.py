"""The API's schemas and the domain share their limits (issue 16, defect 9): a value at a limit
passes both, one past it fails both, naming the same field. Before, the schemas limited an employer
name to 200 characters and the domain (so the importer) did not: a BA file's longer name imported,
then ``GET /vacancies/{id}`` failed its response model with a 500."""

from __future__ import annotations

import copy
from typing import Any

import pydantic
import pytest

from api.schemas import ClaimantCreate, VacancyCreate
from matcher.codec import claimant_from_row, claimant_to_row, vacancy_from_row, vacancy_to_row
from matcher.errors import ValidationError
from tests.matcher.test_store import make_claimant, make_vacancy

VACANCY: dict[str, Any] = {
    "id": "V-1", "employer": {"id": "E-1", "name": "Kaufhaus"}, "title": "Verkauf", "postcode": "37083",
    "hours_per_week": 38, "wage": 14.5, "wage_unit": "hour",
}  # fmt: skip
CLAIMANT: dict[str, Any] = {
    "id": "K-1", "team": "GOE-Mitte", "case_manager": "fm-1", "postcode": "37083", "skill_level": 1,
    "german_level": "B1", "available_hours": 30,
}  # fmt: skip

# (kind, where in the body, the file's column, the value at the limit, the value past it)
LIMITS: list[tuple[str, tuple[str, ...], str, Any, Any]] = [
    ("vacancy", ("employer", "name"), "employer_name", "A" * 200, "A" * 201),
    ("vacancy", ("title",), "title", "T" * 300, "T" * 301),
    ("vacancy", ("description",), "description", "d" * 20_000, "d" * 20_001),
    ("vacancy", ("source",), "source", "s" * 100, "s" * 101),
    ("vacancy", ("wage",), "wage", 1_000_000, 1_000_001),
    ("vacancy", ("hours_per_week",), "hours_per_week", 48, 49),
    ("claimant", ("team",), "team", "t" * 100, "t" * 101),
    ("claimant", ("profile_text",), "profile_text", "p" * 20_000, "p" * 20_001),
    ("claimant", ("desired_occupations",), "desired_occupations", ["w" * 200], ["w" * 201]),
    ("claimant", ("desired_occupations",), "desired_occupations", ["w"] * 20, ["w"] * 21),
    ("claimant", ("desired_kldb",), "desired_kldb", ["51312"] * 20, ["51312"] * 21),
    ("claimant", ("experience",), "experience", [["51312", 1]] * 50, [["51312", 1]] * 51),
    ("claimant", ("months_unemployed",), "months_unemployed", 600, 601),
]


def _body(kind: str, where: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(VACANCY if kind == "vacancy" else CLAIMANT)
    target = body
    for key in where[:-1]:
        target = target[key]
    if where == ("experience",):
        value = [{"kldb": k, "months": m} for k, m in value]
    target[where[-1]] = value
    return body


def _record(kind: str, column: str, value: Any) -> Any:
    """The domain record of a file row holding ``value`` (the importer's path, no schema)."""
    if kind == "vacancy":
        return vacancy_from_row({**vacancy_to_row(make_vacancy(1)), column: value})
    return claimant_from_row({**claimant_to_row(make_claimant(1)), column: value})


@pytest.mark.parametrize(("kind", "where", "column", "at", "past"), LIMITS, ids=lambda x: str(x)[:24])
def test_schema_and_domain_share_the_limit(
    kind: str, where: tuple[str, ...], column: str, at: Any, past: Any
) -> None:
    schema = VacancyCreate if kind == "vacancy" else ClaimantCreate
    schema.model_validate(_body(kind, where, at))
    _record(kind, column, at)
    with pytest.raises(pydantic.ValidationError) as refused:
        schema.model_validate(_body(kind, where, past))
    assert refused.value.errors()[0]["loc"][: len(where)] == where
    with pytest.raises(ValidationError) as err:
        _record(kind, column, past)
    assert err.value.field == column
