"""The importer's checks on coordinates and dates hold through the API as well (issue 16, defect
10): the same code places records and checks dates (``matcher.geo.placing``, the domain records),
so the probe's requests answer 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import JC_A, ApiEnv
from tests.api.test_vacancies import NEW

VIENNA = {"lat": 48.2082, "lon": 16.3738}
CLAIMANT: dict[str, Any] = {
    "team": "GOE-Mitte", "case_manager": "fm-007", "postcode": "37083", "skill_level": 1,
    "german_level": "B1", "available_hours": 30,
}  # fmt: skip


def _field(r: Any) -> list[Any]:
    return [e["loc"] for e in r.json()["detail"]]


def test_claimant_with_coordinates_far_from_the_postcode_is_refused(api: ApiEnv) -> None:
    h = api.headers("lead")
    r = api.client.post("/claimants", json={**CLAIMANT, **VIENNA}, headers=h)
    assert r.status_code == 422 and _field(r) == [["body", "lat"]]
    assert "589 km" in r.text and "48.2" not in r.text  # the distance, not the coordinates given
    r = api.client.post("/claimants", json={**CLAIMANT, "lat": 51.52, "lon": 9.95}, headers=h)  # 1 km off
    assert r.status_code == 201, r.text
    cid = r.json()["id"]  # assigned by the server for a team lead
    r = api.client.put(f"/claimants/{cid}", json={**CLAIMANT, **VIENNA}, headers=h)
    assert r.status_code == 422 and _field(r) == [["body", "lat"]]
    assert api.store.get_claimant(cid).lat == 51.52


def test_vacancy_with_coordinates_far_from_the_postcode_is_refused(api: ApiEnv) -> None:
    r = api.client.post("/vacancies", json={**NEW, **VIENNA}, headers=api.headers("admin"))
    assert r.status_code == 422 and _field(r) == [["body", "lat"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"posted": "0001-01-01", "expires": None}, "posted"),
        ({"posted": "9999-12-31", "expires": None}, "posted"),
        ({"expires": "9999-12-31"}, "expires"),
    ],
)
def test_vacancy_with_an_implausible_date_is_refused(api: ApiEnv, change: dict[str, Any], field: str) -> None:
    r = api.client.post("/vacancies", json={**NEW, **change}, headers=api.headers("admin"))
    assert r.status_code == 422 and _field(r) == [["body", field]], r.text


@pytest.mark.parametrize(
    ("change", "field"), [({"start": "0001-01-01"}, "start"), ({"end": "9999-12-31"}, "end")]
)
def test_outcome_with_an_implausible_date_is_refused(api: ApiEnv, change: dict[str, Any], field: str) -> None:
    cid, vid = api.ids(JC_A)[0], api.vacancies[0].id
    good = {"id": "O-1", "claimant_id": cid, "vacancy_id": vid, "start": "2025-06-01", "end": None,
            "employed_12m": True}  # fmt: skip
    r = api.client.post("/outcomes", json={**good, **change}, headers=api.headers("lead"))
    assert r.status_code == 422 and _field(r) == [["body", field]], r.text
    assert api.store.list_outcomes() == []
