"""Feedback on a shown suggestion (tied to the list, model version and scores that were shown) and
placement outcomes."""

from __future__ import annotations

from api.auth import create_token
from matcher.domain import FeedbackAction
from tests.api.conftest import JC_A, JC_B, ApiEnv


def _list(api: ApiEnv, who: str = "cm") -> dict:  # type: ignore[type-arg]
    for cid in api.ids(JC_A):
        body = api.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api.headers(who)).json()
        if len(body["suggestions"]) == 5:
            return body  # type: ignore[no-any-return]
    raise AssertionError("no claimant with five suggestions")


def test_feedback_rules_and_storage(api: ApiEnv) -> None:
    body = _list(api)
    s1, s2, s3 = body["suggestions"][:3]
    h = api.headers("cm")
    post = api.client.post
    # "proposed" needs a named, confirming case manager; "rejected" a reason code.
    for payload, field in (
        ({"action": "proposed"}, "confirmed_by"),
        ({"action": "proposed", "confirmed_by": "   "}, "confirmed_by"),
        ({"action": "rejected"}, "reason_code"),
        ({"action": "rejected", "reason_code": "zu weit!"}, "reason_code"),
        ({"action": "maybe"}, "action"),
        ({}, "action"),
        ({"action": "applied", "extra": 1}, "extra"),
        ({"action": "applied", "confirmed_by": "x" * 129}, "confirmed_by"),
    ):
        r = post(f"/suggestions/{s1['suggestion_id']}/feedback", json=payload, headers=h)
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["detail"][0]["loc"][-1] == field, (payload, r.json())
    assert api.store.list_actions() == []
    r = post(f"/suggestions/{s1['suggestion_id']}/feedback", json={"action": "proposed", "confirmed_by": "Frau Schulz"},
             headers=h)  # fmt: skip
    assert r.status_code == 201
    out = r.json()
    assert (out["claimant_id"], out["vacancy_id"], out["action"]) == (
        body["claimant_id"],
        s1["vacancy_id"],
        "proposed",
    )
    assert out["model_version"] == body["model_version"] and out["confirmed_by"] == "Frau Schulz"
    assert post(f"/suggestions/{s2['suggestion_id']}/feedback", json={"action": "rejected", "reason_code": "commute"},
                headers=api.headers("lead")).status_code == 201  # fmt: skip
    assert (
        post(f"/suggestions/{s3['suggestion_id']}/feedback", json={"action": "hired"}, headers=h).status_code
        == 201
    )
    stored = {
        (f.vacancy_id, f.action, f.user, f.reason_code, f.confirmed_by) for f in api.store.list_actions()
    }
    assert stored == {
        (s1["vacancy_id"], FeedbackAction.PROPOSED, "test-cm", None, "Frau Schulz"),
        (s2["vacancy_id"], FeedbackAction.REJECTED, "test-lead", "commute", None),
        (s3["vacancy_id"], FeedbackAction.HIRED, "test-cm", None, None),
    }
    # Unknown or malformed suggestion ids.
    for sid, status in (("999-1", 404), (f"{body['audit_id']}-99", 404), ("1-x", 422), ("abc", 422)):
        r = post(f"/suggestions/{sid}/feedback", json={"action": "applied"}, headers=h)
        assert r.status_code == status, sid
    # A suggestion id of a non-lookup audit entry (a claimant read) is no suggestion.
    api.client.get(f"/claimants/{body['claimant_id']}", headers=h)
    read_id = api.store.list_audit()[-1].id
    assert (
        post(f"/suggestions/{read_id}-1/feedback", json={"action": "applied"}, headers=h).status_code == 404
    )


def test_feedback_on_candidates(api: ApiEnv) -> None:
    vid = api.vacancies[5].id
    cands = api.client.get(f"/vacancies/{vid}/candidates?k=3", headers=api.headers("lead")).json()[
        "candidates"
    ]
    r = api.client.post(f"/suggestions/{cands[0]['suggestion_id']}/feedback", json={"action": "applied"},
                        headers=api.headers("cm"))  # fmt: skip
    assert r.status_code == 201 and (r.json()["claimant_id"], r.json()["vacancy_id"]) == (
        cands[0]["claimant_id"],
        vid,
    )


