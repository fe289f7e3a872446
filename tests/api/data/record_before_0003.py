"""How ``recorded_3f4d565.tar.gz`` was made: a data directory written by the code before the
restructuring (commit 3f4d565, schema revision 0002: feedback in its own table, suggestions only in
the audit log), which ``tests/api/test_replay_before_migration.py`` migrates and replays.

Run from a checkout of that commit, with its tests on the path::

    git worktree add /tmp/old 3f4d565
    cd /tmp/old && PYTHONPATH=/tmp/old python <this file> OUT.tar.gz

It builds the API tests' region (seed 11: 40 claimants, 60 vacancies, a scorer trained on 600
placements, the trigram encoder), logs three claimants' suggestions (k=8) and one vacancy's
candidates (k=6) as case manager ``test-cm`` of JC-GOE, and records "proposed" (confirmed by
``test-cm``) and "rejected" (reason ``commute``) on the first two suggestions of the first
non-empty list. Not collected by pytest (no ``test_`` prefix); kept so the fixture can be remade.
"""

from __future__ import annotations

import sqlite3
import sys
import tarfile
import tempfile
from pathlib import Path

from tests.api import conftest as c


def main(out: Path) -> None:
    tmp = Path(tempfile.mkdtemp())
    _, store, _, _ = c.seed_store(tmp / "seed")
    store.close()
    env = c._env(tmp / "seed", tmp / "data")
    api = next(env)
    cm = api.headers("cm")
    first: list[dict[str, object]] = []
    for cid in api.ids(c.JC_A)[:3]:
        body = api.client.get(f"/claimants/{cid}/suggestions?k=8", headers=cm).json()
        first = first or body["suggestions"]
    api.client.get(f"/vacancies/{first[0]['vacancy_id']}/candidates?k=6", headers=cm).raise_for_status()
    feedback = [
        {"action": "proposed", "confirmed_by": "test-cm"},
        {"action": "rejected", "reason_code": "commute"},
    ]
    for item, body in zip(first[:2], feedback, strict=True):
        api.client.post(
            f"/suggestions/{item['suggestion_id']}/feedback", headers=cm, json=body
        ).raise_for_status()
    env.close()
    api.store.close()
    db = sqlite3.connect(api.settings.data_dir / "passgenau.db")
    db.execute("pragma wal_checkpoint(TRUNCATE)")
    db.execute("pragma journal_mode=delete")
    db.close()
    with tarfile.open(out, "w:gz") as tar:
        for path in sorted(api.settings.data_dir.rglob("*")):
            if path.name not in {"passgenau.db-wal", "passgenau.db-shm"}:
                tar.add(path, arcname=str(path.relative_to(api.settings.data_dir)), recursive=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
