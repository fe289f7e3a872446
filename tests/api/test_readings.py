"""Wish readings (issue 22): each wish in the claimant's own words with the German occupation it was
read as; a case manager's correction is checked, stored, audited, used by matching, and undone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from matcher.esco import EscoLink, EscoOccupation, write_esco, write_links
from matcher.settings import Settings
from matcher.store import audit_log
from tests.api.conftest import ApiEnv, _env
from tests.api.test_claimants import NEW, create

UK, AR = "водій вантажівки", "سائق شاحنة"
# Only the wishes give codes: no recorded code, no experience, so the reading alone sets the depth.
OWN_WORDS: dict[str, Any] = {
    **NEW, "desired_occupations": [UK, AR, "Lagerhelfer"], "desired_kldb": [], "experience": [],
}  # fmt: skip


def suggestions(api: ApiEnv, cid: str) -> list[tuple[str, float]]:
    r = api.client.get(f"/claimants/{cid}/suggestions?k=10", headers=api.headers("cm"))
    assert r.status_code == 200, r.text
    return [(m["vacancy_id"], m["score"]) for m in r.json()["suggestions"]]


def test_readings_show_the_model_reading_beside_the_own_words(api: ApiEnv) -> None:
    cid = create(api, "cm", OWN_WORDS)
    r = api.client.get(f"/claimants/{cid}/readings", headers=api.headers("cm"))
    assert r.status_code == 200, r.text
    got = r.json()["readings"]
    assert [w["wish"] for w in got] == [UK, AR, "Lagerhelfer"]
    assert [w["index"] for w in got] == [0, 1, 2]
    # A German wish that is one of the titles reads as its own code with similarity 1 (trigram model).
    lager = got[2]
    assert lager["read_as"][0]["kldb"] == "51311"
    assert lager["read_as"][0]["title"] == "Lagerhelfer"
    assert lager["read_as"][0]["similarity"] == 1.0
    assert lager["used"] == sorted(c["kldb"] for c in lager["read_as"])
    assert all(w["correction"] is None and w["corrected_by"] is None for w in got)
    # Alternatives are offered for every wish, five distinct codes, best first.
    for w in got:
        sims = [a["similarity"] for a in w["alternatives"]]
        assert len({a["kldb"] for a in w["alternatives"]}) == 5 and sims == sorted(sims, reverse=True)
    entries = api.store.list_audit()
    assert [(e.action, e.claimant_id) for e in entries if e.action == "claimant.readings"] == [
        ("claimant.readings", cid)
    ]


def test_a_correction_is_stored_used_and_undone(api: ApiEnv) -> None:
    cid = create(api, "cm", OWN_WORDS)
    h = api.headers("cm")
    before = suggestions(api, cid)
    r = api.client.put(f"/claimants/{cid}/readings/0", json={"kldb": "52122"}, headers=h)
    assert r.status_code == 200, r.text
    uk = r.json()["readings"][0]
    assert uk["correction"] == {"kldb": "52122", "title": "Berufskraftfahrer", "similarity": None, "via": ""}
    assert uk["used"] == ["52122"] and uk["corrected_by"] == "test-cm"
    assert api.store.wish_corrections([cid]) == {cid: {UK: "52122"}}
    # Used: the forward lookup's match depth and the stored grounding of reverse matching.
    after = suggestions(api, cid)
    assert after != before
    (codes,) = api.client.app.state.runtime.services.grounded_codes().codes_of([api.store.get_claimant(cid)])  # type: ignore[attr-defined]
    assert "52122" in codes
    corrections = [e for e in api.store.list_audit() if e.action == "claimant.reading.correct"]
    assert [(e.who, e.claimant_id, e.payload["index"], e.payload["kldb"]) for e in corrections] == [
        ("test-cm", cid, 0, "52122")
    ]
    assert UK not in str(corrections[0].payload)  # codes only, not the claimant's words
    # Removed: the model's reading again, and the suggestions of before.
    r = api.client.delete(f"/claimants/{cid}/readings/0", headers=h)
    assert r.status_code == 200 and r.json()["readings"][0]["correction"] is None
    assert api.store.wish_corrections([cid]) == {}
    assert suggestions(api, cid) == before


def test_an_unknown_code_or_wish_is_a_422_naming_the_field(api: ApiEnv) -> None:
    cid = create(api, "cm", OWN_WORDS)
    h = api.headers("cm")
    r = api.client.put(f"/claimants/{cid}/readings/0", json={"kldb": "99999"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "kldb"]
    r = api.client.put(f"/claimants/{cid}/readings/0", json={"kldb": "5212"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "kldb"
    r = api.client.put(f"/claimants/{cid}/readings/3", json={"kldb": "52122"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "index"
    assert api.store.wish_corrections([cid]) == {}


def test_another_jobcenter_gets_404_and_batch_403(api: ApiEnv) -> None:
    cid = create(api, "cm", OWN_WORDS)
    other = api.headers("cm_oha")
    assert api.client.get(f"/claimants/{cid}/readings", headers=other).status_code == 404
    r = api.client.put(f"/claimants/{cid}/readings/0", json={"kldb": "52122"}, headers=other)
    assert r.status_code == 404 and r.json() == {"detail": "no such claimant"}
    missing = api.client.put("/claimants/K-FEHLT-1/readings/0", json={"kldb": "52122"}, headers=other)
    assert missing.status_code == 404 and missing.json() == r.json()
    assert api.client.delete(f"/claimants/{cid}/readings/0", headers=other).status_code == 404
    r = api.client.put(f"/claimants/{cid}/readings/0", json={"kldb": "52122"}, headers=api.headers("batch"))
    assert r.status_code == 403
    assert api.store.wish_corrections([cid]) == {}
    with api.store._connect() as conn:  # the refused attempts are audited as such
        actions = [
            a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.claimant_id == cid))
        ]
    assert actions.count("access.denied") == 3


def test_erasure_removes_the_corrections(api: ApiEnv) -> None:
    cid = create(api, "lead", OWN_WORDS)
    h = api.headers("lead")
    assert (
        api.client.put(f"/claimants/{cid}/readings/1", json={"kldb": "52122"}, headers=h).status_code == 200
    )
    r = api.client.delete(f"/claimants/{cid}", headers=h)
    assert r.status_code == 200 and r.json()["rows_deleted"]["wish_corrections"] == 1
    assert api.store.wish_corrections([cid]) == {}


def test_occupation_search_by_title_and_code(api_ro: ApiEnv) -> None:
    h = api_ro.headers("cm")
    r = api_ro.client.get("/occupations", params={"q": "kraftfahrer"}, headers=h)
    assert r.status_code == 200
    assert r.json()["occupations"][0] == {"kldb": "52122", "title": "Berufskraftfahrer"}
    r = api_ro.client.get("/occupations", params={"q": "5131"}, headers=h)
    assert [o["kldb"] for o in r.json()["occupations"]] == ["51311", "51312"]
    assert api_ro.client.get("/occupations", params={"q": "x"}).status_code == 401


def test_a_lookup_logs_the_corrections_and_replay_notes_a_later_change(api: ApiEnv) -> None:
    from matcher.bootstrap import Services
    from matcher.usecases.replay import replay

    cid = create(api, "cm", OWN_WORDS)
    h = api.headers("cm")
    assert (
        api.client.put(f"/claimants/{cid}/readings/1", json={"kldb": "52122"}, headers=h).status_code == 200
    )
    body = api.client.get(f"/claimants/{cid}/suggestions?k=8", headers=h).json()
    entry = api.store.get_audit(body["audit_id"])
    assert entry is not None and entry.payload["corrected"] == {"1": "52122"}
    services = Services(api.settings, store=api.store, encoder=api.encoder)
    same = replay(services, body["audit_id"])
    assert same.identical and same.notes == []
    # Undone since: the replay runs on the readings as they are now and says so.
    assert api.client.delete(f"/claimants/{cid}/readings/1", headers=h).status_code == 200
    later = replay(services, body["audit_id"])
    assert later.notes == ["the readings of the claimant's wishes were corrected since the lookup"]
    assert not later.identical


@pytest.fixture
def api_esco(api_region_dir: Path, tmp_path: Path) -> Iterator[ApiEnv]:
    """The app over a data directory with an imported ESCO taxonomy (issue 14, item 4): one ESCO
    occupation, whose alternative label is the German wish, mapped to KldB 51311 by the crosswalk."""
    src = Path(shutil.copytree(api_region_dir, tmp_path / "seed", symlinks=True))
    layout = Settings(data_dir=src).layout
    write_esco(
        [EscoOccupation(LAGER_URI, "Lagerarbeiter/Lagerarbeiterin", "9333", ("Lagerhelfer",))],
        layout.taxonomy_esco,
    )
    write_links([EscoLink(LAGER_URI, "51311", "skos:exactMatch")], layout.taxonomy_esco_kldb)
    yield from _env(src, tmp_path / "esco-data")


LAGER_URI = "http://data.europa.eu/esco/occupation/lager"


def test_a_reading_names_the_esco_occupation_where_esco_was_imported(api: ApiEnv, api_esco: ApiEnv) -> None:
    cid = create(api_esco, "cm", OWN_WORDS)
    got = api_esco.client.get(f"/claimants/{cid}/readings", headers=api_esco.headers("cm")).json()["readings"]
    assert got[2]["esco"] == [
        {"uri": LAGER_URI, "label": "Lagerarbeiter/Lagerarbeiterin", "similarity": 1.0, "via": "Lagerhelfer",
         "kldb": ["51311"]}
    ]  # fmt: skip
    assert got[0]["esco"] == got[1]["esco"] == []  # the own words are not near the German label
    # The ESCO occupation is named beside the codes; it changes them only with grounding.esco_kldb.
    plain_cid = create(api, "cm", OWN_WORDS)
    plain = api.client.get(f"/claimants/{plain_cid}/readings", headers=api.headers("cm")).json()["readings"]
    assert [w["esco"] for w in plain] == [[], [], []]
    assert [w["used"] for w in got] == [w["used"] for w in plain]


def test_the_explanation_names_the_esco_occupation_the_vacancy_matches(api_esco: ApiEnv) -> None:
    cid = create(api_esco, "cm", OWN_WORDS)
    r = api_esco.client.get(f"/claimants/{cid}/suggestions?k=20", headers=api_esco.headers("cm"))
    assert r.status_code == 200, r.text
    got = r.json()["suggestions"]
    by_id = {v.id: v for v in api_esco.vacancies}
    for s in got:
        texts = s["reasons"]
        code = by_id[s["vacancy_id"]].kldb
        # Named exactly where the vacancy's code shares the Berufsgruppe (3 digits) with 51311.
        named = any(t.endswith("(ESCO: Lagerarbeiter/Lagerarbeiterin)") for t in texts)
        assert named == (code is not None and code[:3] == "513"), (code, texts)
    assert any(str(by_id[s["vacancy_id"]].kldb).startswith("513") for s in got)
