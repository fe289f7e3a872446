"""Claimant, vacancy and outcome writes: owner checks, health rules, conflicts, audit and matching."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from matcher.domain import PhysicalLoad
from matcher.errors import Conflict, UnknownClaimant, UnknownVacancy, ValidationError
from matcher.usecases.claimants import ClaimantRecords
from matcher.usecases.erasure import Erasure
from matcher.usecases.outcomes import OutcomeReport, Outcomes
from matcher.usecases.vacancies import VacancyRecords
from tests.factories import make_claimant, make_vacancy
from tests.matcher.usecases.fakes import Caller, FakeLive, FakeService, MemoryStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
LEAD_OHA = Caller("lead-oha", "team_lead", "JC-OHA")
LEAD = Caller("lead-goe", "team_lead", "JC-GOE")
BATCH = Caller("batch", "batch", None, sees_health=False)


def _env() -> tuple[MemoryStore, FakeLive]:
    store = MemoryStore()
    store.upsert_claimants(
        [(make_claimant(id="K1"), None), (make_claimant(id="K2", jobcenter="JC-OHA"), None)]
    )
    store.upsert_vacancies([make_vacancy(id="V1")])
    return store, FakeLive(FakeService([]))


def test_create_and_replace_claimants() -> None:
    store, live = _env()
    uc = ClaimantRecords(store, store, live)
    new = uc.create(CM, make_claimant(id="K-DRAFT", jobcenter="placeholder"), None, chosen_id=False)
    k3 = new.id  # server-assigned (issue 16, defect 11)
    assert k3.startswith("K-") and k3 != "K-DRAFT" and len(k3) == 18
    assert new.jobcenter == "JC-GOE" and store.claimants[k3] == new and live.changed == [(k3, True)]
    # A scoped caller may not choose an id, whether it is free, its own or another Jobcenter's.
    for taken in ("K9", "K1", "K2"):
        with pytest.raises(ValidationError) as err:
            uc.create(CM, make_claimant(id=taken), None, chosen_id=True)
        assert err.value.field == "id"
    with pytest.raises(Conflict):
        uc.create(BATCH, make_claimant(id="K2"), "JC-GOE", chosen_id=True)
    with pytest.raises(ValidationError) as err:
        uc.create(CM, make_claimant(id="K4"), "JC-OHA", chosen_id=False)
    assert err.value.field == "jobcenter"
    with pytest.raises(ValidationError) as err:
        uc.create(BATCH, make_claimant(id="K4", health_max_load=PhysicalLoad.LOW), "JC-GOE", chosen_id=True)
    assert err.value.field == "health_max_load" and "K4" not in store.claimants
    # A role without health data keeps the stored restriction on replace.
    store.upsert_claimants([(dataclasses.replace(new, health_max_load=PhysicalLoad.LOW), None)])
    kept = uc.replace(BATCH, k3, dataclasses.replace(new, available_hours=20.0), "JC-GOE")
    assert (
        kept.health_max_load is PhysicalLoad.LOW
        and kept.jobcenter == "JC-GOE"
        and kept.available_hours == 20.0
    )
    assert live.forgotten == [k3]
    with pytest.raises(UnknownClaimant, match="no such claimant"):
        uc.replace(LEAD_OHA, k3, new, None)
    assert [e["action"] for e in store.audit if e["action"] != "access.denied"] == [
        "claimant.create",
        "claimant.update",
    ]
    assert [(e["who"], e["claimant_id"]) for e in store.audit if e["action"] == "access.denied"] == [
        ("lead-oha", k3)
    ]


def test_reads_are_audited_and_scoped() -> None:
    store, live = _env()
    uc = ClaimantRecords(store, store, live)
    assert [r["id"] for r in uc.search(CM, "K", 10)] == ["K1"]
    assert uc.read(CM, "K1").id == "K1"
    with pytest.raises(UnknownClaimant):
        uc.read(CM, "K2")
    assert [(e["action"], e["payload"]) for e in store.audit if e["action"] != "access.denied"] == [
        ("claimants.search", {"role": "case_manager", "ids": ["K1"]}),
        ("claimant.read", {"role": "case_manager", "health": True}),
    ]
    # K2 is another Jobcenter's: the attempt is audited, with nothing of the record.
    assert [(e["action"], e["claimant_id"], e["payload"]) for e in store.audit[2:]] == [
        ("access.denied", "K2", {"role": "case_manager", "record": "claimant"})
    ]


def test_outcome_of_another_jobcenter_is_never_replaced() -> None:
    store, _ = _env()
    uc = Outcomes(store, store, store, store)
    report = OutcomeReport("O-1", "K1", "V1", date(2025, 6, 1), None, True, False)
    uc.record(LEAD, report)
    with pytest.raises(Conflict):
        uc.record(LEAD_OHA, dataclasses.replace(report, claimant_id="K2", employed_12m=False))
    assert store.outcomes["O-1"].claimant_id == "K1" and store.outcomes["O-1"].employed_12m
    uc.record(LEAD, dataclasses.replace(report, end=date(2026, 9, 30)))
    assert store.outcomes["O-1"].end == date(2026, 9, 30)
    with pytest.raises(UnknownVacancy, match="no such vacancy"):
        uc.record(LEAD, dataclasses.replace(report, id="O-2", vacancy_id="V-nope"))


def test_an_unscoped_role_cannot_move_an_outcome_to_another_jobcenter() -> None:
    store, _ = _env()
    uc = Outcomes(store, store, store, store)
    report = OutcomeReport("O-1", "K1", "V1", date(2025, 6, 1), None, True, False)
    uc.record(BATCH, report)
    # The same id for a claimant of JC-OHA would silently hand JC-GOE's outcome to another Jobcenter.
    with pytest.raises(Conflict):
        uc.record(BATCH, dataclasses.replace(report, claimant_id="K2"))
    assert store.outcomes["O-1"].claimant_id == "K1"
    uc.record(BATCH, dataclasses.replace(report, employed_12m=False))  # a correction within JC-GOE
    assert not store.outcomes["O-1"].employed_12m


def test_vacancy_writes_reach_the_index() -> None:
    store, live = _env()
    uc = VacancyRecords(store, store, live)
    assert uc.create(CM, make_vacancy(id="V2")).index_version == "idx-2"
    with pytest.raises(Conflict):
        uc.create(CM, make_vacancy(id="V1"))
    uc.replace(CM, make_vacancy(id="V2", filled=True))
    with pytest.raises(UnknownVacancy):
        uc.replace(CM, make_vacancy(id="V9"))
    uc.delete(CM, "V1")
    assert live.vacancy_changes == [(["V2"], []), (["V2"], []), ([], ["V1"])]
    assert [e["index_version"] for e in store.audit] == ["idx-1", "idx-1", "idx-1"]


def test_erasure_reaches_every_place() -> None:
    store, live = _env()
    erased_runs: list[str] = []
    uc = Erasure(store, store, live, lambda cid: erased_runs.append(cid) or 2)
    with pytest.raises(UnknownClaimant):
        uc.erase(LEAD_OHA, "K1")
    report = uc.erase(LEAD, "K1")
    assert "K1" not in store.claimants and live.changed == [("K1", False)] and live.forgotten == ["K1"]
    assert erased_runs == ["K1"] and report.nightly_runs_rewritten == 2 and report.embeddings_dropped == 1
    denied, entry = store.audit  # the other Jobcenter's attempt first (issue 16, defect 10)
    assert (denied["action"], denied["who"]) == ("access.denied", "lead-oha")
    assert entry["action"] == "claimant.erase" and entry["payload"]["rows_deleted"] == report.rows_deleted
