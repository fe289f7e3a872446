"""The proposal history through the API: a reload hands out the same suggestion ids and marks what
was handled; the claimant's and the vacancy's histories list every action, oldest first; another
Jobcenter's history answers 404 like a missing one; reads are audited."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import JC_A, JC_B, ApiEnv


def _suggestions(api: ApiEnv, cid: str, who: str = "cm") -> dict[str, Any]:
    r = api.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api.headers(who))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _claimant_with_list(api: ApiEnv) -> tuple[str, dict[str, Any]]:
    for cid in api.ids(JC_A):
        body = _suggestions(api, cid)
        if len(body["suggestions"]) == 5:
            return cid, body
    raise AssertionError("no claimant with five suggestions")


def _act(api: ApiEnv, sid: str, payload: dict[str, Any], who: str = "cm") -> dict[str, Any]:
    r = api.client.post(f"/suggestions/{sid}/feedback", json=payload, headers=api.headers(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_reload_keeps_ids_marks_what_was_handled_and_history_appends(api: ApiEnv) -> None:
    cid, first = _claimant_with_list(api)
    s1, s2 = first["suggestions"][:2]
    proposed = _act(api, s1["suggestion_id"], {"action": "proposed", "confirmed_by": "Frau Schulz"})
    rejected = _act(api, s2["suggestion_id"], {"action": "rejected", "reason_code": "childcare"})

    again = _suggestions(api, cid)
    assert again["audit_id"] != first["audit_id"]
    # The same list entries, the same ids: feedback from the old page and the new one meet.
    assert [s["suggestion_id"] for s in again["suggestions"]] == [
        s["suggestion_id"] for s in first["suggestions"]
    ]
    marks = {s["vacancy_id"]: s["handled"] for s in again["suggestions"]}
    assert marks[s1["vacancy_id"]] is not None and marks[s2["vacancy_id"]] is not None
    assert (marks[s1["vacancy_id"]]["action"], marks[s1["vacancy_id"]]["user"],
            marks[s1["vacancy_id"]]["confirmed_by"]) == ("proposed", "test-cm", "Frau Schulz")  # fmt: skip
    assert (marks[s2["vacancy_id"]]["action"], marks[s2["vacancy_id"]]["reason_code"]) == (
        "rejected",
        "childcare",
    )
    assert [v for v, m in marks.items() if m is None] == [s["vacancy_id"] for s in first["suggestions"][2:]]

    # A second action on the same entry adds a line; nothing is replaced.
    applied = _act(api, s1["suggestion_id"], {"action": "applied"}, who="lead")
    h = api.client.get(f"/claimants/{cid}/proposals", headers=api.headers("cm"))
    assert h.status_code == 200, h.text
    entries = h.json()["entries"]
    assert [e["feedback_id"] for e in entries] == [
        proposed["feedback_id"],
        rejected["feedback_id"],
        applied["feedback_id"],
    ]
    assert [
        (e["vacancy_id"], e["action"], e["user"], e["confirmed_by"], e["reason_code"]) for e in entries
    ] == [
        (s1["vacancy_id"], "proposed", "test-cm", "Frau Schulz", None),
        (s2["vacancy_id"], "rejected", "test-cm", None, "childcare"),
        (s1["vacancy_id"], "applied", "test-lead", None, None),
    ]
    assert entries[0]["vacancy_title"] == s1["title"] and entries[0]["at"] == proposed["at"]
    # The list marks the latest action.
    latest = {s["vacancy_id"]: s["handled"] for s in _suggestions(api, cid)["suggestions"]}
    assert latest[s1["vacancy_id"]]["action"] == "applied"

    v = api.client.get(f"/vacancies/{s1['vacancy_id']}/proposals", headers=api.headers("cm")).json()
    assert v["vacancy_id"] == s1["vacancy_id"]
    assert [(e["claimant_id"], e["action"]) for e in v["entries"]] == [(cid, "proposed"), (cid, "applied")]

    reads = [e for e in api.store.list_audit() if e.action in ("claimant.proposals", "vacancy.proposals")]
    assert [(e.action, e.who, e.claimant_id) for e in reads] == [
        ("claimant.proposals", "test-cm", cid),
        ("vacancy.proposals", "test-cm", None),
    ]
    assert reads[1].payload["claimant_ids"] == [cid]


def test_another_jobcenters_history_answers_like_a_missing_one(api: ApiEnv) -> None:
    cid, body = _claimant_with_list(api)
    s = body["suggestions"][0]
    _act(api, s["suggestion_id"], {"action": "proposed", "confirmed_by": "Frau Schulz"})
    other = api.client.get(f"/claimants/{cid}/proposals", headers=api.headers("cm_oha"))
    missing = api.client.get("/claimants/K-NOPE/proposals", headers=api.headers("cm_oha"))
    assert (other.status_code, other.json()) == (missing.status_code, missing.json()) == (404, missing.json())
    # The vacancy is shared; its history holds only the caller's own Jobcenter's actions.
    theirs = api.client.get(f"/vacancies/{s['vacancy_id']}/proposals", headers=api.headers("cm_oha"))
    assert theirs.status_code == 200 and theirs.json()["entries"] == []
    assert api.client.get("/vacancies/V-NOPE/proposals", headers=api.headers("cm")).status_code == 404
    # A Jobcenter B claimant's list marks nothing of Jobcenter A.
    cid_b = api.ids(JC_B)[0]
    assert all(x["handled"] is None for x in _suggestions(api, cid_b, "cm_oha")["suggestions"])
    # Roles without suggestions have no history either.
    assert api.client.get(f"/claimants/{cid}/proposals", headers=api.headers("admin")).status_code == 403
    denied = [e for e in api.store.list_audit() if e.action == "access.denied"]
    assert [(e.who, e.claimant_id) for e in denied] == [("test-cm_oha", cid)]


def test_a_pair_has_the_lists_commute_and_answers_404_for_another_jobcenter(api_ro: ApiEnv) -> None:
    api = api_ro
    cid, body = _claimant_with_list(api)
    s = body["suggestions"][0]
    r = api.client.get(f"/claimants/{cid}/vacancies/{s['vacancy_id']}", headers=api.headers("cm"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["claimant_id"], got["vacancy_id"], got["failed"]) == (cid, s["vacancy_id"], [])
    assert (got["commute_minutes"], got["commute_limit"], got["commute_mode"], got["distance_km"]) == (
        s["commute_minutes"], s["commute_limit"], s["commute_mode"], s["distance_km"])  # fmt: skip
    assert api.store.list_audit()[-1].action == "claimant.pair"
    other = api.client.get(f"/claimants/{cid}/vacancies/{s['vacancy_id']}", headers=api.headers("cm_oha"))
    missing = api.client.get(f"/claimants/K-NOPE/vacancies/{s['vacancy_id']}", headers=api.headers("cm_oha"))
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    assert api.client.get(f"/claimants/{cid}/vacancies/V-NOPE", headers=api.headers("cm")).status_code == 404
    # A vacancy the claimant's filters exclude: the failed filters are named.
    far = [
        api.client.get(f"/claimants/{cid}/vacancies/{v.id}", headers=api.headers("cm")).json()
        for v in api.vacancies[:40]
        if not v.filled
    ]
    assert any(f.get("failed") for f in far)


def test_hide_leaves_handled_vacancies_out_and_replays_identically(api: ApiEnv) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from matcher.bootstrap import Services
    from matcher.settings import RankingSettings
    from matcher.usecases.replay import replay

    settings = api.settings.model_copy(update={"ranking": RankingSettings(handled="hide")})
    with TestClient(create_app(settings, encoder=api.encoder, store=api.store)) as client:
        h = api.headers("cm")
        cid = next(
            c
            for c in api.ids(JC_A)
            if len(client.get(f"/claimants/{c}/suggestions?k=6", headers=h).json()["suggestions"]) == 6
        )
        first = client.get(f"/claimants/{cid}/suggestions?k=5", headers=h).json()["suggestions"]
        done = first[1]
        r = client.post(
            f"/suggestions/{done['suggestion_id']}/feedback", json={"action": "applied"}, headers=h
        )
        assert r.status_code == 201
        again = client.get(f"/claimants/{cid}/suggestions?k=5", headers=h).json()
    shown = [s["vacancy_id"] for s in again["suggestions"]]
    assert done["vacancy_id"] not in shown and len(shown) == 5
    assert shown[:4] == [s["vacancy_id"] for s in first if s is not done]
    assert [s["rank"] for s in again["suggestions"]] == [1, 2, 3, 4, 5]
    assert all(s["handled"] is None for s in again["suggestions"])
    entry = api.store.get_audit(again["audit_id"])
    assert entry is not None and entry.payload["hidden"] == [done["vacancy_id"]]
    result = replay(Services(settings, store=api.store, encoder=api.encoder), again["audit_id"])
    assert result.identical, result.differences()
