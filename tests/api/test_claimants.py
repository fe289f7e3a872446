"""Claimant endpoints: search, read (health by role), create, update, erase; validation errors
name the field; changes reach suggestions and reverse matching at once."""

from __future__ import annotations

import re
from typing import Any

from models.encoding import claimant_key
from tests.api.conftest import JC_A, ApiEnv

# A new claimant's record. Case managers and team leads create it without an id (the server assigns
# one: issue 16, defect 11); admin and batch may give one.
NEW: dict[str, Any] = {
    "team": "GOE-Mitte",
    "case_manager": "fm-007",
    "postcode": "37073",
    "licences": ["B"],
    "has_car": True,
    "desired_occupations": ["Lagerhelfer", "Kommissionierer"],
    "desired_kldb": ["51311"],
    "profile_text": "Lagerhelfer mit Staplerschein, sucht Vollzeit im Lager.",
    "skill_level": 1,
    "german_level": "B1",
    "available_hours": 40,
    "shifts_ok": True,
    "health_max_load": 2,
    "experience": [{"kldb": "51311", "months": 24}],
    "household": {"adults": 1, "children_0_5": 1, "rent": 450},
}


def create(api: ApiEnv, who: str, body: dict[str, Any] | None = None) -> str:
    """Create a claimant as ``who``; the id the server assigned."""
    r = api.client.post("/claimants", json=NEW if body is None else body, headers=api.headers(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _detail_fields(r: Any) -> list[str]:
    """The field names in a 422 answer (the last name in each error's location)."""
    return _detail_fields_of(r.json())


def _detail_fields_of(body: Any) -> list[str]:
    return [[x for x in d["loc"] if isinstance(x, str)][-1] for d in body["detail"]]


def _spelled_out(text: str) -> str:
    """The test's own folding (not matcher.search_text's): lower case, umlauts as two letters."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.lower().replace(a, b).replace(a.upper(), b)
    return text


def test_search_by_place_postcode_case_manager_and_folded_occupation(api_ro: ApiEnv) -> None:
    """Issue 13, item 6: "verkaeufer", "Göttingen", "37083" and a case manager's id find the expected
    claimants, with the total; before, only id prefixes and desired occupations as typed were found."""
    h = api_ro.headers("cm")
    own = sorted((c for c in api_ro.claimants if c.jobcenter == JC_A), key=lambda c: (not c.active, c.id))
    place = own[0].municipality
    cases = {
        "verkaeufer": [c for c in own if any("verkaeufer" in _spelled_out(o) for o in c.desired_occupations)],
        place: [c for c in own if place.lower() in c.municipality.lower()],
        own[0].postcode: [c for c in own if c.postcode.startswith(own[0].postcode)],
        own[0].case_manager: [c for c in own if c.case_manager.startswith(own[0].case_manager)],
    }
    for q, want in cases.items():
        r = api_ro.client.get("/claimants", params={"q": q, "limit": 200}, headers=h)
        assert r.status_code == 200
        body = r.json()
        assert want, f"the region has no claimant for {q!r}: the case tests nothing"
        assert body["total"] == len(want) and [c["id"] for c in body["claimants"]] == [c.id for c in want], q
    # Umlauts spelled out and typed find the same.
    typed = api_ro.client.get("/claimants", params={"q": "verkäufer"}, headers=h).json()
    assert typed == api_ro.client.get("/claimants", params={"q": "verkaeufer"}, headers=h).json()


def test_search_pages_with_a_total(api_ro: ApiEnv) -> None:
    h = api_ro.headers("cm")
    everyone = api_ro.client.get("/claimants", params={"limit": 200}, headers=h).json()
    assert everyone["total"] == len([c for c in api_ro.claimants if c.jobcenter == JC_A]) == 30
    ids = [c["id"] for c in everyone["claimants"]]
    pages = [
        api_ro.client.get("/claimants", params={"limit": 7, "offset": o}, headers=h).json()
        for o in range(0, 35, 7)
    ]
    assert [p["total"] for p in pages] == [30] * 5 and [p["offset"] for p in pages] == [0, 7, 14, 21, 28]
    assert [c["id"] for p in pages for c in p["claimants"]] == ids
    r = api_ro.client.get("/claimants", params={"offset": -1}, headers=h)
    assert r.status_code == 422 and _detail_fields(r) == ["offset"]


def test_search_by_id_prefix_and_occupation(api_ro: ApiEnv) -> None:
    h = api_ro.headers("cm")
    own = [c for c in api_ro.claimants if c.jobcenter == JC_A]
    r = api_ro.client.get("/claimants", params={"q": "k-00000"}, headers=h)
    assert [c["id"] for c in r.json()["claimants"]] == sorted(c.id for c in own if c.id.startswith("K-00000"))
    word = "LAGERHELF"  # no umlaut, no place: found in the desired occupations only
    expect = sorted((c for c in own if any(word.casefold() in o.casefold() for o in c.desired_occupations)),
                    key=lambda c: (not c.active, c.id))  # fmt: skip
    expect = [c.id for c in expect]
    r = api_ro.client.get("/claimants", params={"q": word}, headers=h)
    got = r.json()["claimants"]
    assert [c["id"] for c in got] == expect and expect
    assert set(got[0]) == {
        "id",
        "case_manager",
        "team",
        "municipality",
        "postcode",
        "desired_occupations",
        "active",
    }
    r = api_ro.client.get("/claimants", params={"limit": 3}, headers=h)
    assert len(r.json()["claimants"]) == 3
    for bad in ({"limit": 0}, {"limit": 201}, {"q": "x" * 101}):
        r = api_ro.client.get("/claimants", params=bad, headers=h)
        assert r.status_code == 422 and _detail_fields(r) == [next(iter(bad))]


def test_health_fields_only_for_roles_that_need_them(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[0]
    new_id = create(api, "cm")
    for who, sees in (("cm", True), ("lead", True), ("admin", False)):
        body = api.client.get(f"/claimants/{new_id}", headers=api.headers(who)).json()
        assert ("health_max_load" in body) is sees, who
        if sees:
            assert body["health_max_load"] == 2
    assert "health_max_load" in api.client.get(f"/claimants/{cid}", headers=api.headers("cm")).json()
    # Roles without health access may not set it, and their updates keep the stored value.
    no_health = {k: v for k, v in NEW.items() if k != "health_max_load"}
    r = api.client.post(
        "/claimants", json={**no_health, "id": "K-NEU-2", "jobcenter": JC_A}, headers=api.headers("admin")
    )
    assert r.status_code == 201 and "health_max_load" not in r.json()
    r = api.client.post("/claimants", json={**NEW, "id": "K-NEU-3", "jobcenter": JC_A, "health_max_load": 1},
                        headers=api.headers("batch"))  # fmt: skip
    assert r.status_code == 422 and _detail_fields(r) == ["health_max_load"]
    body = {k: v for k, v in NEW.items() if k != "health_max_load"}
    r = api.client.put(
        f"/claimants/{new_id}",
        json={**body, "profile_text": "neu", "jobcenter": JC_A},
        headers=api.headers("admin"),
    )
    assert r.status_code == 200 and "health_max_load" not in r.json()
    stored = api.store.get_claimant(new_id)
    assert stored.profile_text == "neu" and int(stored.health_max_load or 0) == 2


def test_every_read_is_audit_logged(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[1]
    before = len(api.store.list_audit(claimant_id=cid))
    api.client.get(f"/claimants/{cid}", headers=api.headers("cm"))
    api.client.get(f"/claimants/{cid}", headers=api.headers("admin"))
    entries = api.store.list_audit(claimant_id=cid)[before:]
    assert [(e.who, e.action, e.payload["health"]) for e in entries] == [
        ("test-cm", "claimant.read", True),
        ("test-admin", "claimant.read", False),
    ]
    api.client.get("/claimants?q=K-0000", headers=api.headers("cm"))
    search = api.store.list_audit()[-1]
    assert search.action == "claimants.search" and search.payload["ids"] and "q" not in search.payload


def test_validation_errors_name_the_field(api: ApiEnv) -> None:
    h = api.headers("cm")
    cases = [
        ({"postcode": "3707"}, "postcode"),
        ({"german_level": "D1"}, "german_level"),
        ({"available_hours": 60}, "available_hours"),
        ({"id": "bad id!"}, "id"),
        ({"desired_kldb": ["5131"]}, "desired_kldb"),
        ({"licences": ["ZZ"]}, "licences"),  # not a licence class: the domain check names it
        ({"has_car": True, "licences": []}, "has_car"),  # a car needs licence B
        ({"jobcenter": "JC-OHA"}, "jobcenter"),  # a case manager records only their own
        ({"household": {"adults": 0}}, "adults"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"max_commute_minutes": 2}, "max_commute_minutes"),
        ({"activated": "2024-13-01"}, "activated"),
        ({"activated": "1901-05-01"}, "activated"),  # before 1990: the domain check names it
    ]
    for change, field in cases:
        r = api.client.post("/claimants", json={**NEW, **change}, headers=h)
        assert r.status_code == 422, (change, r.text)
        assert field in _detail_fields(r), (change, r.json())
    r = api.client.post("/claimants", json={k: v for k, v in NEW.items() if k != "postcode"}, headers=h)
    assert r.status_code == 422 and _detail_fields(r) == ["postcode"]
    r = api.client.post("/claimants", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert api.store.list_claimants(jobcenter=JC_A, active_only=False) == api.store.list_claimants(
        jobcenter=JC_A
    )
    assert len(api.store.list_claimants(active_only=False)) == len(api.claimants)


def test_the_activation_day_is_kept_and_unknown_when_not_given(api: ApiEnv) -> None:
    h = api.headers("lead")
    with_day = create(api, "lead", {**NEW, "activated": "2025-03-17"})
    assert api.client.get(f"/claimants/{with_day}", headers=h).json()["activated"] == "2025-03-17"
    assert api.store.get_claimant(with_day).activated is not None
    without = create(api, "lead")
    assert api.client.get(f"/claimants/{without}", headers=h).json()["activated"] is None
    r = api.client.put(f"/claimants/{without}", json={**NEW, "activated": "2026-01-05"}, headers=h)
    assert r.status_code == 200 and r.json()["activated"] == "2026-01-05"


def test_create_update_and_erase_reach_matching_at_once(api: ApiEnv) -> None:
    h = api.headers("lead")
    r = api.client.post("/claimants", json=NEW, headers=h)
    assert r.status_code == 201 and r.json()["jobcenter"] == JC_A and r.json()["municipality"] == "Göttingen"
    new_id = r.json()["id"]
    sugg = api.client.get(f"/claimants/{new_id}/suggestions?k=5", headers=h).json()["suggestions"]
    assert len(sugg) == 5
    # The new claimant is a candidate for their best vacancy straight away.
    vid = sugg[0]["vacancy_id"]
    cands = api.client.get(f"/vacancies/{vid}/candidates?k=100", headers=h).json()["candidates"]
    assert new_id in [c["claimant_id"] for c in cands]
    # Inactive: no longer a candidate; active again: back.
    body = NEW
    assert (
        api.client.put(f"/claimants/{new_id}", json={**body, "active": False}, headers=h).status_code == 200
    )
    cands = api.client.get(f"/vacancies/{vid}/candidates?k=100", headers=h).json()["candidates"]
    assert new_id not in [c["claimant_id"] for c in cands]
    assert api.client.put(f"/claimants/{new_id}", json=body, headers=h).status_code == 200
    # Feedback and an outcome name the claimant; erasure removes them all and the embedding.
    assert api.client.post(f"/suggestions/{sugg[0]['suggestion_id']}/feedback", json={"action": "applied"},
                           headers=h).status_code == 201  # fmt: skip
    r = api.client.post("/outcomes", headers=h, json={"id": "O-NEU", "claimant_id": new_id, "vacancy_id": vid,
                                                      "start": "2026-10-01", "employed_12m": False})  # fmt: skip
    assert r.status_code == 201
    claimant = api.store.get_claimant(new_id)
    assert api.encoder.cache.get([claimant_key(claimant)])[1].all()
    r = api.client.delete(f"/claimants/{new_id}", headers=h)
    assert r.status_code == 200
    erased = r.json()
    assert erased["rows_deleted"]["claimants"] == 1 and erased["rows_deleted"]["suggestion_actions"] == 1
    assert erased["rows_deleted"]["outcomes"] == 1 and erased["embeddings_dropped"] == 1
    assert not api.encoder.cache.get([claimant_key(claimant)])[1].any()
    assert api.client.get(f"/claimants/{new_id}", headers=h).status_code == 404
    assert api.client.delete(f"/claimants/{new_id}", headers=h).status_code == 404
    cands = api.client.get(f"/vacancies/{vid}/candidates?k=100", headers=h).json()["candidates"]
    assert new_id not in [c["claimant_id"] for c in cands]
    assert api.store.list_actions(new_id) == [] and api.store.list_outcomes() == []
    entry = api.store.list_audit(claimant_id=new_id)[-1]
    assert entry.action == "claimant.erase"
    assert set(entry.payload) == {"role", "rows_deleted", "embeddings_dropped", "nightly_runs_rewritten"}


def test_an_update_drops_the_earlier_profiles_vector(api: ApiEnv) -> None:
    h = api.headers("cm")
    new_id = create(api, "cm")
    assert api.client.get(f"/claimants/{new_id}/suggestions?k=3", headers=h).status_code == 200
    v1 = api.store.get_claimant(new_id)
    assert api.encoder.cache.get([claimant_key(v1)])[1].all()
    body = NEW
    assert (
        api.client.put(
            f"/claimants/{new_id}", json={**body, "profile_text": "Staplerfahrer"}, headers=h
        ).status_code
        == 200
    )
    v2 = api.store.get_claimant(new_id)
    assert not api.encoder.cache.get([claimant_key(v1)])[1].any()
    assert api.encoder.cache.get([claimant_key(v2)])[1].all()  # the new one is in reverse matching


def test_a_scoped_create_cannot_probe_other_jobcenters_ids(api: ApiEnv) -> None:
    """Issue 16, defect 11: an id held by another Jobcenter answered 409, a free one 201. Case managers
    and team leads now get a server-assigned id, and a chosen id gets one answer whoever holds it."""
    other = api.ids("JC-OHA")[0]
    for who in ("cm", "lead"):
        answers = []
        for chosen in (other, api.ids(JC_A)[0], "K-FREI-1"):
            r = api.client.post("/claimants", json={**NEW, "id": chosen}, headers=api.headers(who))
            answers.append((r.status_code, r.json()))
        assert answers[0] == answers[1] == answers[2]
        assert answers[0][0] == 422 and _detail_fields_of(answers[0][1]) == ["id"]
    assert api.store.get_claimant(other).jobcenter == "JC-OHA"
    ids = [create(api, "cm"), create(api, "cm"), create(api, "lead")]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"K-[0-9A-F]{16}", i) for i in ids)
    assert {api.store.get_claimant(i).jobcenter for i in ids} == {JC_A}
    # Roles across Jobcenters keep the source system's ids: a taken one is a conflict.
    body = {k: v for k, v in NEW.items() if k != "health_max_load"}
    r = api.client.post(
        "/claimants", json={**body, "id": other, "jobcenter": JC_A}, headers=api.headers("batch")
    )
    assert r.status_code == 409
    r = api.client.post(
        "/claimants", json={**body, "id": "K-QUELLE-1", "jobcenter": JC_A}, headers=api.headers("batch")
    )
    assert (r.status_code, r.json()["id"]) == (201, "K-QUELLE-1")


def test_batch_learns_no_jobcenter_from_a_replace(api: ApiEnv) -> None:
    """Issue 16, defect 10: batch may write but not read claimants; a PUT without ``jobcenter``
    answered with the stored record's Jobcenter. Batch now names it, and the answer is the same for
    any id, a held one or a missing one."""
    h = api.headers("batch")
    body = {k: v for k, v in NEW.items() if k != "health_max_load"}
    held = api.ids("JC-OHA")[0]
    answers = [api.client.put(f"/claimants/{cid}", json=body, headers=h) for cid in (held, "K-FEHLT-1")]
    assert [(r.status_code, r.json()) for r in answers] == [
        (
            422,
            {
                "detail": [
                    {"loc": ["body", "jobcenter"], "msg": "is required for role batch", "type": "value_error"}
                ]
            },
        )
    ] * 2
    assert api.store.get_claimant(held).team != NEW["team"]
    r = api.client.put(f"/claimants/{held}", json={**body, "jobcenter": "JC-OHA"}, headers=h)
    assert (r.status_code, r.json()["jobcenter"], r.json()["team"]) == (200, "JC-OHA", NEW["team"])


def test_writes_keep_the_stored_grounding_current_and_erasure_removes_it(api: ApiEnv) -> None:
    """Issue 13, item 13: a claimant's wishes are grounded when the claimant is written through
    the API (not when a vacancy's candidates are asked for), again when the wishes change, and the
    stored grounding goes with an erasure."""
    import json

    from matcher.grounding import wishes_key

    h = api.headers("lead")
    r = api.client.post("/claimants", json=NEW, headers=h)
    assert r.status_code == 201
    new_id = r.json()["id"]
    (path,) = api.settings.layout.grounding.glob("*.json")

    def entry() -> Any:
        return json.loads(path.read_text(encoding="utf-8"))["claimants"].get(new_id)

    assert entry()["wishes"] == wishes_key(api.store.get_claimant(new_id))
    body = {**NEW, "desired_occupations": ["Verkäuferin"]}
    assert api.client.put(f"/claimants/{new_id}", json=body, headers=h).status_code == 200
    assert entry()["wishes"] == wishes_key(api.store.get_claimant(new_id))
    # The claimants stored before the app started were grounded (and stored) when it started.
    held = json.loads(path.read_text(encoding="utf-8"))["claimants"]
    assert {c.id for c in api.claimants if c.active} <= set(held)
    assert api.client.delete(f"/claimants/{new_id}", headers=h).status_code == 200
    assert entry() is None and new_id not in path.read_text(encoding="utf-8")
