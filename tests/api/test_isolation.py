"""Jobcenter isolation: a case manager of JC-GOE gets, for every claimant of JC-OHA on every
claimant endpoint, exactly the answer a missing id gets (status and body)."""

from __future__ import annotations

import random

from tests.api.conftest import JC_A, JC_B, ApiEnv

BODY = {"team": "T", "case_manager": "fm-1", "postcode": "37073", "skill_level": 1, "german_level": "B1",
        "available_hours": 30}  # fmt: skip


def _answers(env: ApiEnv, who: str, cid: str) -> list[tuple[int, object]]:
    h = env.headers(who)
    c = env.client
    out = []
    for method, path, body in [
        ("GET", f"/claimants/{cid}", None),
        ("GET", f"/claimants/{cid}/suggestions?k=5", None),
        ("PUT", f"/claimants/{cid}", BODY),
        ("DELETE", f"/claimants/{cid}", None),
    ]:
        r = c.request(method, path, headers=h, json=body)
        out.append((r.status_code, r.json()))
    return out


def test_other_jobcenters_claimants_answer_like_missing_ones(api: ApiEnv) -> None:
    rng = random.Random(5)
    foreign = api.ids(JC_B)
    missing = [f"K-{rng.randrange(10**6, 10**7)}" for _ in range(len(foreign))] + [
        "x",
        "K-000000",
        "k-000001",
    ]
    for who, statuses in (("cm", [404, 404, 404, 403]), ("lead", [404, 404, 404, 404])):
        # A case manager may not erase at all (403 whoever the claimant is); a team lead may.
        reference = _answers(api, who, "K-does-not-exist")
        assert [s for s, _ in reference] == statuses
        assert reference[0][1] == {"detail": "no such claimant"}
        for cid in [*foreign, *missing]:
            assert _answers(api, who, cid) == reference, (who, cid)
    # ... and nothing of JC-OHA was changed or erased by those calls.
    assert sorted(c.id for c in api.store.list_claimants(jobcenter=JC_B)) == foreign
    # The JC-OHA case manager still reads them, and JC-GOE's answer like missing ones for them.
    assert api.client.get(f"/claimants/{foreign[0]}", headers=api.headers("cm_oha")).status_code == 200
    assert _answers(api, "cm_oha", api.ids(JC_A)[0]) == _answers(api, "cm_oha", "K-does-not-exist")


def test_feedback_on_other_jobcenters_lists_answers_like_a_missing_suggestion(api: ApiEnv) -> None:
    sids = []
    for cid in api.ids(JC_B):
        r = api.client.get(f"/claimants/{cid}/suggestions?k=3", headers=api.headers("cm_oha"))
        assert r.status_code == 200
        sids += [s["suggestion_id"] for s in r.json()["suggestions"]]
    assert len(sids) >= 10
    missing_answer = api.client.post(
        "/suggestions/999999-1/feedback", headers=api.headers("cm"), json={"action": "applied"}
    )
    assert missing_answer.status_code == 404
    for sid in sids:
        for action in ({"action": "applied"}, {"action": "proposed", "confirmed_by": "Frau Schulz"}):
            r = api.client.post(f"/suggestions/{sid}/feedback", headers=api.headers("cm"), json=action)
            assert (r.status_code, r.json()) == (404, missing_answer.json()), sid
    assert api.store.list_actions() == []


def test_searches_and_candidates_show_only_the_own_jobcenter(api: ApiEnv) -> None:
    r = api.client.get("/claimants?limit=200", headers=api.headers("cm"))
    assert [c["id"] for c in r.json()["claimants"]] == api.ids(JC_A)
    r = api.client.get("/claimants?limit=200", headers=api.headers("admin"))
    assert len(r.json()["claimants"]) == len(api.claimants)
    seen_a, seen_b = set(), set()
    for v in api.vacancies[:20]:
        for who, seen in (("cm", seen_a), ("cm_oha", seen_b)):
            r = api.client.get(f"/vacancies/{v.id}/candidates?k=100", headers=api.headers(who))
            if r.status_code == 200:
                seen |= {c["claimant_id"] for c in r.json()["candidates"]}
    assert seen_a and seen_b
    assert seen_a <= set(api.ids(JC_A)) and seen_b <= set(api.ids(JC_B))


def test_denied_attempts_leave_an_audit_entry(api: ApiEnv) -> None:
    """Issue 16, defect 10: an attempt on another Jobcenter's claimant, list or outcome is audited:
    who, what they asked for (their own id), nothing of the other Jobcenter's record."""
    foreign = api.ids(JC_B)[0]
    r = api.client.get(f"/claimants/{foreign}/suggestions?k=3", headers=api.headers("cm_oha"))
    sid = r.json()["suggestions"][0]["suggestion_id"]
    before = {e.id for e in api.store.list_audit()}
    h = api.headers("cm")
    assert api.client.get(f"/claimants/{foreign}", headers=h).status_code == 404
    assert api.client.get("/claimants/K-does-not-exist", headers=h).status_code == 404  # missing: no entry
    assert (
        api.client.post(f"/suggestions/{sid}/feedback", json={"action": "applied"}, headers=h).status_code
        == 404
    )
    new = [e for e in api.store.list_audit() if e.id not in before]
    assert sorted((e.payload["record"], e.who, e.action, e.claimant_id) for e in new) == [
        ("claimant", "test-cm", "access.denied", foreign),
        ("suggestion", "test-cm", "access.denied", None),
    ]
    assert [e.payload for e in sorted(new, key=lambda e: e.payload["record"])] == [
        {"role": "case_manager", "record": "claimant"},
        {"role": "case_manager", "record": "suggestion", "suggestion_id": sid},
    ]


def test_answers_with_personal_data_are_not_stored_by_caches(api_ro: ApiEnv) -> None:
    """Issue 16, defect 10: every answer to a request with a token is ``Cache-Control: no-store``."""
    cid = api_ro.ids(JC_A)[0]
    h = api_ro.headers("cm")
    for r in (
        api_ro.client.get(f"/claimants/{cid}", headers=h),
        api_ro.client.get(f"/claimants/{cid}/suggestions?k=3", headers=h),
        api_ro.client.get("/claimants?q=K", headers=h),
        api_ro.client.get("/claimants/K-does-not-exist", headers=h),
        api_ro.client.post("/claimants", content=b"{", headers={"Authorization": "Bearer pg_x"}),
    ):
        assert r.headers["cache-control"] == "no-store", r.request.url
    assert "no-store" not in api_ro.client.get("/health").headers.get("cache-control", "")
