"""Several server processes over one data directory (issue 15): a write through one is seen by the
others through the serving change log. Fast: two apps in this process, each with its own store
engine, encoder and catalogs, as two workers have; the real forked workers are in
``test_workers_live.py`` (slow)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.runtime import PendingChanges, SerializedWrites, behind_pruned
from matcher.records import ServingChange
from matcher.store import Store
from tests.api.conftest import JC_A, ApiEnv, trigram_encoder
from tests.api.test_claimants import NEW as NEW_CLAIMANT
from tests.api.test_vacancies import CID
from tests.api.test_vacancies import NEW as NEW_VACANCY


@pytest.fixture
def other(api: ApiEnv) -> Iterator[TestClient]:
    """A second worker over the same data directory: its own store engine, encoder and catalogs."""
    store = Store.open(api.settings.resolved_database_url)
    app = create_app(api.settings, encoder=trigram_encoder(api.settings.data_dir), store=store)
    with TestClient(app) as client:
        yield client
    store.close()


def _candidates(client: TestClient, api: ApiEnv, vid: str) -> list[str]:
    r = client.get(f"/vacancies/{vid}/candidates?k=100", headers=api.headers("lead"))
    assert r.status_code == 200, r.text
    return [c["claimant_id"] for c in r.json()["candidates"]]


def _suggested(client: TestClient, api: ApiEnv, cid: str) -> list[str]:
    r = client.get(f"/claimants/{cid}/suggestions?k=10", headers=api.headers("cm"))
    assert r.status_code == 200, r.text
    return [s["vacancy_id"] for s in r.json()["suggestions"]]


def _indexed(client: TestClient, api: ApiEnv) -> int:
    return int(client.get("/models", headers=api.headers("lead")).json()["claimants_indexed"])


def test_a_claimant_written_through_one_worker_is_a_candidate_through_the_other(
    api: ApiEnv, other: TestClient
) -> None:
    h = api.headers("lead")
    before = _indexed(other, api)
    r = api.client.post("/claimants", json=NEW_CLAIMANT, headers=h)
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    vid = _suggested(api.client, api, new_id)[0]
    assert new_id in _candidates(api.client, api, vid)
    # The other worker never saw the request: its catalog follows the change log.
    assert _indexed(other, api) == before + 1
    assert new_id in _candidates(other, api, vid)
    # Inactive through the other worker: out of the first one's reverse matching too; back again.
    assert (
        other.put(f"/claimants/{new_id}", json={**NEW_CLAIMANT, "active": False}, headers=h).status_code
        == 200
    )
    assert new_id not in _candidates(api.client, api, vid) and _indexed(api.client, api) == before
    assert other.put(f"/claimants/{new_id}", json=NEW_CLAIMANT, headers=h).status_code == 200
    assert new_id in _candidates(api.client, api, vid)
    _, rows = api.store.changes_since(0)
    assert _served(rows) == [("claimant", new_id)] * 3
    # Erased through the first: gone from the other; the log keeps no row naming the id.
    assert api.client.delete(f"/claimants/{new_id}", headers=h).status_code == 200
    assert new_id not in _candidates(other, api, vid) and _indexed(other, api) == before
    _, rows = api.store.changes_since(0)
    assert _served(rows) == [("erased", JC_A)]


def test_a_vacancy_written_through_one_worker_is_suggested_through_the_other(
    api: ApiEnv, other: TestClient
) -> None:
    h = api.headers("admin")
    assert NEW_VACANCY["id"] not in _suggested(other, api, CID)
    r = api.client.post("/vacancies", json=NEW_VACANCY, headers=h)
    assert r.status_code == 201, r.text
    version = r.json()["index_version"]
    assert _suggested(other, api, CID)[0] == NEW_VACANCY["id"]
    models = other.get("/models", headers=api.headers("lead")).json()
    assert models["index_version"] == version and models["vacancies"] == len(api.vacancies) + 1
    # A change through the other builds on the version the first saved (one line of versions).
    body: dict[str, Any] = {k: v for k, v in NEW_VACANCY.items() if k != "id"}
    r = other.put(f"/vacancies/{NEW_VACANCY['id']}", json={**body, "filled": True}, headers=h)
    assert r.status_code == 200
    assert NEW_VACANCY["id"] not in _suggested(api.client, api, CID)
    first = api.client.get("/models", headers=api.headers("lead")).json()
    assert first["index_version"] == r.json()["index_version"] and first["vacancies"] == len(api.vacancies)
    _, rows = api.store.changes_since(0)
    assert _served(rows) == [("vacancies", NEW_VACANCY["id"])] * 2
    assert [r.index_version for r in rows if r.kind != "token"] == [version, first["index_version"]]


def _row(seq: int, origin: str, kind: str, ref: str, version: str | None = None) -> ServingChange:
    return ServingChange(seq, origin, kind, ref, version)


def test_pending_changes_merge_other_origins_and_keep_the_newest_index_version() -> None:
    rows = [
        _row(1, "me", "claimant", "K-1"),
        _row(2, "w2", "vacancies", "V-1,V-2", "v-a"),
        _row(3, "w2", "claimant", "K-2"),
        _row(4, "w3", "vacancies", "V-2,V-3", "v-b"),
        _row(5, "me", "vacancies", "V-9", "v-c"),  # this process applied its own already
        _row(6, "w3", "erased", JC_A),
        _row(7, "w2", "employer", "E-1"),
        _row(8, "w2", "claimant", "K-2"),
        _row(9, "w2", "sometime-later", "x"),  # a kind this version does not know: skipped
    ]
    p = PendingChanges.of(rows, "me")
    assert list(p.vacancy_ids) == ["V-1", "V-2", "V-3"] and p.index_version == "v-b"
    assert list(p.claimant_ids) == ["K-2"] and list(p.erased_in) == [JC_A] and list(p.employer_ids) == ["E-1"]
    assert not PendingChanges.of([rows[0], rows[4]], "me")


def test_a_reader_rebuilds_only_when_rows_it_has_not_seen_may_have_been_pruned() -> None:
    keep = 10_000
    assert not behind_pruned(seen=5, oldest=1, newest=9, keep=keep)
    assert not behind_pruned(seen=5, oldest=8, newest=9, keep=keep)  # 6, 7: erased claimants' rows
    assert behind_pruned(seen=5, oldest=2_000, newest=12_000, keep=keep)
    assert not behind_pruned(seen=5_000, oldest=2_000, newest=12_000, keep=keep)


def _served(rows: list[ServingChange]) -> list[tuple[str, str]]:
    """The rows about served records (the fixture's token revocation left out)."""
    return [(r.kind, r.ref) for r in rows if r.kind != "token"]


def test_the_change_log_in_the_store(api: ApiEnv) -> None:
    s = api.store
    # The fixture's revoked token is the only row so far (``Store.revoke_token`` logs it).
    assert [(r.seq, r.kind, r.ref) for r in s.changes_since(0)[1]] == [(1, "token", api.token_ids["revoked"])]
    assert s.last_change() == 1
    a = s.add_change("w1", "claimant", "K-1")
    b = s.add_change("w2", "vacancies", "V-1", "20261203T000000Z-abcdefabcdef")
    assert (a, b) == (2, 3) and s.last_change() == 3
    assert s.changes_since(2) == (1, [_row(3, "w2", "vacancies", "V-1", "20261203T000000Z-abcdefabcdef")])
    # Deleting the newest row does not hand its number out again (AUTOINCREMENT).
    s.add_change("w1", "claimant", "K-2")
    assert s.forget_changes_of("K-2") == 1 and s.forget_changes_of("V-1") == 0
    assert s.add_change("w1", "claimant", "K-3") == 5
    assert s.existing_claimants([api.claimants[0].id, "K-nope"]) == {api.claimants[0].id}
    # A token revoked is logged in the same transaction; revoking it again logs nothing.
    assert s.revoke_token(api.token_ids["cm"]) and not s.revoke_token(api.token_ids["cm"])
    assert [(r.kind, r.ref, r.origin) for r in s.changes_since(5)[1]] == [
        ("token", api.token_ids["cm"], "store")
    ]


def test_store_writes_hold_the_workers_file_lock_and_reads_do_not(tmp_path: Path) -> None:
    """Another worker's write waits on the flock (woken at once on release), not in SQLite's
    sleeping busy loop; a read never takes it."""
    lock = tmp_path / "passgenau.db.writers"
    held: list[tuple[str, bool]] = []

    def is_held() -> bool:
        with open(lock, "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return False

    class Recording:
        def add_audit(self, *_a: object) -> int:
            held.append(("add_audit", is_held()))
            return 7

        def get_claimant(self, *_a: object) -> str:
            held.append(("get_claimant", is_held()))
            return "K-1"

    store = SerializedWrites(Recording(), lock)  # type: ignore[arg-type]
    assert store.add_audit("x") == 7 and store.get_claimant("K-1") == "K-1"
    assert held == [("add_audit", True), ("get_claimant", False)]
    assert not is_held()


def test_every_worker_keeps_idle_connections_as_the_settings_say() -> None:
    from api.workers import uvicorn_options
    from matcher.settings import ApiSettings

    opts = uvicorn_options("warning", ApiSettings().keep_alive_seconds)
    assert opts == {"log_level": "warning", "access_log": False, "timeout_keep_alive": 65.0}
