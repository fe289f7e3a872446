"""Lookups record what was shown: one audit entry with the typed record, one suggestion per item."""

from __future__ import annotations

import pytest

from matcher.domain import FeedbackAction
from matcher.errors import UnknownClaimant
from matcher.settings import RankingSettings
from matcher.usecases.lookups import Lookups
from matcher.usecases.proposals import ActionRequest, Proposals
from tests.factories import make_claimant, make_vacancy
from tests.matcher.usecases.fakes import Caller, FakeLive, FakeService, MemoryStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
CM_OHA = Caller("cm-oha", "case_manager", "JC-OHA")


def _env() -> tuple[MemoryStore, Lookups]:
    store = MemoryStore()
    store.upsert_claimants(
        [(make_claimant(id="K1"), None), (make_claimant(id="K2", jobcenter="JC-OHA"), None)]
    )
    vacancies = [make_vacancy(id=f"V{i}") for i in range(1, 5)]
    live = FakeLive(FakeService(vacancies, list(store.claimants.values())))
    return store, Lookups(store, store, live)


def test_suggestions_are_recorded_with_stable_ids() -> None:
    store, uc = _env()
    out = uc.suggestions(CM, "K1", 3)
    assert out.audit_id == 1 and out.suggestion_ids == ("1-1", "1-2", "1-3")
    (entry,) = store.audit
    assert (entry["who"], entry["action"], entry["claimant_id"]) == ("cm-goe", "suggestions", "K1")
    assert (entry["model_version"], entry["index_version"]) == ("model-1", "idx-1")
    p = entry["payload"]
    assert p["role"] == "case_manager" and p["k"] == 3 and p["as_of"] == "2026-11-02"
    assert p["items"] == [
        {"rank": 1, "claimant_id": "K1", "vacancy_id": "V1", "score": 0.299},
        {"rank": 2, "claimant_id": "K1", "vacancy_id": "V2", "score": 0.298},
        {"rank": 3, "claimant_id": "K1", "vacancy_id": "V3", "score": 0.297},
    ]
    assert len(p["record_sha256"]) == 16
    s = store.suggestions["1-2"]
    assert (s.lookup_id, s.claimant_id, s.vacancy_id, s.jobcenter, s.rank, s.kind) == (
        1, "K1", "V2", "JC-GOE", 2, "suggestions")  # fmt: skip
    assert (s.p_match, s.p_sustain, s.score, s.model_version, s.index_version) == (
        0.5,
        0.6,
        0.298,
        "model-1",
        "idx-1",
    )


def test_another_jobcenters_claimant_is_unknown_and_nothing_is_recorded() -> None:
    store, uc = _env()
    with pytest.raises(UnknownClaimant, match="no such claimant"):
        uc.suggestions(CM_OHA, "K1", 3)
    with pytest.raises(UnknownClaimant, match="no such claimant"):
        uc.suggestions(CM_OHA, "K-missing", 3)
    # Nothing is recorded but the denied attempt on the other Jobcenter's claimant (issue 16, defect 10).
    denied = [e for e in store.audit if e["action"] == "access.denied"]
    assert [(e["who"], e["claimant_id"], e["payload"]) for e in denied] == [
        ("cm-oha", "K1", {"role": "case_manager", "record": "claimant"})
    ]
    assert [e for e in store.audit if e not in denied] == [] and store.suggestions == {}


def test_candidates_record_the_jobcenter_and_adhoc_records_no_suggestion() -> None:
    store, uc = _env()
    out = uc.candidates(CM, "JC-GOE", "V2", 5)
    assert [s.jobcenter for s in store.suggestions.values()] == ["JC-GOE", "JC-GOE"]
    assert store.audit[0]["payload"]["jobcenter"] == "JC-GOE" and out.suggestion_ids == ("1-1", "1-2")
    result, audit_id = uc.adhoc(CM, make_claimant(id="ADHOC"), 2)
    assert audit_id == 2 and len(result.items) == 2 and len(store.suggestions) == 2
    assert store.audit[1]["action"] == "match.adhoc" and "record_sha256" not in store.audit[1]["payload"]


def _handled_env(handled: str) -> tuple[MemoryStore, Lookups]:
    store, _ = _env()
    service = FakeService([make_vacancy(id=f"V{i}") for i in range(1, 6)])
    service.ranking = RankingSettings(handled=handled)  # type: ignore[arg-type]
    return store, Lookups(store, store, FakeLive(service), store)


def test_a_handled_vacancy_is_marked_with_its_latest_action_by_default() -> None:
    store, uc = _handled_env("mark")
    first = uc.suggestions(CM, "K1", 3)
    Proposals(store, store, store, store).act(CM, "1-2", ActionRequest(FeedbackAction.APPLIED))
    Proposals(store, store, store, store).act(CM, "1-2", ActionRequest(FeedbackAction.HIRED))
    again = uc.suggestions(CM, "K1", 3)
    assert again.suggestion_ids == first.suggestion_ids == ("1-1", "1-2", "1-3")
    assert {pair: a.action for pair, a in again.handled.items()} == {("K1", "V2"): FeedbackAction.HIRED}


def test_hide_leaves_handled_vacancies_out_and_the_audit_says_which() -> None:
    store, uc = _handled_env("hide")
    uc.suggestions(CM, "K1", 3)
    Proposals(store, store, store, store).act(CM, "1-1", ActionRequest(FeedbackAction.REJECTED, "wage"))
    again = uc.suggestions(CM, "K1", 3)
    assert [(m.rank, m.vacancy_id) for m in again.result.items] == [(1, "V2"), (2, "V3"), (3, "V4")]
    assert again.suggestion_ids == ("1-2", "1-3", "3-3") and again.handled == {}
    entry = store.audit[-1]["payload"]
    assert entry["hidden"] == ["V1"] and [i["vacancy_id"] for i in entry["items"]] == ["V2", "V3", "V4"]
