from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from matcher.bootstrap import Services
from matcher.index import FaissIndex
from matcher.settings import Settings
from matcher.store import Store
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.factories import make_vacancy
from tests.fakes import TrigramEmbedder


def test_index_follows_the_store_without_full_rebuilds(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings.resolved_database_url)
    encoder = RecordEncoder(TrigramEmbedder(), EmbeddingCache(tmp_path / "emb", "trigram-64", 64))
    v1, v2, v3 = (
        make_vacancy(id=f"V{i}", title=t) for i, t in [(1, "Lagerhelfer"), (2, "Koch"), (3, "Fahrer")]
    )
    store.upsert_vacancies([v1, v2, v3])

    index, sync = Services(settings, store=store, encoder=encoder).sync_index()
    assert sync.rebuilt and index.ids.tolist() == ["V1", "V2", "V3"]

    v2b = dataclasses.replace(v2, title="Beikoch in der Kantine")
    store.upsert_vacancies([v2b, dataclasses.replace(v3, filled=True), make_vacancy(id="V4", title="Maler")])
    index, sync = Services(settings, store=store, encoder=encoder).sync_index()
    assert (sync.added, sync.updated, sync.removed, sync.rebuilt) == (1, 1, 1, False)
    assert index.ids.tolist() == ["V1", "V2", "V4"]
    np.testing.assert_array_equal(index.vector("V2"), encoder.encode_vacancies([v2b])[0])

    reloaded = FaissIndex.load(settings.layout.vacancy_index)
    assert reloaded.version == index.version
    _, again = Services(settings, store=store, encoder=encoder).sync_index()
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    store.close()


def test_a_server_gets_the_synced_version_mapped(tmp_path: Path) -> None:
    """``sync_index(mmap=True)`` (a server's start) returns the version the sync leaves, read-only
    mapped (vectors and faiss codes), whether it was built, changed or found as it is; without
    ``mmap`` the same version as a private copy that can be changed."""
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings.resolved_database_url)
    encoder = RecordEncoder(TrigramEmbedder(), EmbeddingCache(tmp_path / "emb", "trigram-64", 64))
    services = Services(settings, store=store, encoder=encoder)
    v1, v2 = make_vacancy(id="V1", title="Lagerhelfer"), make_vacancy(id="V2", title="Koch")
    store.upsert_vacancies([v1, v2])

    built, sync = services.sync_index(mmap=True)
    assert sync.rebuilt and isinstance(built.vectors(), np.memmap) and built._mapped
    store.upsert_vacancies([dataclasses.replace(v2, title="Beikoch"), make_vacancy(id="V3", title="Maler")])
    changed, sync = services.sync_index(mmap=True)
    assert (sync.added, sync.updated, sync.removed) == (1, 1, 0) and changed._mapped
    assert changed.version == sync.version != built.version and changed.ids.tolist() == ["V1", "V2", "V3"]
    same, sync = services.sync_index(mmap=True)
    assert (sync.added, sync.updated, sync.removed, sync.version) == (0, 0, 0, changed.version)
    assert same._mapped and np.array_equal(same.vectors(), changed.vectors())
    copy, sync = services.sync_index()
    assert sync.version == changed.version and not copy._mapped
    assert not isinstance(copy.vectors(), np.memmap)
    copy.remove(["V3"])  # a private copy is writable
    store.close()


def test_changed_rows_are_compared_per_block_with_vectors_asked_per_block(tmp_path: Path) -> None:
    """``changed_rows`` asks the encoder for the rows of one saved block at a time (never for all
    vacancies at once), and returns the changed rows ascending with their new vectors."""
    from matcher.bootstrap import changed_rows

    rng = np.random.default_rng(2)
    n = 20_000  # three blocks of 8,192
    x = rng.standard_normal((n, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    saved_ids = [f"V{i:05d}" for i in range(n)]
    path = FaissIndex.build(x, saved_ids, "m", exact_below=50_000).save(tmp_path / "index")
    saved = FaissIndex.load_version(path, mmap=True, mmap_faiss=True)
    now = x.copy()
    now[[5, 9_000, 19_999]] = now[[6, 9_001, 0]]  # three vectors changed
    ids = ["V-new", *reversed(saved_ids[1:])]  # another order, one new, V00000 gone
    current = {v: now[int(v[1:])] if v != "V-new" else now[0] for v in ids}
    asked: list[int] = []

    def encode(rows: list[int]) -> np.ndarray:
        asked.append(len(rows))
        return np.stack([current[ids[r]] for r in rows])

    rows, vectors = changed_rows(saved, ids, set(saved_ids), encode)
    assert rows == sorted(ids.index(v) for v in ("V00005", "V09000", "V19999"))
    assert np.array_equal(vectors, now[[int(ids[r][1:]) for r in rows]])
    assert asked == [8_191, 8_192, n - 2 * 8_192] and sum(asked) == n - 1
