"""Erasure through ``DELETE /claimants/{id}``: no trace of the person in tables, database file,
embedding cache, vacancy index, or the logs (captured at DEBUG for every logger). See
``tests/test_erasure.py`` for the person, the needles and the store-level tests.

The person is created through the API (with the postcode and place of Hardegsen, coordinates in
Göttingen so that they get suggestions), asked for suggestions, given feedback on one, put through
a nightly run and then erased by a team lead; afterwards the nightly list files no longer name them
either, and the audit log keeps only the erasure entry under their pseudonym.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from matcher.domain import Claimant
from models.encoding import claimant_key
from tests.api.conftest import ApiEnv
from tests.matcher.test_import_fuzz import table_dump
from tests.test_erasure import (
    MUNICIPALITY,
    OCCUPATIONS,
    PERSON_ID,
    PLACE_NEEDLES,
    POSTCODE,
    PROFILE,
    TEXT_NEEDLES,
    file_traces,
    traces,
)

GOETTINGEN = (51.5327, 9.9356)
BODY: dict[str, Any] = {
    "id": PERSON_ID,
    "team": "GOE-Mitte",
    "case_manager": "fm-007",
    "postcode": POSTCODE,
    "municipality": MUNICIPALITY,
    "lat": GOETTINGEN[0],
    "lon": GOETTINGEN[1],
    "licences": ["B"],
    "has_car": True,
    "desired_occupations": list(OCCUPATIONS),
    "profile_text": PROFILE,
    "skill_level": 1,
    "german_level": "B1",
    "available_hours": 40,
    "household": {"adults": 1, "children_0_5": 1, "rent": 450},
}
# A second profile text: the update through PUT leaves the first version's vector in the cache.
PROFILE_V2 = "Quokkapflegerin, inzwischen auch Lagerarbeit mit Staplerschein."


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Everything]:
    handler = Everything()
    names = ("", "sqlalchemy", "httpx", "httpcore", "uvicorn", "uvicorn.access", "uvicorn.error")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger("uvicorn.access").addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("uvicorn.access").removeHandler(handler)
        for n, level in old.items():
            logging.getLogger(n).setLevel(level)


def _live(api: ApiEnv) -> dict[str, Any]:
    """Create the person, look them up, give feedback, update the profile, run the nightly lists."""
    lead = api.headers("lead")
    # Created by the administrator, who keeps the source system's id (a team lead's create gets a
    # server-assigned one): the traces are searched for this id.
    r = api.client.post("/claimants", json={**BODY, "jobcenter": "JC-GOE"}, headers=api.headers("admin"))
    assert r.status_code == 201, r.text
    sugg = api.client.get(f"/claimants/{PERSON_ID}/suggestions?k=5", headers=api.headers("cm")).json()
    assert len(sugg["suggestions"]) == 5, sugg
    fb = api.client.post(
        f"/suggestions/{sugg['suggestions'][0]['suggestion_id']}/feedback",
        json={"action": "rejected", "reason_code": "commute"},
        headers=api.headers("cm"),
    )
    assert fb.status_code == 201, fb.text
    v1 = api.store.get_claimant(PERSON_ID)
    v1_cached = _cache_holds(api, v1)
    body = {k: v for k, v in BODY.items() if k != "id"}
    assert (
        api.client.put(
            f"/claimants/{PERSON_ID}", json={**body, "profile_text": PROFILE_V2}, headers=lead
        ).status_code
        == 200
    )
    api.client.get(f"/claimants/{PERSON_ID}/suggestions?k=5", headers=api.headers("cm"))
    v2 = api.store.get_claimant(PERSON_ID)
    nightly_dir = _nightly(api)
    return {"v1": v1, "v2": v2, "v1_cached": v1_cached, "nightly": nightly_dir}


def _nightly(api: ApiEnv) -> Path:
    from matcher.bootstrap import Services
    from matcher.cli.nightly import build_context
    from matcher.nightly.engines import LocalEngine
    from matcher.nightly.runner import NightlyRunner

    settings = api.settings
    ctx = build_context(
        Services(settings, store=api.store, encoder=api.encoder, scorer=Services(settings).scorer()),
        progress=False,
    )
    out = settings.data_dir / "nightly"
    NightlyRunner(
        ctx, api.store, settings.nightly, out_dir=out, run_id="night-1", engine=LocalEngine(), progress=False
    ).run()
    assert any(r.claimant_id == PERSON_ID for r in api.store.list_nightly("night-1"))
    return out


def _erase(api: ApiEnv) -> dict[str, Any]:
    r = api.client.delete(f"/claimants/{PERSON_ID}", headers=api.headers("lead"))
    assert r.status_code == 200, r.text
    assert api.client.get(f"/claimants/{PERSON_ID}", headers=api.headers("lead")).status_code == 404
    body: dict[str, Any] = r.json()
    return body


def _cache_holds(api: ApiEnv, c: Claimant) -> list[str]:
    """What of this profile version the embedding cache files still hold (key, vector bytes)."""
    key = claimant_key(c)
    vector = api.encoder.embedder.encode_queries([_text(c)])[0].tobytes()
    hits = []
    for path in (api.settings.data_dir / "embeddings").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.name}: key"] * (key.encode() in data) + [f"{path.name}: vector"] * (
                vector in data
            )
    return hits


def _text(c: Claimant) -> str:
    from matcher.text import render_claimant

    return render_claimant(c)


def test_erasure_through_the_api_leaves_no_trace(api: ApiEnv, logs: Everything) -> None:
    lived = _live(api)
    url = api.settings.resolved_database_url
    assert traces(table_dump(url))  # the search can fail: the person is everywhere now
    assert _cache_holds(api, lived["v2"])
    erased = _erase(api)
    assert erased["rows_deleted"]["claimants"] == 1 and erased["rows_deleted"]["suggestion_actions"] == 1
    assert erased["rows_deleted"]["nightly_lists"] > 0

    # Tables: nothing; the audit log keeps the pseudonym only (and "that an erasure happened").
    assert traces(table_dump(url)) == {}
    erasure = api.store.list_audit(PERSON_ID)[-1]
    assert erasure.action == "claimant.erase"
    assert not any(
        n in json.dumps(erasure.payload, ensure_ascii=False) for n in (*TEXT_NEEDLES, *PLACE_NEEDLES)
    )
    # The database file and its WAL.
    db = Path(url.removeprefix("sqlite:///"))
    assert file_traces(db.parent, [*TEXT_NEEDLES, *PLACE_NEEDLES]) == {}
    # The embedding cache: the current profile's key and vector are gone.
    assert _cache_holds(api, lived["v2"]) == []
    # The vacancy index holds vacancies only: no vector of the person, no id.
    index_dir = api.settings.data_dir / "index"
    v2_vector = api.encoder.embedder.encode_queries([_text(lived["v2"])])[0].tobytes()
    assert not any(v2_vector in p.read_bytes() for p in index_dir.rglob("*") if p.is_file())
    assert file_traces(index_dir, [PERSON_ID, *TEXT_NEEDLES, *PLACE_NEEDLES]) == {}
    # Reverse matching no longer offers the person.
    vid = api.store.list_nightly("night-1")[0].vacancy_id
    cands = api.client.get(f"/vacancies/{vid}/candidates?k=100", headers=api.headers("cm")).json()
    assert PERSON_ID not in {c["claimant_id"] for c in cands["candidates"]}
    # Logs at DEBUG from every logger: the pseudonym may appear, nothing else about the person.
    assert any(line.startswith("INFO sqlalchemy.engine") for line in logs.lines)
    assert [
        line[:300] for line in logs.lines if any(n in line for n in (*TEXT_NEEDLES, *PLACE_NEEDLES))
    ] == []


def test_no_earlier_profile_version_stays_in_the_cache(api: ApiEnv) -> None:
    """An update drops the earlier profile's vector (fixed in 19bc339; it stayed until then), the
    erasure the current one."""
    lived = _live(api)
    assert claimant_key(lived["v1"]) != claimant_key(lived["v2"])
    assert lived["v1_cached"]  # the search can fail: the first version was cached before the update
    assert _cache_holds(api, lived["v1"]) == []
    _erase(api)
    assert _cache_holds(api, lived["v1"]) == [] and _cache_holds(api, lived["v2"]) == []


def test_erasure_reaches_the_nightly_list_files(api: ApiEnv) -> None:
    lived = _live(api)
    assert file_traces(lived["nightly"], [PERSON_ID])  # the search can fail
    _erase(api)
    assert file_traces(lived["nightly"], [PERSON_ID]) == {}


def test_erasure_after_a_cli_reimport_leaves_no_earlier_profile_vector(api: ApiEnv, tmp_path: Path) -> None:
    """Issue 16, defect 5: a profile changed by ``passgenau import claimants`` (not through the API)
    kept its earlier version's vector in the cache, which no erasure reached (it knows the current
    profile only). The import now drops it, as an update through the API does."""
    import csv
    import dataclasses

    from typer.testing import CliRunner

    from matcher.cli import app
    from matcher.codec import CLAIMANT_COLUMNS, claimant_to_row

    r = api.client.post("/claimants", json={**BODY, "jobcenter": "JC-GOE"}, headers=api.headers("admin"))
    assert r.status_code == 201, r.text
    v1 = api.store.get_claimant(PERSON_ID)
    assert _cache_holds(api, v1)  # the search can fail: the service embedded the first version
    v2 = dataclasses.replace(v1, profile_text=PROFILE_V2)
    path = tmp_path / "person.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CLAIMANT_COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerow(claimant_to_row(v2))
    result = CliRunner().invoke(
        app,
        ["--data-dir", str(api.settings.data_dir), "import", "claimants", str(path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert api.store.get_claimant(PERSON_ID) == v2
    assert _cache_holds(api, v1) == []
    # No embedding model is built in this data directory (the app runs on a stand-in): the import
    # neither builds one nor grounds; the app's own grounding file is brought up to date when read.
    assert result.stdout.endswith(
        "1 claimants (csv): 0 inserted, 1 updated, 1 earlier profile vectors dropped\n"
    )
    assert "wishes not grounded yet" in result.stderr
    grounding = sorted(api.settings.layout.grounding.glob("*.json"))
    assert grounding and all(PERSON_ID in p.read_text(encoding="utf-8") for p in grounding)
    _erase(api)
    assert _cache_holds(api, v1) == [] and _cache_holds(api, v2) == []
    # Erasure removes the stored grounding from every grounder's file (issue 13, item 13).
    assert [p for p in grounding if PERSON_ID in p.read_text(encoding="utf-8")] == []


def test_erasure_reaches_an_earlier_embedding_models_cache(api: ApiEnv) -> None:
    """A deployment that changed its embedding model keeps the earlier model's cache (the vectors
    of every profile it embedded); an erasure drops the person's vector there too."""
    from models.cache import EmbeddingCache

    created = api.client.post(
        "/claimants", json={**BODY, "jobcenter": "JC-GOE"}, headers=api.headers("admin")
    )
    assert created.status_code == 201, created.text
    person = api.store.get_claimant(PERSON_ID)
    earlier = EmbeddingCache(api.settings.data_dir / "embeddings", "earlier-model", api.encoder.dim)
    other = api.claimants[0]
    earlier.add([claimant_key(person), claimant_key(other)], api.encoder.embedder.encode_queries(["a", "b"]))
    erased = _erase(api)
    assert erased["embeddings_dropped"] == 2  # the serving model's vector and the earlier model's
    fresh = EmbeddingCache(api.settings.data_dir / "embeddings", "earlier-model", api.encoder.dim)
    assert fresh.get([claimant_key(person), claimant_key(other)])[1].tolist() == [False, True]
    assert _cache_holds(api, person) == []
