"""Creating one claimant id from many requests at once (issue 16, defect 2): the create is one
atomic insert, so exactly one request gets 201, every other 409, and the stored record is the
winner's."""

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
    body = {**NEW, "id": "K-RACE-1"}
    statuses = sorted(s for _, s in _race(api, ["cm"] * N, body))
    assert statuses == [201] + [409] * (N - 1)
    stored = api.store.get_claimant("K-RACE-1")
    assert stored.jobcenter == JC_A and stored.health_max_load == 2


def test_two_jobcenters_racing_for_one_id(api: ApiEnv) -> None:
    body = {**NEW, "id": "K-RACE-2"}
    results = _race(api, ["cm", "cm_oha"] * (N // 2), body)
    winners = [who for who, s in results if s == 201]
    assert len(winners) == 1 and sorted(s for _, s in results).count(409) == N - 1
    jobcenter = {"cm": JC_A, "cm_oha": JC_B}[winners[0]]
    assert api.store.get_claimant("K-RACE-2").jobcenter == jobcenter
    # The loser's Jobcenter sees nothing of the record.
    loser = "cm_oha" if winners[0] == "cm" else "cm"
    assert api.client.get("/claimants/K-RACE-2", headers=api.headers(loser)).status_code == 404
