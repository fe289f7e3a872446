"""GET /claimants/{id}/measures: the Förderempfehlung through HTTP, authorised and audited."""

from __future__ import annotations

from tests.api.conftest import JC_A, JC_B, ApiEnv


def _claimant_with_measures(api: ApiEnv) -> str:
    """A JC-GOE claimant without class B (licence and more apply), the first by id."""
    return next(
        c.id
        for c in sorted(api.claimants, key=lambda c: c.id)
        if c.jobcenter == JC_A and "B" not in c.licences
    )


def test_measures_follow_the_contract_and_are_audited(api_ro: ApiEnv) -> None:
    cid = _claimant_with_measures(api_ro)
    r = api_ro.client.get(f"/claimants/{cid}/measures", headers=api_ro.headers("cm"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["claimant_id"] == cid and body["k"] == 10 and body["market_months"] == 12
    keys = [m["key"] for m in body["measures"]]
    assert sorted(keys) == sorted(
        ["licence_b", "licence_ce", "german_plus1", "german_b2", "qualification_plus1", "childcare", "car",
         "commute_allowance"]
    )  # fmt: skip
    by_key = {m["key"]: m for m in body["measures"]}
    assert by_key["licence_b"]["applies"] and by_key["licence_b"]["changes"][0]["field"] == "licences"
    assert not by_key["car"]["applies"] and by_key["car"]["gain"] == 0.0 and not by_key["car"]["offered"]
    assert [m["key"] for m in body["measures"] if m["offered"]][:3] == body["offered"]
    for m in body["measures"]:
        assert m["gain"] == round(m["expected_after"] - m["expected_before"], 4)
        assert not m["offered"] or m["gain"] >= 0.01
    assert "keine Zusage" in body["notice"]
    entry = api_ro.store.get_audit(body["audit_id"])
    assert entry is not None and entry.action == "measures" and entry.claimant_id == cid
    assert entry.who == "test-cm" and len(entry.payload["measures"]) == 8
    # Deterministic: the same figures on a second call (another audit entry).
    again = api_ro.client.get(f"/claimants/{cid}/measures", headers=api_ro.headers("cm")).json()
    assert again["measures"] == body["measures"] and again["audit_id"] != body["audit_id"]


def test_another_jobcenters_case_manager_gets_404_like_a_missing_id(api_ro: ApiEnv) -> None:
    cid = _claimant_with_measures(api_ro)
    other = api_ro.client.get(f"/claimants/{cid}/measures", headers=api_ro.headers("cm_oha"))
    missing = api_ro.client.get("/claimants/K-NOPE/measures", headers=api_ro.headers("cm_oha"))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    own = next(c.id for c in api_ro.claimants if c.jobcenter == JC_B)
    assert (
        api_ro.client.get(f"/claimants/{own}/measures", headers=api_ro.headers("cm_oha")).status_code == 200
    )
    assert api_ro.client.get(f"/claimants/{cid}/measures").status_code == 401


def test_a_new_vacancy_reaches_the_market_sample_at_once(api: ApiEnv) -> None:
    """K-000003 wishes sales work and has no car: a sales vacancy asking for CE is opened by CE."""
    from tests.api.test_vacancies import CID, NEW

    def measures() -> dict[str, dict[str, object]]:
        r = api.client.get(f"/claimants/{CID}/measures", headers=api.headers("cm"))
        assert r.status_code == 200, r.text
        return {m["key"]: m for m in r.json()["measures"]}

    before = measures()
    claimant = api.client.get(f"/claimants/{CID}", headers=api.headers("cm")).json()
    wants = "licence_ce" if "B" in claimant["licences"] else "licence_b"
    licence = ["CE"] if wants == "licence_ce" else ["B"]
    body = {**NEW, "shifts": "day", "licences": licence, "german_level": "A1"}
    assert api.client.post("/vacancies", json=body, headers=api.headers("admin")).status_code == 201
    after = measures()
    opened = {o["vacancy_id"] for o in after[wants]["opened"]}  # type: ignore[union-attr]
    assert NEW["id"] in opened
    assert after[wants]["newly_eligible"] == before[wants]["newly_eligible"] + 1  # type: ignore[operator]
