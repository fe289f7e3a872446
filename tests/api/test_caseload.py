"""My caseload and the nightly runs through the API: after `passgenau nightly` (the runner, in
process) a case manager reads their claimants' lists, a team lead the team's, and nobody another
Jobcenter's; the runs carry their day and versions; every read is audit-logged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from api.auth import create_token
from tests.api.conftest import JC_A, JC_B, ApiEnv


def run_nightly(api: ApiEnv, run_id: str) -> None:
    from matcher.bootstrap import Services
    from matcher.cli.nightly import build_context
    from matcher.nightly.engines import LocalEngine
    from matcher.nightly.runner import NightlyRunner

    s = api.settings
    ctx = build_context(
        Services(s, store=api.store, encoder=api.encoder, scorer=Services(s).scorer()), progress=False
    )
    out: Path = s.data_dir / "nightly"
    NightlyRunner(
        ctx, api.store, s.nightly, out_dir=out, run_id=run_id, engine=LocalEngine(), progress=False
    ).run()


def _token(api: ApiEnv, name: str, role: str, jobcenter: str = JC_A) -> dict[str, str]:
    _, secret = create_token(api.store, name, role, jobcenter)
    return {"Authorization": f"Bearer {secret}"}


def _own(api: ApiEnv, case_manager: str) -> list[str]:
    return sorted(c.id for c in api.claimants if c.case_manager == case_manager and c.active)


def test_the_caseload_after_two_nightly_runs(api: ApiEnv) -> None:
    fm = _token(api, "fm-007", "case_manager")
    before = api.client.get("/caseload", headers=fm)
    assert before.status_code == 200
    assert before.json()["latest_run"] is None
    assert [c["entries"] for c in before.json()["claimants"]] == [[] for _ in _own(api, "fm-007")]

    run_nightly(api, "night-1")
    body = api.client.get("/caseload", headers=fm).json()
    assert body["scope"] == "case_manager" and body["case_managers"] == ["fm-007"]
    assert body["latest_run"]["run_id"] == "night-1" and body["previous_run"] is None
    assert body["latest_run"]["day"] == api.as_of.isoformat()
    assert set(body["latest_run"]["versions"]) == {"embedder", "index", "model"}
    assert [c["claimant_id"] for c in body["claimants"]] == _own(api, "fm-007")
    stored = Counter(r.claimant_id for r in api.store.list_nightly("night-1", case_manager="fm-007"))
    assert {c["claimant_id"]: len(c["entries"]) for c in body["claimants"] if c["entries"]} == dict(stored)
    # The first run: everything is new.
    assert all(e["new"] for c in body["claimants"] for e in c["entries"])
    assert [c["new_count"] for c in body["claimants"]] == [len(c["entries"]) for c in body["claimants"]]
    first = body["claimants"][0]["entries"][0]
    assert first["rank"] == 1 and first["title"] and 0 < first["score"] < 1 and first["reasons"]

    # Propose the first suggestion: it shows as an open proposal of that claimant.
    cid = body["claimants"][0]["claimant_id"]
    s = api.client.get(f"/claimants/{cid}/suggestions?k=1", headers=fm).json()["suggestions"][0]
    r = api.client.post(f"/suggestions/{s['suggestion_id']}/feedback", headers=fm,
                        json={"action": "proposed", "confirmed_by": "fm-007"})  # fmt: skip
    assert r.status_code == 201, r.text

    run_nightly(api, "night-2")  # the same inputs: the same lists, nothing new
    body = api.client.get("/caseload", headers=fm).json()
    assert (body["latest_run"]["run_id"], body["previous_run"]["run_id"]) == ("night-2", "night-1")
    assert [c["new_count"] for c in body["claimants"]] == [0] * len(body["claimants"])
    opened = body["claimants"][0]["open_proposals"]
    assert [(o["vacancy_id"], o["action"], o["confirmed_by"]) for o in opened] == [
        (s["vacancy_id"], "proposed", "fm-007")]  # fmt: skip

    entry = api.store.list_audit()[-1]
    assert (entry.who, entry.action) == ("fm-007", "caseload.read")
    assert entry.payload["claimant_ids"] == _own(api, "fm-007")


def test_team_leads_case_managers_and_other_jobcenters(api: ApiEnv) -> None:
    run_nightly(api, "night-1")
    lead = _token(api, "fm-007", "team_lead")  # leads GOE-Mitte, where they hold a caseload
    body = api.client.get("/caseload", headers=lead).json()
    team = sorted(c.id for c in api.claimants if c.jobcenter == JC_A and c.team == "GOE-Mitte" and c.active)
    assert body["scope"] == "team" and body["teams"] == ["GOE-Mitte"]
    assert [c["claimant_id"] for c in body["claimants"]] == team
    one = api.client.get("/caseload?case_manager=fm-003", headers=lead).json()
    assert [c["claimant_id"] for c in one["claimants"]] == _own(api, "fm-003")

    fm = _token(api, "fm-003", "case_manager")
    assert api.client.get("/caseload?case_manager=fm-007", headers=fm).status_code == 403
    # The same case manager name in another Jobcenter: none of JC-GOE's claimants.
    other = _token(api, "fm-003", "case_manager", JC_B)
    assert api.client.get("/caseload", headers=other).json()["claimants"] == []
    assert api.client.get("/caseload", headers=api.headers("admin")).status_code == 403
    assert api.client.get("/caseload", headers=api.headers("batch")).status_code == 403
    assert api.client.get("/caseload").status_code == 401


def test_the_nightly_runs_per_case_manager(api: ApiEnv) -> None:
    fm = _token(api, "fm-007", "case_manager")
    assert api.client.get("/nightly/runs", headers=fm).json() == {"runs": []}
    run_nightly(api, "night-1")
    runs = api.client.get("/nightly/runs", headers=fm).json()["runs"]
    mine = api.store.list_nightly("night-1", case_manager="fm-007")
    assert [(r["run_id"], r["day"], r["entries"]) for r in runs] == [
        ("night-1", api.as_of.isoformat(), len(mine))
    ]
    assert runs[0]["versions"]["model"] and runs[0]["finished"]
    one = api.client.get("/nightly/runs/night-1", headers=fm).json()
    assert [(e["claimant_id"], e["rank"], e["vacancy_id"]) for e in one["entries"]] == [
        (r.claimant_id, r.rank, r.vacancy_id) for r in mine]  # fmt: skip
    assert one["run"]["versions"] == runs[0]["versions"] and one["case_managers"] == ["fm-007"]
    assert api.client.get("/nightly/runs/night-9", headers=fm).status_code == 404
    bad = api.client.get("/nightly/runs/night-1?case_manager=<x>", headers=fm)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "case_manager"]
    assert api.client.get("/nightly/runs", headers=api.headers("cm_oha")).json()["runs"][0]["entries"] == 0
