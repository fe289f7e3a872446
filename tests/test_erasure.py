"""Erasure: after a claimant is deleted, no trace of their personal data remains.

Claimants have no name field (``matcher/domain/records.py``: the id is a pseudonym), so the search
is for what identifies or describes the person: the pseudonymous id, the postcode, the
municipality, the profile free text and the desired occupations, all chosen to occur nowhere else.
Household numbers are not searchable and are left out. The audit log keeps pseudonymous entries by design (the
store's docstring and issue 6: "the audit log keeps only that an erasure happened"): the id may
remain there, and nothing else about the person.

Where it is searched:
- every table, dumped row by row (SQLite and PostgreSQL);
- the SQLite database file and its WAL, byte by byte (deleted rows must not linger in free pages
  or old WAL frames);
- the embedding cache files (after compaction): neither the claimant's key nor their vector;
- through the API (``DELETE /claimants/{id}``): tables, cache, index, nightly lists and the log
  output at DEBUG, in ``test_erasure_through_the_api``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from matcher.domain import FeedbackAction, Proposal, to_dict
from matcher.store import NightlyRow, NightlyRun, Store, SuggestionAction
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder, claimant_key
from tests.fakes import TrigramEmbedder
from tests.matcher.test_import_fuzz import table_dump
from tests.matcher.test_store import make_claimant, make_outcome, make_protected, shown

# The person to erase: values that occur in no other record.
PERSON_ID = "K-QX7ZP9"
# Hardegsen, 15 km from Göttingen: near enough for the region's vacancies and for coordinates in
# Göttingen (the lookups' tests use them; placing refuses coordinates far from the postcode), and no
# other claimant or vacancy of the fixtures lives there.
POSTCODE = "37181"
MUNICIPALITY = "Hardegsen"
PROFILE = "Quokkapflegerin mit Zeppelinschein, zwölf Jahre Xylophonbau im Ostseebad."
OCCUPATIONS = ("Zeppelinpilotin", "Xylophonbauerin Quokkahaus")
# Substrings searched for; the id separately (it may stay in the audit log).
TEXT_NEEDLES = ("Quokkapflegerin", "Zeppelinschein", "Xylophonbau", "Zeppelinpilotin", "Quokkahaus")
PLACE_NEEDLES = (POSTCODE, MUNICIPALITY)


def person(**changes: Any) -> Any:
    c = make_claimant(
        7,
        id=PERSON_ID,
        postcode=POSTCODE,
        municipality=MUNICIPALITY,
        lat=51.6523,
        lon=9.8305,
        profile_text=PROFILE,
        desired_occupations=OCCUPATIONS,
    )
    return dataclasses.replace(c, **changes) if changes else c


def traces(dump: dict[str, list[tuple[Any, ...]]], *, with_id: bool = True) -> dict[str, list[str]]:
    """Table -> the needles found in its rows (the id is allowed in the audit log)."""
    found: dict[str, list[str]] = {}
    for table, rows in dump.items():
        text = json.dumps([[repr(v) for v in r] for r in rows], ensure_ascii=False)
        needles = [*TEXT_NEEDLES, *PLACE_NEEDLES]
        if with_id and table != "audit_log":
            needles.append(PERSON_ID)
        hits = [n for n in needles if _found(n, text) or _found(json.dumps(n)[1:-1], text)]
        if hits:
            found[table] = hits
    return found


def _found(needle: str, text: str) -> bool:
    # The postcode as a whole token: its five digits also occur inside random ids and timestamps
    # (a value holding "37181" in the suggestions, their actions and the audit log failed this test
    # once, 2026-12-08, with the person erased). The made-up words stay substrings.
    if not needle.isdigit():
        return needle in text
    return re.search(rf"(?<![0-9A-Za-z]){needle}(?![0-9A-Za-z])", text) is not None


def file_traces(root: Path, needles: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    """File (relative to root) -> needles found in its bytes (UTF-8, and JSON-escaped)."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [
            n
            for n in needles
            if n.encode() in data or json.dumps(n).encode()[1:-1] in data or n.encode("utf-16-le") in data
        ]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def fill(store: Store) -> None:
    """The person with every kind of row that names them, among other claimants."""
    others = [(make_claimant(i), make_protected(make_claimant(i).id) if i % 2 else None) for i in range(20)]
    store.upsert_claimants([*others, (person(), make_protected(PERSON_ID))])
    snapshot = to_dict(person())
    store.upsert_outcomes(
        [make_outcome(1), make_outcome(2, id="O-P", claimant_id=PERSON_ID, claimant_snapshot=snapshot)]
    )
    store.upsert_proposals(
        [Proposal(id=f"P{i}", claimant_id=cid, vacancy_id="V1", proposed=datetime(2026, 1, 5).date())
         for i, cid in enumerate([PERSON_ID, "K00001"])]
    )  # fmt: skip
    at = datetime(2026, 2, 1, 9, tzinfo=UTC)
    # Another claimant's suggestion (a vacancy's candidates list) and the action on it stay.
    _, (other,) = store.add_lookup(
        who="fm1", action="candidates", claimant_id=None, model_version="m1", index_version="i1",
        payload={"k": 1}, shown=[shown("K00002", "V1", 1, kind="candidates", shown_at=at)],
    )  # fmt: skip
    store.add_action(rejection(other.id, "K00002", at))
    store.save_nightly_run(
        NightlyRun("night-1", at, at, "complete", {"claimants": 2}),
        [
            NightlyRow(
                "night-1", cid, 1, "V1", "JC-GOE", "FM1", 0.5, {"title": "Lager", "household": {"net": 1}}
            )
            for cid in (PERSON_ID, "K00003")
        ],
    )
    _, (item,) = store.add_lookup(
        who="fm1", action="suggestions", claimant_id=PERSON_ID, model_version="m1", index_version="i1",
        payload={"k": 10}, shown=[shown(PERSON_ID, "V1", 1, shown_at=at)],
    )  # fmt: skip
    store.add_action(rejection(item.id, PERSON_ID, at))
    # A case manager's correction of how the person's wish was read (issue 22), and another's.
    store.set_wish_correction(PERSON_ID, OCCUPATIONS[0], "52122", "fm1", at)
    store.set_wish_correction("K00004", "Lagerhelfer", "51312", "fm1", at)


