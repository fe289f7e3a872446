"""Employers are their own records (issue 16, defect 8): a vacancy write does not rewrite the employer
of every other vacancy, ``PUT /employers/{id}`` does, and the running service's vacancies agree with
the database after either write."""

from __future__ import annotations

from collections import Counter
from typing import Any

from matcher.domain import Vacancy
from tests.api.conftest import ApiEnv
from tests.api.test_vacancies import NEW


def _shared_employer(api: ApiEnv) -> tuple[Vacancy, Vacancy]:
    """Two held (unfilled) vacancies of one employer."""
    held = [v for v in api.client.app.state.runtime.service.vacancies.vacancies]  # type: ignore[attr-defined]
    by_employer = Counter(v.employer.id for v in held)
    eid = next(e for e, n in by_employer.most_common() if n >= 2)
    a, b = [v for v in held if v.employer.id == eid][:2]
    return a, b


def _held(api: ApiEnv, vacancy_id: str) -> Vacancy:
    svc = api.client.app.state.runtime.service  # type: ignore[attr-defined]
    return next(v for v in svc.vacancies.vacancies if v.id == vacancy_id)


def _body(v: Vacancy, api: ApiEnv) -> dict[str, Any]:
    body = api.client.get(f"/vacancies/{v.id}", headers=api.headers("admin")).json()
    for k in ("id", "index_version"):
        body.pop(k, None)
    return body


def test_a_vacancy_write_leaves_its_known_employer_alone(api: ApiEnv) -> None:
    a, b = _shared_employer(api)
    body = _body(a, api)
    body["employer"] = {**body["employer"], "name": "Umbenannt GmbH", "size_band": "1-9"}
    body["wage"] = body["wage"] + 1
    r = api.client.put(f"/vacancies/{a.id}", json=body, headers=api.headers("batch"))
    assert r.status_code == 200, r.text
    # The answer shows the employer as stored: unchanged.
    assert r.json()["employer"]["name"] == a.employer.name and r.json()["wage"] == body["wage"]
    for v in (a, b):
        stored = api.store.get_vacancy(v.id)
        assert stored.employer == a.employer
        assert _held(api, v.id).employer == stored.employer  # the service agrees with the database
    assert api.store.get_employer(a.employer.id) == a.employer


def test_put_employer_changes_every_vacancy_of_it_in_store_and_service(api: ApiEnv) -> None:
    a, b = _shared_employer(api)
    change = {"name": "Neuer Name GmbH", "size_band": "250+", "sector": "C", "collective_agreement": True,
              "temp_agency": False, "offers_training": True}  # fmt: skip
    r = api.client.put(f"/employers/{a.employer.id}", json=change, headers=api.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": a.employer.id,
        **change,
        "created": False,
        "index_version": r.json()["index_version"],
    }
    for v in (a, b):
        stored = api.store.get_vacancy(v.id)
        assert (stored.employer.name, stored.employer.size_band.value) == ("Neuer Name GmbH", "250+")
        assert _held(api, v.id).employer == stored.employer
        got = api.client.get(f"/vacancies/{v.id}", headers=api.headers("cm")).json()["employer"]
        assert got == {"id": a.employer.id, **change}
    assert api.client.get(f"/employers/{a.employer.id}", headers=api.headers("cm")).json() == {
        "id": a.employer.id, **change,
    }  # fmt: skip
    audit = [e for e in api.store.list_audit() if e.action.startswith("employer.")]
    assert [(e.action, e.payload["employer_id"]) for e in audit] == [("employer.update", a.employer.id)]


def test_put_employer_rights_and_errors(api: ApiEnv) -> None:
    change = {"name": "Neu GmbH"}
    for who in ("cm", "lead"):
        assert api.client.put("/employers/E-X", json=change, headers=api.headers(who)).status_code == 403
    r = api.client.put("/employers/E-X", json=change, headers=api.headers("batch"))
    assert (r.status_code, r.json()["created"], r.json()["size_band"]) == (201, True, "10-49")
    assert api.client.put("/employers/E-X", json=change, headers=api.headers("batch")).status_code == 200
    r = api.client.get("/employers/E-nope", headers=api.headers("cm"))
    assert (r.status_code, r.json()) == (404, {"detail": "no such employer"})
    r = api.client.put("/employers/E-X", json={"name": "N", "sector": "Z"}, headers=api.headers("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "sector"
    r = api.client.put("/employers/E-X", json={"name": "N", "id": "E-Y"}, headers=api.headers("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "id"


def test_a_vacancy_naming_a_new_employer_creates_it_once(api: ApiEnv) -> None:
    h = api.headers("admin")
    assert api.client.post("/vacancies", json=NEW, headers=h).status_code == 201
    created = api.store.get_employer("E-NEU")
    assert (created.name, created.size_band.value, created.collective_agreement) == (
        "Kaufhaus Neu GmbH",
        "50-249",
        True,
    )
    other = {**NEW, "id": "V-NEU-2", "employer": {"id": "E-NEU", "name": "Anders"}}
    r = api.client.post("/vacancies", json=other, headers=h)
    assert r.status_code == 201 and r.json()["employer"]["name"] == "Kaufhaus Neu GmbH"
    assert api.store.get_employer("E-NEU") == created
    assert _held(api, "V-NEU-2").employer == created


def test_concurrent_employer_and_vacancy_writes_leave_memory_and_database_agreeing(api: ApiEnv) -> None:
    """Employer and vacancy writes at once: the end state agrees (the narrow window in which a
    vacancy write could hand the service an employer read before a concurrent employer write is
    closed by re-reading employers under the runtime's write lock; this test does not hit it
    reliably, it checks the end state)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    a, b = _shared_employer(api)
    bodies = {v.id: _body(v, api) for v in (a, b)}
    start = threading.Barrier(8)

    def employer(n: int) -> int:
        start.wait()
        change = {"name": f"Firma {n} GmbH", "size_band": ["1-9", "250+"][n % 2], "sector": "C"}
        return api.client.put(
            f"/employers/{a.employer.id}", json=change, headers=api.headers("admin")
        ).status_code

    def vacancy(n: int) -> int:
        start.wait()
        v = (a, b)[n % 2]
        body = {**bodies[v.id], "wage": bodies[v.id]["wage"] + n,
                "employer": {**bodies[v.id]["employer"], "name": f"Anders {n}"}}  # fmt: skip
        return api.client.put(f"/vacancies/{v.id}", json=body, headers=api.headers("batch")).status_code

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(employer, n) for n in range(4)] + [pool.submit(vacancy, n) for n in range(4)]
        assert [f.result() for f in futures] == [200] * 8
    stored = api.store.get_employer(a.employer.id)
    assert stored.name.startswith("Firma ")
    for v in (a, b):
        assert api.store.get_vacancy(v.id).employer == stored == _held(api, v.id).employer


def test_a_stale_vacancy_copy_cannot_undo_an_employer_write_in_memory(api: ApiEnv) -> None:
    """The interleaving the lock-held re-read closes: a vacancy write read its vacancy (old employer),
    an employer write committed, and only then the vacancy write reaches the runtime."""
    import dataclasses

    rt = api.client.app.state.runtime  # type: ignore[attr-defined]
    a, b = _shared_employer(api)
    stale = api.store.get_vacancy(a.id)
    renamed = dataclasses.replace(a.employer, name="Nach dem Lesen GmbH")
    api.store.upsert_employers([renamed])
    rt.employer_changed(a.employer.id)
    rt.vacancies_changed(upserted=[stale])
    assert _held(api, a.id).employer == renamed == _held(api, b.id).employer
