"""Assembles the running parts from one Settings object: shared by the CLI and the API app.

This is composition, not core: it is the one module under ``matcher/`` besides ``cli.py`` that
imports ``models`` (lazily), so that both entry points build the same service the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.domain import Vacancy
    from matcher.index import FaissIndex
    from matcher.service import MatchService, PairScorer
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)


def index_root(settings: Settings) -> Path:
    return settings.data_dir / "index" / "vacancies"


def open_store(settings: Settings) -> Store:
    from matcher.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store.open(settings.resolved_database_url)


def record_encoder(settings: Settings) -> RecordEncoder:
    """The configured embedding model with its cache under ``data_dir/embeddings``."""
    from models.cache import EmbeddingCache
    from models.embedder import embedder_from_settings
    from models.encoding import RecordEncoder

    embedder = embedder_from_settings(settings.embedder, settings.data_dir)
    cache = EmbeddingCache(settings.data_dir / "embeddings", embedder.model_id, embedder.dim)
    return RecordEncoder(embedder, cache)


def title_entries(settings: Settings) -> list[Any]:
    """Occupation titles for grounding: the imported official ones if present, else the curated list."""
    from matcher.taxonomy import curated_titles, read_titles

    imported = settings.data_dir / "taxonomy" / "titles.tsv"
    return read_titles(imported) if imported.exists() else curated_titles()


def build_grounder(settings: Settings, encoder: RecordEncoder, *, progress: bool = False) -> Any:
    """Maps desired-occupation texts to KldB codes by their nearest titles (embedded once, cached)."""
    from matcher.taxonomy import TitleGrounder
    from matcher.text import content_hash

    entries = title_entries(settings)
    titles = [e.title for e in entries]
    vectors = encoder.cache.embed(
        [content_hash("title\n" + t) for t in titles],
        titles,
        encoder.embedder.encode_passages,
        progress=progress,
        desc="occupation titles",
    )
    return TitleGrounder(entries, vectors, encoder.embedder.encode_queries)


@dataclass(frozen=True)
class IndexSync:
    version: str
    added: int
    updated: int
    removed: int
    rebuilt: bool


def indexable_vacancies(store: Store) -> list[Vacancy]:
    """The vacancies the index holds: filled ones (the history's among them) can never be suggested."""
    return [v for v in store.list_vacancies() if not v.filled]


def sync_vacancy_index(
    settings: Settings,
    store: Store,
    encoder: RecordEncoder,
    *,
    rebuild: bool = False,
    progress: bool = False,
    vacancies: list[Vacancy] | None = None,
) -> tuple[FaissIndex, IndexSync]:
    """Bring the vacancy index in line with the store, embedding only new or changed texts.

    Vectors of every stored vacancy come through the cache (cheap when nothing changed); rows whose
    vector differs from the index's are updated in place, vanished vacancies removed, new ones added,
    and the result saved as a new index version. Without a usable index, or with ``rebuild``, the
    index is built from scratch. ``vacancies`` saves reading them again when the caller has them.
    """
    from matcher.errors import BundleMismatch
    from matcher.index import FaissIndex

    if vacancies is None:
        vacancies = indexable_vacancies(store)
    ids = [v.id for v in vacancies]
    vectors = encoder.encode_vacancies(vacancies, progress=progress)
    root = index_root(settings)
    index: FaissIndex | None = None
    if not rebuild:
        try:
            index = FaissIndex.load(root, model_id=encoder.model_id)
        except BundleMismatch as exc:
            log.info("vacancy index not loadable (%s): building it", exc)
    if index is None or len(ids) == 0:
        index = FaissIndex.build(vectors, ids, encoder.model_id, **settings.index.build_options())
        index.save(root, keep=settings.index.versions_kept)
        return index, IndexSync(index.version, len(ids), 0, 0, True)
    known = set(index.ids.tolist())
    wanted = set(ids)
    gone = sorted(known - wanted)
    present = [i for i, v in enumerate(ids) if v in known]
    changed: list[int] = []
    if present:
        old = index.vectors([ids[i] for i in present])
        diff = np.abs(old - vectors[present]).max(axis=1) > 1e-6
        changed = [present[j] for j in np.flatnonzero(diff)]
    new = [i for i, v in enumerate(ids) if v not in known]
    if not (gone or changed or new):
        return index, IndexSync(index.version, 0, 0, 0, False)
    if gone:
        index.remove(gone)
    rows = changed + new
    if rows:
        index.upsert(vectors[rows], [ids[i] for i in rows])
    index.save(root, keep=settings.index.versions_kept)
    return index, IndexSync(index.version, len(new), len(changed), len(gone), False)


def build_service(
    settings: Settings,
    store: Store,
    encoder: RecordEncoder,
    *,
    scorer: PairScorer | None = None,
    with_claimants: bool = False,
    progress: bool = False,
) -> MatchService:
    """The lookup service over the store's vacancies (and, for reverse matching, its claimants)."""
    from matcher.catalog import ClaimantCatalog, VacancyCatalog
    from matcher.geo import load_directory
    from matcher.service import MatchService

    # Read the vacancies once: loading 100,000 of them takes seconds.
    vacancies = indexable_vacancies(store)
    index, sync = sync_vacancy_index(settings, store, encoder, progress=progress, vacancies=vacancies)
    log.info("vacancy index %s (%s)", index.version, sync)
    by_id = {v.id: v for v in vacancies}
    geo = load_directory()
    catalog = VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo)
    claimant_catalog = None
    if with_claimants:
        claimants = store.list_claimants(active_only=True)
        vectors = encoder.encode_claimants(claimants, progress=progress)
        claimant_catalog = ClaimantCatalog.build(claimants, vectors, geo)
    return MatchService(
        claimants=store,
        vacancies=catalog,
        index=index,
        encoder=encoder,
        geo=geo,
        scorer=scorer,
        grounder=build_grounder(settings, encoder, progress=progress),
        claimant_catalog=claimant_catalog,
        commute=settings.commute,
        ranking=settings.ranking,
        household=settings.household,
        today=settings.as_of,
    )