def test_outcomes(api: ApiEnv) -> None:
    cid, vid = api.ids(JC_A)[0], api.vacancies[0].id
    good = {"id": "O-1", "claimant_id": cid, "vacancy_id": vid, "start": "2025-06-01", "end": "2026-09-30",
            "employed_12m": True}  # fmt: skip
    r = api.client.post("/outcomes", json=good, headers=api.headers("batch"))
    assert r.status_code == 201 and r.json()["benefits_12m"] is False
    (o,) = api.store.list_outcomes()
    assert o.claimant_snapshot["id"] == cid and o.vacancy_snapshot["id"] == vid
    for change, status, field in (
        ({"end": "2025-08-01"}, 422, "employed_12m"),  # ended within 12 months, yet employed after 12?
        ({"end": "2025-01-01", "employed_12m": False}, 422, "end"),
        ({"start": "gestern"}, 422, "start"),
        ({"claimant_id": "K-nope"}, 404, None),
        ({"vacancy_id": "V-nope"}, 404, None),
    ):
        r = api.client.post("/outcomes", json={**good, "id": "O-2", **change}, headers=api.headers("lead"))
        assert r.status_code == status, (change, r.text)
        if field:
            assert r.json()["detail"][0]["loc"][-1] == field
    # A team lead records outcomes of their own Jobcenter only.
    other = next(c.id for c in api.claimants if c.jobcenter != JC_A)
    r = api.client.post(
        "/outcomes", json={**good, "id": "O-3", "claimant_id": other}, headers=api.headers("lead")
    )
    assert (r.status_code, r.json()) == (404, {"detail": "no such claimant"})
    assert [o.id for o in api.store.list_outcomes()] == ["O-1"]


def test_outcome_of_another_jobcenter_is_not_overwritten(api: ApiEnv) -> None:
    """The probe's request: a team lead of JC-OHA posts JC-GOE's outcome id with an OHA claimant."""
    cid, vid = api.ids(JC_A)[0], api.vacancies[0].id
    good = {"id": "O-000001", "claimant_id": cid, "vacancy_id": vid, "start": "2025-06-01", "end": None,
            "employed_12m": True}  # fmt: skip
    assert api.client.post("/outcomes", json=good, headers=api.headers("lead")).status_code == 201
    _, lead_oha = create_token(api.store, "test-lead-oha", "team_lead", JC_B)
    other = api.ids(JC_B)[0]
    attack = {**good, "claimant_id": other, "end": "2025-07-01", "employed_12m": False}
    r = api.client.post("/outcomes", json=attack, headers={"Authorization": f"Bearer {lead_oha}"})
    assert (r.status_code, r.json()) == (409, {"detail": "this outcome id is already in use"})
    (o,) = api.store.list_outcomes()
    assert (o.claimant_id, o.end, o.employed_12m) == (cid, None, True)
    # The owner's own team lead may still correct it.
    fixed = {**good, "end": "2026-09-30", "employed_12m": True}
    assert api.client.post("/outcomes", json=fixed, headers=api.headers("lead")).status_code == 201
    (o,) = api.store.list_outcomes()
    assert str(o.end) == "2026-09-30"


def test_the_confirming_person_must_be_known(api: ApiEnv) -> None:
    """Issue 16, defect 7: ``confirmed_by`` names the caller or an active case manager or team lead
    of the suggestion's Jobcenter; anyone else is a 422 at that field, and nothing is stored."""
    sid = _list(api)["suggestions"][0]["suggestion_id"]
    url = f"/suggestions/{sid}/feedback"
    h = api.headers("cm")
    for name in ("Jemand Erfundenes", "Herr Yilmaz", "test-admin", "test-revoked", "test-cm_oha"):
        r = api.client.post(url, json={"action": "proposed", "confirmed_by": name}, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "confirmed_by"], name
        assert name not in r.text
    assert api.store.list_actions() == []
    for name in ("test-cm", "Herr Kaya", "test-lead"):
        r = api.client.post(url, json={"action": "proposed", "confirmed_by": name}, headers=h)
        assert (r.status_code, r.json()["confirmed_by"]) == (201, name)
