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
