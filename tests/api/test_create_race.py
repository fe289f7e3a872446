"""Creating claimants from many requests at once (issue 16, defect 2): a chosen id (admin, batch) is
one atomic insert, so exactly one request gets 201, every other 409, and the stored record is the
winner's; case managers of two Jobcenters creating at once each get their own server-assigned id
(defect 11: no id of one Jobcenter can block or reveal another's)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.conftest import JC_A, JC_B, ApiEnv
from tests.api.test_claimants import NEW

N = 20


def _race(api: ApiEnv, callers: list[str], body: dict[str, Any]) -> list[tuple[str, int]]:
    """``len(callers)`` creates of ``body`` released together; (caller, status) each."""
    start = threading.Barrier(len(callers))

    def create(who: str) -> tuple[str, int]:
        start.wait()
        return who, api.client.post("/claimants", json=body, headers=api.headers(who)).status_code

    with ThreadPoolExecutor(len(callers)) as pool:
        return list(pool.map(create, callers))


def test_parallel_creates_of_one_id_one_wins(api: ApiEnv) -> None:
    body = {**{k: v for k, v in NEW.items() if k != "health_max_load"}, "id": "K-RACE-1", "jobcenter": JC_B}
    statuses = sorted(s for _, s in _race(api, ["admin", "batch"] * (N // 2), body))
    assert statuses == [201] + [409] * (N - 1)
    stored = api.store.get_claimant("K-RACE-1")
    assert stored.jobcenter == JC_B and stored.health_max_load is None


def test_two_jobcenters_creating_at_once_get_their_own_ids(api: ApiEnv) -> None:
    before = len(api.store.list_claimants(active_only=False))
    start = threading.Barrier(N)

    def create(who: str) -> tuple[str, int, str]:
        start.wait()
        r = api.client.post("/claimants", json=NEW, headers=api.headers(who))
        return who, r.status_code, r.json().get("id", "")

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(create, ["cm", "cm_oha"] * (N // 2)))
    assert [s for _, s, _ in results] == [201] * N and len({i for *_, i in results}) == N
    assert len(api.store.list_claimants(active_only=False)) == before + N
    for who, _, cid in results:
        assert api.store.get_claimant(cid).jobcenter == {"cm": JC_A, "cm_oha": JC_B}[who]
        other = "cm_oha" if who == "cm" else "cm"
        assert api.client.get(f"/claimants/{cid}", headers=api.headers(other)).status_code == 404


def test_parallel_creates_of_one_vacancy_id_one_wins(api: ApiEnv) -> None:
    """A vacancy's create is one atomic insert too (it was check-then-write): of 20 creates of one
    id released together exactly one gets 201, and the stored vacancy is that one's."""
    from tests.api.test_vacancies import NEW as VACANCY

    start = threading.Barrier(N)

    def create(i: int) -> tuple[int, int]:
        body = {**VACANCY, "id": "V-RACE-1", "title": f"Lagerhelfer {i:02d}"}
        start.wait()
        return i, api.client.post(
            "/vacancies", json=body, headers=api.headers("admin" if i % 2 else "batch")
        ).status_code

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(create, range(N)))
    assert sorted(s for _, s in results) == [201] + [409] * (N - 1)
    winner = next(i for i, s in results if s == 201)
    assert api.store.get_vacancy("V-RACE-1").title == f"Lagerhelfer {winner:02d}"
