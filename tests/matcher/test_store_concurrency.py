"""The store under simultaneous writers, on each backend: an atomic create (issue 16, defect 2)."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from matcher.domain import PhysicalLoad
from matcher.errors import Conflict
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
