"""An import from another connection while the app serves and writes (issue 16, defect 11): on
SQLite every write transaction takes the write lock at its start (BEGIN IMMEDIATE) and waits for
it (busy timeout), so neither side meets "database is locked" (no 503, no failed import)."""

from __future__ import annotations

import threading
from pathlib import Path

from matcher.importer import import_file
from matcher.store import Store
from tests.api.conftest import JC_A, ApiEnv
from tests.api.test_claimants import NEW
from tests.matcher.test_importer import claimants_csv, locate, seeded_claimants


def test_import_while_the_app_serves(api: ApiEnv, tmp_path: Path) -> None:
    path = claimants_csv(tmp_path / "kunden.csv", seeded_claimants(600))
    other = Store.open(api.settings.resolved_database_url)  # its own engine: another process's view
    imported: list[int] = []
    failures: list[str] = []
    done = threading.Event()

    def importer() -> None:
        try:
            for _ in range(3):
                imported.append(import_file(other, path, "claimants", locate=locate).rows)
        except Exception as err:  # the failure itself is what the test reports
            failures.append(f"import: {err}")
        finally:
            done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    statuses: list[int] = []
    cid = api.ids(JC_A)[0]
    h = api.headers("cm")
    body = NEW
    n = 0
    while not done.is_set() or n < 10:
        statuses.append(api.client.post("/claimants", json=NEW, headers=h).status_code)
        statuses.append(
            api.client.put(f"/claimants/{cid}", json={**body, "team": f"T-{n}"}, headers=h).status_code
        )
        statuses.append(api.client.get(f"/claimants/{cid}/suggestions?k=3", headers=h).status_code)
        n += 1
    thread.join()
    other.close()
    assert failures == [] and imported == [600] * 3
    assert sorted(set(statuses)) == [200, 201], [s for s in statuses if s >= 500][:3]
