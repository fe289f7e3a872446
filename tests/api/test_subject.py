"""What a claimant is owed, through HTTP: the Art. 15 Auskunft (team leads of the claimant's own
Jobcenter) and the notice of a confirmed proposal (case managers and team leads, own Jobcenter)."""

from __future__ import annotations

from dataclasses import asdict

from api.auth import create_token
from matcher.pair_explanation import explain_pair
from tests.api.conftest import JC_A, JC_B, ApiEnv


def _proposed(api: ApiEnv) -> tuple[str, dict]:  # type: ignore[type-arg]
    """A claimant of JC-GOE with a list shown and its first item proposed, confirmed by Frau Schulz."""
    for cid in api.ids(JC_A):
        body = api.client.get(f"/claimants/{cid}/suggestions?k=3", headers=api.headers("cm")).json()
        if len(body["suggestions"]) >= 2:
            first = body["suggestions"][0]
            r = api.client.post(f"/suggestions/{first['suggestion_id']}/feedback",
                                json={"action": "proposed", "confirmed_by": "Frau Schulz"},
                                headers=api.headers("cm"))  # fmt: skip
            assert r.status_code == 201, r.text
            return cid, body
    raise AssertionError("no claimant with suggestions")


def test_auskunft_for_a_team_lead_of_the_own_jobcenter(api: ApiEnv) -> None:
    cid, shown = _proposed(api)
    claimant = next(c for c in api.claimants if c.id == cid)
    r = api.client.get(f"/claimants/{cid}/auskunft", headers=api.headers("lead"))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    a = r.json()
    assert (a["claimant_id"], a["jobcenter"], a["generated_by"]) == (cid, JC_A, "test-lead")
    assert a["record"]["desired_occupations"] == list(claimant.desired_occupations)
    assert a["record"]["profile_text"] == claimant.profile_text
    assert a["household"]["rent"] == claimant.household.rent
    expected_health = None if claimant.health_max_load is None else int(claimant.health_max_load)
    assert a["health"]["health_max_load"] == expected_health
    protected = api.store.get_protected([cid])[cid]
    assert (
        a["protected"]["sex"] == protected.sex.value
        and "nie Merkmale des Modells" in a["protected"]["purpose"]
    )
    [lst] = a["lists"]
    assert (lst["lookup_id"], lst["model_version"], lst["index_version"], lst["embedder_id"]) == (
        shown["audit_id"], shown["model_version"], shown["index_version"], shown["embedder_id"],
    )  # fmt: skip
    assert [(i["rank"], i["vacancy_id"], i["title"]) for i in lst["items"]] == [
        (s["rank"], s["vacancy_id"], s["title"]) for s in shown["suggestions"]
    ]
    assert [(x["action"], x["user"], x["confirmed_by"]) for x in a["actions"]] == [
        ("proposed", "test-cm", "Frau Schulz")
    ]
    assert [e["action"] for e in a["audit"]] == ["suggestions", "feedback", "claimant.auskunft"]
    last = api.store.list_audit()[-1]
    assert (last.who, last.action, last.claimant_id, last.id) == (
        "test-lead",
        "claimant.auskunft",
        cid,
        a["audit_id"],
    )
    # The printable page: German, its own style allowed by hash and nothing else.
    page = api.client.get(f"/claimants/{cid}/auskunft?format=html", headers=api.headers("lead"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "style-src 'sha256-" in csp and "script" not in csp
    assert "Auskunft über Ihre gespeicherten Daten" in page.text and "Frau Schulz" in page.text
    assert shown["suggestions"][0]["title"].replace("&", "&amp;") in page.text


def test_auskunft_is_refused_to_other_roles_and_other_jobcenters(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[0]
    for who in ("cm", "admin", "batch", "cm_oha"):
        r = api.client.get(f"/claimants/{cid}/auskunft", headers=api.headers(who))
        assert r.status_code == 403, (who, r.text)
    assert api.client.get(f"/claimants/{cid}/auskunft").status_code == 401
    _, secret = create_token(api.store, "lead-oha", "team_lead", JC_B)
    h = {"Authorization": f"Bearer {secret}"}
    other = api.client.get(f"/claimants/{cid}/auskunft", headers=h)
    missing = api.client.get("/claimants/K-NOPE/auskunft", headers=h)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": "no such claimant"}
    assert not any(e.action == "claimant.auskunft" for e in api.store.list_audit())
    denied = api.store.list_audit()[-1]
    assert (denied.who, denied.action, denied.claimant_id) == ("lead-oha", "access.denied", cid)


def test_the_notice_explains_the_pair_as_the_list_did(api: ApiEnv) -> None:
    cid, shown = _proposed(api)
    first = shown["suggestions"][0]
    # The notice's explanation is the lookup's: same reasons and drivers for the pair.
    rt = api.client.app.state.runtime  # type: ignore[attr-defined]
    e = explain_pair(rt.service, api.store.get_claimant(cid), first["vacancy_id"])
    assert e is not None
    assert e.reason_texts == first["reasons"]
    assert [asdict(d) for d in (*e.drivers_up, *e.drivers_down)] == first["drivers"]
    r = api.client.get(f"/suggestions/{first['suggestion_id']}/notice", headers=api.headers("cm"))
    assert r.status_code == 200, r.text
    n = r.json()
    assert (n["claimant_id"], n["vacancy_id"], n["title"], n["confirmed_by"], n["recorded_by"]) == (
        cid, first["vacancy_id"], first["title"], "Frau Schulz", "test-cm",
    )  # fmt: skip
    assert n["model_version"] == n["explained_with"] == shown["model_version"]
    minutes = f"in etwa {first['commute_minutes']:.0f} Minuten"
    assert minutes in n["reasons"][0]
    assert n["drivers"] == [d["label"] for d in first["drivers"] if d["contribution"] > 0]
    for part in (
        first["title"],
        "passgenau",
        "Frau Schulz hat den Vorschlag",
        "Widerspruch",
        "Art. 22 Abs. 3 DSGVO",
    ):
        assert part in n["text"], part
    audit = api.store.list_audit()[-1]
    assert (audit.who, audit.action, audit.payload["suggestion_id"]) == (
        "test-cm",
        "notice.read",
        first["suggestion_id"],
    )
    page = api.client.get(
        f"/suggestions/{first['suggestion_id']}/notice?format=html", headers=api.headers("lead")
    )
    assert page.status_code == 200 and "Hinweis zu Ihrem Vermittlungsvorschlag" in page.text
    assert "style-src 'sha256-" in page.headers["content-security-policy"]
    listed = api.client.get(f"/claimants/{cid}/notices", headers=api.headers("cm")).json()["notices"]
    assert [(x["suggestion_id"], x["confirmed_by"]) for x in listed] == [
        (first["suggestion_id"], "Frau Schulz")
    ]


def test_the_notice_only_for_a_confirmed_proposal_of_the_own_jobcenter(api: ApiEnv) -> None:
    cid, shown = _proposed(api)
    sid, unproposed = shown["suggestions"][0]["suggestion_id"], shown["suggestions"][1]["suggestion_id"]
    assert api.client.get(f"/suggestions/{unproposed}/notice", headers=api.headers("cm")).status_code == 404
    other = api.client.get(f"/suggestions/{sid}/notice", headers=api.headers("cm_oha"))
    missing = api.client.get("/suggestions/99999-1/notice", headers=api.headers("cm_oha"))
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    assert api.client.get(f"/claimants/{cid}/notices", headers=api.headers("cm_oha")).status_code == 404
    for who in ("admin", "batch"):
        assert api.client.get(f"/suggestions/{sid}/notice", headers=api.headers(who)).status_code == 403
    assert (
        api.client.get(f"/suggestions/{sid}/notice?format=pdf", headers=api.headers("cm")).status_code == 422
    )