def rejection(suggestion_id: str, claimant_id: str, at: datetime) -> SuggestionAction:
    return SuggestionAction(
        id=None,
        suggestion_id=suggestion_id,
        claimant_id=claimant_id,
        vacancy_id="V1",
        action=FeedbackAction.REJECTED,
        user="fm1",
        at=at,
        model_version="m1",
        reason_code="distance",
    )


def test_store_erasure_leaves_no_trace_in_any_table(db_url: str) -> None:
    with Store.open(db_url) as store:
        fill(store)
        before = traces(table_dump(db_url))
        # The search can fail: every kind of row holds the person before the erasure.
        assert set(before) >= {"claimants", "outcomes"}
        assert PERSON_ID in before["claimants"] and POSTCODE in before["claimants"]
        assert {
            "claimant_health",
            "claimant_protected",
            "proposals",
            "suggestions",
            "suggestion_actions",
            "nightly_lists",
            "wish_corrections",
        } <= set(t for t, rows in table_dump(db_url).items() if any(PERSON_ID in repr(r) for r in rows))
        counts = store.counts()
        deleted = store.delete_claimant(PERSON_ID)
        assert deleted == {
            "claimant_health": 1,
            "claimant_protected": 1,
            "outcomes": 1,
            "proposals": 1,
            "suggestion_actions": 1,
            "suggestions": 1,
            "nightly_lists": 1,
            "wish_corrections": 1,
            "claimants": 1,
        }
        assert traces(table_dump(db_url)) == {}
        # Nobody else lost anything.
        after = store.counts()
        assert {t: counts[t] - after[t] for t in counts if counts[t] != after[t]} == deleted
        # The audit entry stays (who looked something up, when), but no longer names the person.
        assert store.list_audit(PERSON_ID) == []
        assert [(a.action, a.claimant_id, a.payload) for a in store.list_audit()] == [
            ("candidates", None, {"k": 1}),
            ("suggestions", None, {"redacted": "erasure"}),
        ]


