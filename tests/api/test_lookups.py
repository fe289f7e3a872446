"""Suggestions, candidates and ad-hoc matching: the contract's shape, k limits, one audit row per
lookup, and ``passgenau audit replay`` reproducing the list from the logged versions."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from typer.testing import CliRunner

from api.schemas import ClaimantCreate
from matcher.bootstrap import Services
from matcher.cli import app as cli
from matcher.cli import base as cli_base
from matcher.store import audit_log
from matcher.usecases.replay import replay
from tests.api.conftest import JC_A, ApiEnv
from tests.api.test_vacancies import NEW as NEW_VACANCY

ITEM_KEYS = {
    "suggestion_id", "rank", "claimant_id", "vacancy_id", "title", "employer", "municipality", "score",
    "p_match", "p_sustain", "similarity", "match_depth", "commute_minutes", "commute_limit", "commute_mode",
    "distance_km", "hours_per_week", "reasons", "drivers", "household", "handled", "reader",
}  # fmt: skip
HEAD_KEYS = {
    "audit_id",
    "model_version",
    "index_version",
    "embedder_id",
    "considered",
    "eligible",
    "excluded",
}


def test_suggestions_follow_the_contract_and_are_audited(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[0]
    r = api.client.get(f"/claimants/{cid}/suggestions", headers=api.headers("cm"))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == HEAD_KEYS | {"claimant_id", "suggestions", "narrowed"}
    assert len(body["suggestions"]) == api.settings.api.default_k
    first = body["suggestions"][0]
    assert set(first) == ITEM_KEYS
    assert first["suggestion_id"] == f"{body['audit_id']}-1" and first["claimant_id"] == cid
    assert first["reasons"] and first["drivers"] and first["household"]["text_de"]
    assert [s["rank"] for s in body["suggestions"]] == list(range(1, 11))
    assert body["model_version"] != "fit-only" and body["embedder_id"] == "trigram-64"
    entry = api.store.get_audit(body["audit_id"])
    assert entry is not None
    assert (entry.who, entry.action, entry.claimant_id) == ("test-cm", "suggestions", cid)
    assert (entry.model_version, entry.index_version) == (body["model_version"], body["index_version"])
    p = entry.payload
    assert p["k"] == 10 and p["as_of"] == api.as_of.isoformat() and p["commute"] and p["ranking"]
    assert p["items"] == [
        {"rank": s["rank"], "claimant_id": cid, "vacancy_id": s["vacancy_id"], "score": s["score"]}
        for s in body["suggestions"]
    ]
    # Each lookup writes exactly one row.
    n = len(api.store.list_audit())
    for k in (1, 5, 100):
        r = api.client.get(f"/claimants/{cid}/suggestions", params={"k": k}, headers=api.headers("lead"))
        assert len(r.json()["suggestions"]) == min(k, body["eligible"])
    assert len(api.store.list_audit()) == n + 3
    for bad in ("0", "101", "x", "1.5"):
        r = api.client.get(f"/claimants/{cid}/suggestions", params={"k": bad}, headers=api.headers("cm"))
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "k"]
    assert len(api.store.list_audit()) == n + 3


def test_candidates_and_adhoc_matches(api: ApiEnv) -> None:
    vid = api.vacancies[5].id
    r = api.client.get(f"/vacancies/{vid}/candidates?k=5", headers=api.headers("cm"))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == HEAD_KEYS | {"vacancy_id", "candidates"} and body["vacancy_id"] == vid
    assert all(set(c) == ITEM_KEYS and c["vacancy_id"] == vid for c in body["candidates"])
    entry = api.store.get_audit(body["audit_id"])
    assert entry is not None and entry.action == "candidates" and entry.payload["jobcenter"] == JC_A
    profile = {"id": "adhoc", "team": "T", "case_manager": "fm-1", "postcode": "37083", "skill_level": 2,
               "german_level": "C1", "available_hours": 40, "shifts_ok": True,
               "desired_occupations": ["Verkaufsmitarbeiterin"]}  # fmt: skip
    n_claimants = len(api.store.list_claimants(active_only=False))
    r = api.client.post("/match", json={"profile": profile, "k": 4}, headers=api.headers("cm"))
    assert r.status_code == 200 and len(r.json()["suggestions"]) == 4
    assert len(api.store.list_claimants(active_only=False)) == n_claimants  # nothing stored
    entry = api.store.list_audit()[-1]
    assert entry.action == "match.adhoc" and entry.claimant_id is None and "profile" not in entry.payload
    r = api.client.post(
        "/match", json={"profile": {**profile, "postcode": "1"}, "k": 4}, headers=api.headers("cm")
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "postcode"
    r = api.client.post("/match", json={"profile": profile, "k": 101}, headers=api.headers("cm"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "k"


def _cli_replay(api: ApiEnv, monkeypatch, entry: int) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli_base, "services_factory", lambda s: Services(s, encoder=api.encoder))
    res = CliRunner().invoke(cli, ["--data-dir", str(api.settings.data_dir), "audit", "replay", str(entry)])
    return res.exit_code, res.output


def test_audit_replay_reproduces_the_list(api: ApiEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for cid in api.ids(JC_A):  # the first claimant with a full list
        sugg = api.client.get(f"/claimants/{cid}/suggestions?k=8", headers=api.headers("cm")).json()
        if len(sugg["suggestions"]) == 8:
            break
    cand = api.client.get(f"/vacancies/{sugg['suggestions'][0]['vacancy_id']}/candidates?k=6",
                          headers=api.headers("cm")).json()  # fmt: skip
    # The index moves on to a new version; replays use the logged one.
    assert api.client.post("/vacancies", json=NEW_VACANCY, headers=api.headers("admin")).status_code == 201
    for body in (sugg, cand):
        result = replay(Services(api.settings, store=api.store, encoder=api.encoder), body["audit_id"])
        assert result.identical and result.notes == [] and len(result.replayed) >= 5
        assert result.logged == [{k: i[k] for k in ("rank", "claimant_id", "vacancy_id", "score")}
                                 for i in body.get("suggestions", body.get("candidates"))]  # fmt: skip
        code, out = _cli_replay(api, monkeypatch, body["audit_id"])
        assert code == 0 and "identical: yes" in out, out
    # A list that differs from what was logged is reported, with the difference, and exit code 1.
    with api.store._engine.begin() as conn:
        payload = dict(api.store.get_audit(sugg["audit_id"]).payload)  # type: ignore[union-attr]
        payload["items"] = [dict(i) for i in payload["items"]]
        payload["items"][1]["score"] = 0.1234
        conn.execute(sa.update(audit_log).where(audit_log.c.id == sugg["audit_id"]).values(payload=payload))
    code, out = _cli_replay(api, monkeypatch, sugg["audit_id"])
    assert code == 1 and "identical: no" in out and "rank 2: logged" in out and "0.1234" in out
    # Not a lookup, or no such entry: a clear error, exit code 2.
    read = api.client.get(f"/claimants/{cid}", headers=api.headers("cm"))
    assert read.status_code == 200
    code, out = _cli_replay(api, monkeypatch, api.store.list_audit()[-1].id)
    assert code == 2 and "not a lookup" in out
    code, out = _cli_replay(api, monkeypatch, 99999)
    assert code == 2 and "no audit entry" in out


def test_adhoc_profile_leaves_no_embedding(api: ApiEnv) -> None:
    """Issue 16, defect 6: POST /match said nothing is stored, yet cached the profile's vector where
    no erasure could reach it. The suggestions are those of the same profile embedded as usual."""
    profile = {"id": "adhoc-2", "team": "T", "case_manager": "fm-1", "postcode": "37083", "skill_level": 2,
               "german_level": "B2", "available_hours": 30, "shifts_ok": False,
               "desired_occupations": ["Lagerhelfer im Versand"]}  # fmt: skip
    cache = api.encoder.cache
    before = len(cache)
    r = api.client.post("/match", json={"profile": profile, "k": 5}, headers=api.headers("cm"))
    assert r.status_code == 200 and len(r.json()["suggestions"]) >= 1
    cache._refresh()
    assert len(cache) == before
    rt = api.client.app.state.runtime  # type: ignore[attr-defined]
    from api.convert import claimant_draft

    c = claimant_draft(ClaimantCreate.model_validate(profile), "adhoc-2", rt.geo)
    c = dataclasses.replace(c, jobcenter=JC_A)
    stored_way = [m.vacancy_id for m in rt.service.suggest_for(c, 5).items]
    assert [s["vacancy_id"] for s in r.json()["suggestions"]] == stored_way
