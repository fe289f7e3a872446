"""Lookups in several threads while vacancies and claimants change: every answer is whole (no
error, no half-updated index), and the service ends in step with the store."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from matcher.index import FaissIndex
from tests.api.conftest import JC_A, ApiEnv
from tests.api.test_vacancies import NEW


def test_lookups_during_updates(api: ApiEnv) -> None:
    ids = api.ids(JC_A)
    vids = [v.id for v in api.vacancies[:10]]
    body = {k: v for k, v in NEW.items() if k != "id"}
    errors: list[str] = []
    done = threading.Event()

    def look(i: int) -> None:
        n = 0
        while not done.is_set() or n < 5:
            cid = ids[(i * 7 + n) % len(ids)]
            r = api.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api.headers("cm"))
            r2 = api.client.get(f"/vacancies/{vids[n % len(vids)]}/candidates?k=5", headers=api.headers("cm"))
            for resp in (r, r2):
                if resp.status_code not in (200, 404):
                    errors.append(f"{resp.status_code} {resp.text[:200]}")
            n += 1

    def write() -> None:
        try:
            for j in range(6):
                r = api.client.post(
                    "/vacancies", json={**body, "id": f"V-C-{j}"}, headers=api.headers("admin")
                )
                errors.extend([] if r.status_code == 201 else [r.text])
                r = api.client.delete(f"/vacancies/{vids[j]}", headers=api.headers("admin"))
                errors.extend([] if r.status_code == 200 else [r.text])
        finally:
            done.set()

    with ThreadPoolExecutor(5) as pool:
        readers = [pool.submit(look, i) for i in range(4)]
        pool.submit(write).result()
        for f in readers:
            f.result()
    assert errors == []
    live = api.client.app.state.runtime.service  # type: ignore[attr-defined]
    stored = sorted(v.id for v in api.store.list_vacancies() if not v.filled)
    assert (
        sorted(live.index.ids.tolist())
        == stored
        == sorted(FaissIndex.load(api.settings.layout.vacancy_index).ids.tolist())
    )
    assert sorted(live.vacancies.position) == stored
