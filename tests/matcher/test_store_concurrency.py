"""The store under simultaneous writers: an atomic create on each backend (issue 16, defect 2), SQLite
write transactions that hold the lock from their start (defect 11)."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from matcher.domain import PhysicalLoad
from matcher.errors import Conflict, StoreUnavailable
from matcher.store import Store
from tests.factories import make_claimant

N = 20


def test_insert_claimant_one_of_many_wins(store: Store) -> None:
    base = make_claimant(id="K-RACE")
    drafts = [
        dataclasses.replace(base, id="K-RACE", team=f"T-{i}", health_max_load=PhysicalLoad(1 + i % 3))
        for i in range(N)
    ]
    start = threading.Barrier(N)

    def insert(c: object) -> str:
        start.wait()
        try:
            store.insert_claimant(c)  # type: ignore[arg-type]
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(insert, drafts))
    assert sorted(results) == ["conflict"] * (N - 1) + ["ok"]
    winner = drafts[results.index("ok")]
    # The stored record and its health row are the winner's, whole.
    assert store.get_claimant("K-RACE") == winner
    with pytest.raises(Conflict):
        store.insert_claimant(base)
    assert store.get_claimant("K-RACE") == winner


def test_sqlite_write_transaction_holds_the_lock_from_its_start(tmp_path: Path) -> None:
    """A transaction that reads, then writes, while another connection commits in between: with
    a deferred BEGIN the write fails at once ("database is locked", no busy wait); with BEGIN
    IMMEDIATE the other writer waits for the transaction and both succeed (issue 16, defect 11)."""
    url = f"sqlite:///{tmp_path / 'passgenau.db'}"
    first, second = Store.open(url), Store.open(url)
    committed = threading.Event()

    def other_writer() -> None:
        second.upsert_claimants([(make_claimant(id="K-OTHER"), None)])
        committed.set()

    try:
        with first.transaction():
            assert first.list_claimants() == []
            thread = threading.Thread(target=other_writer)
            thread.start()
            committed.wait(timeout=1.0)  # before the fix it commits at once; after, it waits for us
            first.upsert_claimants([(make_claimant(id="K-FIRST"), None)])
        thread.join()
        assert [c.id for c in first.list_claimants()] == ["K-FIRST", "K-OTHER"]
    finally:
        first.close()
        second.close()


def test_a_begin_that_cannot_get_the_write_lock_is_store_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The BEGIN goes to the driver's connection directly (``matcher.store.engine``): a lock held
    past the busy timeout still ends as ``StoreUnavailable`` naming the reason, the connection
    stays usable, and a read transaction does not wait for the writer (WAL)."""
    import sqlite3

    import matcher.store.engine as engine

    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT", 0.2)
    db = tmp_path / "passgenau.db"
    store = Store.open(f"sqlite:///{db}")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable, match="database is locked"):
            store.add_audit(who="u", action="test")
        with store.reading():
            assert store.list_audit() == []
        holder.execute("COMMIT")
        entry = store.add_audit(who="u", action="test")
        assert [e.id for e in store.list_audit()] == [entry]
    finally:
        holder.close()
        store.close()
