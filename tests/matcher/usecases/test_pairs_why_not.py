"""The why-not and excluded use cases: owner-checked like every claimant read, audit-logged with
what was asked and which vacancies were shown, health values withheld from roles without them."""

from __future__ import annotations

import pytest

from matcher.errors import UnknownClaimant
from matcher.service import MatchService
from matcher.usecases.pairs import PairLookups
from tests.matcher.test_service import service  # noqa: F401 (fixture)
from tests.matcher.usecases.fakes import Caller, FakeLive, MemoryStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
CM_OHA = Caller("cm-oha", "case_manager", "JC-OHA")


def _env(service: MatchService) -> tuple[MemoryStore, PairLookups]:  # noqa: F811
    store = MemoryStore()
    store.upsert_claimants([(service.claimants.get_claimant("K0"), None)])
    return store, PairLookups(store, store, FakeLive(service))


def test_excluded_and_why_not_are_audited(service: MatchService) -> None:  # noqa: F811
    store, uc = _env(service)
    total, rows = uc.excluded(CM, "K0", "hours", limit=5)
    assert (total, [v.id for v, _ in rows]) == (1, ["V6"])
    assert store.audit[-1] == {
        "who": "cm-goe", "action": "claimant.excluded", "claimant_id": "K0", "model_version": None,
        "index_version": None, "payload": {"role": "case_manager", "filter": "hours", "total": 1,
                                           "vacancy_ids": ["V6"]},
    }  # fmt: skip
    total, rows = uc.why_not(CM, "K0", "lagerhelfer", limit=2)
    assert (total, [v.id for v, _ in rows]) == (7, ["V1", "V2"])
    assert store.audit[-1]["action"] == "claimant.why_not"
    assert store.audit[-1]["payload"] == {"role": "case_manager", "q": "lagerhelfer", "total": 7,
                                          "vacancy_ids": ["V1", "V2"]}  # fmt: skip


def test_another_jobcenters_claimant_is_unknown_and_the_attempt_audited(service: MatchService) -> None:  # noqa: F811
    store, uc = _env(service)
    with pytest.raises(UnknownClaimant):
        uc.excluded(CM_OHA, "K0", "hours", limit=5)
    with pytest.raises(UnknownClaimant):
        uc.why_not(CM_OHA, "K0", "V6", limit=5)
    assert [e["action"] for e in store.audit] == ["access.denied", "access.denied"]