def test_sqlite_file_keeps_no_deleted_bytes(tmp_path: Path) -> None:
    """Deleted rows must not linger in free pages of the database file or in old WAL frames."""
    db = tmp_path / "db" / "passgenau.db"
    with Store.open(f"sqlite:///{db}") as store:
        fill(store)
        # The rows reach the database file itself (a checkpoint), not only the WAL.
        store._flush_wal()
        assert "passgenau.db" in file_traces(db.parent, TEXT_NEEDLES)  # the search can fail
        store.delete_claimant(PERSON_ID)
        # While the store is open (a running service) as well as after it is closed.
        assert file_traces(db.parent, [*TEXT_NEEDLES, *PLACE_NEEDLES]) == {}
    assert file_traces(db.parent, [*TEXT_NEEDLES, *PLACE_NEEDLES]) == {}


def test_sqlite_connections_overwrite_deleted_content(tmp_path: Path) -> None:
    """Debian's SQLite is built with secure_delete on; the store sets it so that no build leaves
    deleted rows in free pages (the test above cannot tell the difference on this machine)."""
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_compacted_embedding_cache_holds_neither_key_nor_vector(tmp_path: Path) -> None:
    emb = TrigramEmbedder()
    encoder = RecordEncoder(emb, EmbeddingCache(tmp_path / "embeddings", emb.model_id, emb.dim))
    others = [make_claimant(i, profile_text=f"Profil {i}") for i in range(30)]
    vectors = encoder.encode_claimants([*others, person()])
    key, vector = claimant_key(person()), vectors[-1].tobytes()

    def found() -> list[str]:
        hits = []
        for path in (tmp_path / "embeddings").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                hits += [f"{path.name}:key"] * (key.encode() in data) + [f"{path.name}:vector"] * (
                    vector in data
                )
        return hits

    assert sorted(found()) == ["keys-0.txt:key", "vectors-0.f32:vector"]
    assert encoder.cache.compact({key}) == 1
    assert found() == []
    # The others are still there, bit for bit.
    fresh = EmbeddingCache(tmp_path / "embeddings", emb.model_id, emb.dim)
    got, mask = fresh.get([claimant_key(c) for c in others])
    assert mask.all() and np.array_equal(got, vectors[:-1])


def test_forgetting_a_profile_reaches_every_models_cache(tmp_path: Path) -> None:
    """An import drops an earlier profile's vector from the cache of every embedding model the data
    directory holds (an earlier model's cache keeps the person as well), without loading a model."""
    from matcher.bootstrap import Services
    from matcher.settings import Settings

    services = Services(Settings(data_dir=tmp_path))
    emb = TrigramEmbedder()
    current = RecordEncoder(emb, EmbeddingCache(services.layout.embeddings, emb.model_id, emb.dim))
    earlier_model = EmbeddingCache(services.layout.embeddings, "earlier-model", emb.dim)
    v1, v2, other = person(), person(profile_text="Quokkapflegerin, jetzt Lager."), make_claimant(1)
    current.encode_claimants([v1, other])
    earlier_model.add([claimant_key(v1), claimant_key(other)], emb.encode_queries(["a", "b"]))
    assert services.forget_profiles([v1], keep=[v2]) == 2
    for cache in (
        EmbeddingCache(services.layout.embeddings, m, emb.dim) for m in (emb.model_id, "earlier-model")
    ):
        assert cache.get([claimant_key(v1), claimant_key(other)])[1].tolist() == [False, True]
    # A profile the import still uses is kept.
    assert services.forget_profiles([other], keep=[other]) == 0
