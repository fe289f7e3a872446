"""Vacancy endpoints: read, create, update, delete; each change is in the index (a new version on
disk) and in the next lookup, without a rebuild."""

from __future__ import annotations

from typing import Any

from matcher.index import FaissIndex, current_version
from tests.api.conftest import ApiEnv

CID = "K-000003"  # JC-GOE, wishes "Verkaufsmitarbeiterin", lives in Göttingen (37083), no car

NEW: dict[str, Any] = {
    "id": "V-NEU-1",
    "employer": {"id": "E-NEU", "name": "Kaufhaus Neu GmbH", "size_band": "50-249", "sector": "G",
                 "collective_agreement": True},
    "title": "Verkaufsmitarbeiterin Aushilfe Verkauf (m/w/d)",
    "description": "Verkaufsmitarbeiterin für unser Kaufhaus in Göttingen, Aushilfe Verkauf, Quereinstieg möglich.",
    "kldb": "62102",
    "postcode": "37083",
    "hours_per_week": 38,
    "shifts": "weekend",
    "wage": 14.5,
    "wage_unit": "hour",
    "skill_level": 2,
    "german_level": "B1",
    "posted": "2026-10-20",
    "expires": "2027-01-31",
}  # fmt: skip


def _suggested(api: ApiEnv, cid: str = CID) -> list[str]:
    r = api.client.get(f"/claimants/{cid}/suggestions?k=10", headers=api.headers("cm"))
    assert r.status_code == 200
    return [s["vacancy_id"] for s in r.json()["suggestions"]]


def test_read_a_vacancy(api_ro: ApiEnv) -> None:
    v = api_ro.vacancies[0]
    for who in ("cm", "lead", "admin", "batch"):
        r = api_ro.client.get(f"/vacancies/{v.id}", headers=api_ro.headers(who))
        assert r.status_code == 200
        body = r.json()
        assert (body["id"], body["title"], body["employer"]["name"]) == (v.id, v.title, v.employer.name)
    r = api_ro.client.get("/vacancies/V-nope", headers=api_ro.headers("cm"))
    assert (r.status_code, r.json()) == (404, {"detail": "no such vacancy"})
    r = api_ro.client.get("/vacancies/" + "x" * 65, headers=api_ro.headers("cm"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "vacancy_id"]


def test_changes_reach_the_index_at_once(api: ApiEnv) -> None:
    h = api.headers("admin")
    root = api.settings.layout.vacancy_index
    v0 = current_version(root)
    assert NEW["id"] not in _suggested(api)
    r = api.client.post("/vacancies", json=NEW, headers=h)
    assert r.status_code == 201, r.text
    v1 = r.json()["index_version"]
    assert v1 != v0 and current_version(root) == v1
    assert r.json()["municipality"] == "Göttingen" and r.json()["lat"] is not None
    assert FaissIndex.load(root).ids.tolist().count(NEW["id"]) == 1
    assert _suggested(api)[0] == NEW["id"]  # the closest fit, findable straight away
    assert api.client.post("/vacancies", json=NEW, headers=h).status_code == 409
    # A change of title is a new vector; the vacancy stays findable under its id.
    body = {k: v for k, v in NEW.items() if k != "id"}
    r = api.client.put(f"/vacancies/{NEW['id']}", json={**body, "title": "Verkäuferin Aushilfe"}, headers=h)
    assert r.status_code == 200 and r.json()["index_version"] not in (v0, v1)
    assert api.client.get(f"/vacancies/{NEW['id']}", headers=h).json()["title"] == "Verkäuferin Aushilfe"
    assert NEW["id"] in _suggested(api)
    # Filled: out of the index and the lists; deleted: gone from the store too.
    r = api.client.put(f"/vacancies/{NEW['id']}", json={**body, "filled": True}, headers=h)
    assert r.status_code == 200
    assert NEW["id"] not in _suggested(api) and NEW["id"] not in FaissIndex.load(root).ids.tolist()
    r = api.client.get(f"/vacancies/{NEW['id']}/candidates", headers=api.headers("cm"))
    assert r.status_code == 404
    first = _suggested(api)[0]
    r = api.client.delete(f"/vacancies/{first}", headers=h)
    assert r.status_code == 200 and r.json()["id"] == first
    assert first not in _suggested(api) and first not in FaissIndex.load(root).ids.tolist()
    assert api.client.get(f"/vacancies/{first}", headers=h).status_code == 404
    assert api.client.delete(f"/vacancies/{first}", headers=h).status_code == 404
    assert api.client.put(f"/vacancies/{first}", json=body, headers=h).status_code == 404
    actions = [e.action for e in api.store.list_audit() if e.action.startswith("vacancy.")]
    assert actions == ["vacancy.create", "vacancy.update", "vacancy.update", "vacancy.delete"]


def test_after_a_change_the_new_version_is_served_mapped(api: ApiEnv) -> None:
    """The version a vacancy write saved is served from its files, read-only, as the one loaded at
    start; not the private copy the write changed (the vectors twice more in memory)."""
    rt = api.client.app.state.runtime  # type: ignore[attr-defined]
    assert rt.service.index._mapped
    r = api.client.post("/vacancies", json=NEW, headers=api.headers("admin"))
    assert r.status_code == 201, r.text
    live = rt.service.index
    assert live.version == r.json()["index_version"] and live._mapped
    assert NEW["id"] in live.ids.tolist() and _suggested(api)[0] == NEW["id"]


def test_vacancy_validation_names_the_field(api: ApiEnv) -> None:
    h = api.headers("batch")
    cases = [
        ({"wage": 0}, "wage"),
        ({"wage_unit": "week"}, "wage_unit"),
        ({"contract": "fixed_term"}, "contract_months"),  # a fixed term needs its length
        ({"contract_months": 12}, "contract_months"),  # ... and only a fixed term has one
        ({"expires": "2026-01-01"}, "expires"),  # before posted
        ({"kldb": "62105"}, "kldb"),  # fifth digit 1-4
        ({"postcode": "00000"}, "postcode"),  # not a known postcode
        ({"title": ""}, "title"),
        ({"employer": {"id": "E", "name": "X", "sector": "Z"}}, "sector"),
        ({"hours_per_week": 0.5}, "hours_per_week"),
    ]
    for change, field in cases:
        r = api.client.post("/vacancies", json={**NEW, **change}, headers=h)
        assert r.status_code == 422, (change, r.text)
        fields = [[x for x in d["loc"] if isinstance(x, str)][-1] for d in r.json()["detail"]]
        assert field in fields, (change, r.json())
    assert NEW["id"] not in {v.id for v in api.store.list_vacancies()}
    assert api.client.app.state.runtime.service.index.version == current_version(
        api.settings.layout.vacancy_index
    )
