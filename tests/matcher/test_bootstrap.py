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
