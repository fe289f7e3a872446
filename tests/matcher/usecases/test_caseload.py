"""My caseload: whose claimants each role sees, what is new since the previous nightly run, which
proposals are open, and the nightly runs as the caller may read them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from matcher.domain import Claimant, FeedbackAction
from matcher.records import NightlyRow, NightlyRun, SuggestionAction
from matcher.usecases.caseload import CaseloadReads, NotPermitted, UnknownRun
from tests.factories import make_claimant
from tests.matcher.usecases.fakes import Caller, MemoryStore

CM = Caller("fm-001", "case_manager", "JC-GOE")
CM2 = Caller("fm-002", "case_manager", "JC-GOE")
LEAD = Caller("fm-001", "team_lead", "JC-GOE")  # leads the team they hold a caseload in
LEAD_NAMED = Caller("Herr Meier", "team_lead", "JC-GOE")
CM_OHA = Caller("fm-001", "case_manager", "JC-OHA")
ADMIN = Caller("admin", "admin", None)


class CaseloadStore(MemoryStore):
    """The memory store with nightly runs and their rows."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[NightlyRun] = []
        self.rows: list[NightlyRow] = []

    def list_claimants(
        self, active_only: bool = True, jobcenter: str | None = None, *, with_health: bool = True
    ) -> list[Claimant]:
        return [c for c in self.claimants.values()
                if (c.active or not active_only) and jobcenter in (None, c.jobcenter)]  # fmt: skip

    def list_nightly_runs(self) -> list[NightlyRun]:
        return sorted(self.runs, key=lambda r: r.started, reverse=True)

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]:
        return sorted((r for r in self.rows if r.run_id == run_id and claimant_id in (None, r.claimant_id)
                       and case_manager in (None, r.case_manager)), key=lambda r: (r.claimant_id, r.rank))  # fmt: skip

    def list_actions(
        self, claimant_id: str | None = None, *args: object, **kw: object
    ) -> list[SuggestionAction]:
        return [a for a in self.actions if claimant_id in (None, a.claimant_id)]


def _run(
    store: CaseloadStore, run_id: str, day: int, lists: dict[str, list[str]], status: str = "complete"
) -> None:
    started = datetime(2026, 12, day, 2, 0, tzinfo=UTC)
    manifest = {
        "today": f"2026-12-{day:02d}",
        "versions": {"model": "m-1", "index": "i-1", "embedder": "e-1"},
    }
    store.runs.append(NightlyRun(run_id, started, started, status, manifest))
    for cid, vids in lists.items():
        c = store.claimants[cid]
        for rank, vid in enumerate(vids, start=1):
            store.rows.append(NightlyRow(run_id, cid, rank, vid, c.jobcenter, c.case_manager, 0.3 - rank / 100,
                                         {"title": f"Stelle {vid}"}))  # fmt: skip


def _act(store: CaseloadStore, cid: str, vid: str, action: FeedbackAction, **kw: str) -> None:
    store.actions.append(SuggestionAction(len(store.actions) + 1, f"s-{cid}-{vid}", cid, vid, action, "fm-001",
                                          datetime(2026, 12, 1, tzinfo=UTC), "m-1", **kw))  # fmt: skip


def _env() -> CaseloadStore:
    store = CaseloadStore()
    for c in (
        make_claimant(id="K1", team="T-1", case_manager="fm-001"),
        make_claimant(id="K2", team="T-1", case_manager="fm-001"),
        make_claimant(id="K3", team="T-1", case_manager="fm-002"),
        make_claimant(id="K4", team="T-2", case_manager="fm-003"),
        make_claimant(id="K5", team="T-1", case_manager="fm-001", active=False),
        make_claimant(id="K9", jobcenter="JC-OHA", team="T-1", case_manager="fm-001"),
    ):
        store.claimants[c.id] = c
    _run(store, "n-1", 1, {"K1": ["V1", "V2"], "K3": ["V5"]})
    _run(store, "n-2", 2, {"K1": ["V2", "V3", "V4"], "K2": ["V1"], "K3": ["V5"], "K4": ["V6"], "K9": ["V7"]})
    _run(store, "n-3", 3, {"K1": ["V8"]}, status="running")  # not complete: not read
    return store


