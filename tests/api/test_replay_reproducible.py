"""Replay (issue 23): a lookup logged under another BLAS thread count and another kernel's float32
scores replays identical; a tampered entry names its first differing field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from threadpoolctl import threadpool_limits

from matcher.bootstrap import Services
from matcher.index import FaissIndex
from matcher.lookup_compare import MISSING, first_difference, list_differences
from matcher.store import audit_log
from matcher.usecases.replay import replay
from tests.api.conftest import JC_A, ApiEnv


def _another_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's fast scores as another CPU or blocking computes them: off in the last bits, and a
    near-tie at the cut ordered the other way."""
    # A lookup asks the index for positions (``search_positions``; ``search`` goes through it too).
    real = FaissIndex.search_positions
    rng = np.random.default_rng(23)

    def search(self: FaissIndex, queries: Any, k: int, allowed: Any = None) -> Any:
        sims, pos = real(self, queries, k, allowed)
        noisy = sims + rng.uniform(-2e-6, 2e-6, sims.shape).astype(np.float32)
        order = np.argsort(-noisy, axis=1, kind="stable")
        return np.take_along_axis(noisy, order, axis=1), np.take_along_axis(pos, order, axis=1)

    monkeypatch.setattr(FaissIndex, "search_positions", search)


def test_entries_logged_elsewhere_replay_identical(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    cids = api.ids(JC_A)[:3]
    logged = []
    with monkeypatch.context() as m, threadpool_limits(limits=1, user_api="blas"):
        _another_kernel(m)
        for cid in cids:
            body = api.client.get(f"/claimants/{cid}/suggestions?k=8", headers=api.headers("cm")).json()
            logged.append(body["audit_id"])
        vid = body["suggestions"][0]["vacancy_id"]
        body = api.client.get(f"/vacancies/{vid}/candidates?k=6", headers=api.headers("cm")).json()
        logged.append(body["audit_id"])
    for entry in logged:
        result = replay(Services(api.settings, store=api.store, encoder=api.encoder), entry)
        assert result.identical and result.differences() == [], result.differences()


def test_a_tampered_entry_names_the_first_differing_field(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[0]
    body = api.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api.headers("cm")).json()
    entry = body["audit_id"]
    original = dict(api.store.get_audit(entry).payload)  # type: ignore[union-attr]
    for change, field in [
        (lambda items: items[2].update(score=0.1234), "score"),
        (lambda items: items[1].update(vacancy_id="V-999999"), "vacancy_id"),
        (lambda items: items.pop(), MISSING),
    ]:
        payload = {**original, "items": [dict(i) for i in original["items"]]}
        change(payload["items"])
        with api.store._engine.begin() as conn:
            conn.execute(sa.update(audit_log).where(audit_log.c.id == entry).values(payload=payload))
        result = replay(Services(api.settings, store=api.store, encoder=api.encoder), entry)
        first = first_difference(result.logged, result.replayed)
        assert not result.identical and first is not None and first.field == field
        assert len(result.differences()) == 1 and f"first differing field: {field}" in result.differences()[0]


def test_first_difference_follows_the_field_order() -> None:
    a = [{"rank": 1, "claimant_id": "K-1", "vacancy_id": "V-1", "score": 0.5}]
    assert first_difference(a, [dict(a[0])]) is None
    b = [{"rank": 2, "claimant_id": "K-1", "vacancy_id": "V-2", "score": 0.4}]
    d = first_difference(a, b)
    assert d is not None and (d.position, d.field) == (1, "rank")
    assert str(d).startswith("rank 1: logged K-1/V-1 score 0.5000, replayed K-1/V-2 score 0.4000")
    c = [{**a[0], "score": 0.5001}]
    assert [x.field for x in list_differences(a + a, c + a)] == ["score"]
    assert [(x.position, x.field) for x in list_differences(a, a + c)] == [(2, MISSING)]