def test_a_case_manager_sees_their_own_claimants_with_what_is_new_since_yesterday() -> None:
    store = _env()
    _act(store, "K1", "V2", FeedbackAction.PROPOSED, confirmed_by="Frau Schulz")
    _act(store, "K1", "V1", FeedbackAction.PROPOSED, confirmed_by="Frau Schulz")
    _act(store, "K1", "V1", FeedbackAction.REJECTED, reason_code="commute")  # no longer open
    _act(store, "K1", "V3", FeedbackAction.APPLIED)
    out = CaseloadReads(store).caseload(CM)
    assert (out.scope, out.case_managers, out.teams) == ("case_manager", ("fm-001",), ("T-1",))
    assert (out.latest and out.latest.run_id, out.previous and out.previous.run_id) == ("n-2", "n-1")
    assert out.latest is not None and str(out.latest.day) == "2026-12-02"
    assert out.latest.versions == {"model": "m-1", "index": "i-1", "embedder": "e-1"}
    got = {x.claimant.id: [(e.row.vacancy_id, e.new) for e in x.entries] for x in out.claimants}
    # K1 had V2 yesterday: V3 and V4 are new; K2 was in no list yesterday: V1 is new. K5 is inactive.
    assert got == {"K1": [("V2", False), ("V3", True), ("V4", True)], "K2": [("V1", True)]}
    assert [x.new_count for x in out.claimants] == [2, 1]
    opened = {
        x.claimant.id: [(a.vacancy_id, a.action.value) for a in x.open_proposals] for x in out.claimants
    }
    assert opened == {"K1": [("V2", "proposed"), ("V3", "applied")], "K2": []}
    assert store.audit[-1]["action"] == "caseload.read"
    assert store.audit[-1]["payload"] == {"role": "case_manager", "case_manager": None, "run_id": "n-2",
                                          "claimant_ids": ["K1", "K2"]}  # fmt: skip


def test_a_team_lead_sees_the_team_and_may_pick_one_case_manager() -> None:
    store = _env()
    out = CaseloadReads(store).caseload(LEAD)
    assert out.scope == "team" and out.teams == ("T-1",)
    assert [x.claimant.id for x in out.claimants] == ["K1", "K2", "K3"]
    assert [(e.row.vacancy_id, e.new) for e in out.claimants[2].entries] == [("V5", False)]
    one = CaseloadReads(store).caseload(LEAD, "fm-002")
    assert [x.claimant.id for x in one.claimants] == ["K3"]
    # A lead named in the settings leads those teams, whether or not they hold a caseload.
    named = CaseloadReads(store, team_leads={"Herr Meier": ("T-2",)}).caseload(LEAD_NAMED)
    assert [x.claimant.id for x in named.claimants] == ["K4"]
    # A case manager of another team asked for: none (not an error that tells who exists).
    assert CaseloadReads(store).caseload(LEAD, "fm-003").claimants == ()


def test_other_jobcenters_other_case_managers_and_unscoped_roles() -> None:
    store = _env()
    assert [x.claimant.id for x in CaseloadReads(store).caseload(CM_OHA).claimants] == ["K9"]
    assert [x.claimant.id for x in CaseloadReads(store).caseload(CM2).claimants] == ["K3"]
    with pytest.raises(NotPermitted):
        CaseloadReads(store).caseload(CM, "fm-002")
    with pytest.raises(NotPermitted):
        CaseloadReads(store).caseload(ADMIN)


def test_a_claimant_handed_over_moves_with_the_record_not_the_row() -> None:
    store = _env()
    store.claimants["K3"] = dataclasses.replace(store.claimants["K3"], case_manager="fm-001")
    out = CaseloadReads(store).caseload(CM)
    assert [x.claimant.id for x in out.claimants] == ["K1", "K2", "K3"]
    assert [e.row.vacancy_id for e in out.claimants[2].entries] == ["V5"]  # the row still names fm-002
    assert [x.claimant.id for x in CaseloadReads(store).caseload(CM2).claimants] == []


def test_no_run_yet() -> None:
    store = CaseloadStore()
    store.claimants["K1"] = make_claimant(id="K1")
    out = CaseloadReads(store).caseload(CM)
    assert (out.latest, out.previous) == (None, None)
    assert [(x.claimant.id, x.entries) for x in out.claimants] == [("K1", ())]


def test_the_runs_and_one_runs_list_for_the_caller() -> None:
    store = _env()
    runs = CaseloadReads(store).runs(CM)
    assert [(r.run_id, str(r.day), n) for r, n in runs] == [
        ("n-2", "2026-12-02", 4),
        ("n-1", "2026-12-01", 2),
    ]
    lead_runs = CaseloadReads(store).runs(LEAD)
    assert [(r.run_id, n) for r, n in lead_runs] == [("n-2", 5), ("n-1", 3)]
    one = CaseloadReads(store).run_list(CM, "n-2")
    assert [(r.claimant_id, r.rank, r.vacancy_id) for r in one.rows] == [
        ("K1", 1, "V2"), ("K1", 2, "V3"), ("K1", 3, "V4"), ("K2", 1, "V1")]  # fmt: skip
    assert one.run.versions["model"] == "m-1" and one.case_managers == ("fm-001",)
    entry = store.audit[-1]
    assert (entry["action"], entry["model_version"], entry["payload"]["claimant_ids"]) == (
        "nightly.list", "m-1", ["K1", "K2"])  # fmt: skip
    assert [r.claimant_id for r in CaseloadReads(store).run_list(CM_OHA, "n-2").rows] == ["K9"]
    for run_id in ("n-3", "n-404"):  # running, unknown
        with pytest.raises(UnknownRun):
            CaseloadReads(store).run_list(CM, run_id)
