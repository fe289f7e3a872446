"""The one composition root: builds the running parts from one ``Settings`` object.

Every entry point gets its services here: the CLI (``matcher.cli``), the API's lifespan
(``api.app``), the nightly batch, audit replay, the ranking evaluation and the benchmarks. Nothing
else constructs a ``MatchService`` (``assemble_service`` is the one call of its constructor), and
the paths of the data directory come from ``settings.layout`` only.

Parts can be injected (``Services(settings, store=..., encoder=..., scorer=...)``): tests pass small
fakes that implement the same protocols instead of patching module attributes. Heavy libraries
(torch, faiss, sqlalchemy, scikit-learn) are imported by the methods that need them, so
``passgenau --help`` and the pure tests stay fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.catalog import ClaimantCatalog, VacancyCatalog
from matcher.domain import Claimant, Vacancy
from matcher.errors import BundleMismatch
from matcher.geo import PostcodeDirectory
from matcher.service import ClaimantSource, Grounder, MatchService, PairScorer, QueryEncoder, VectorIndex
from matcher.settings import CommuteSettings, HouseholdSettings, MeasureSettings, RankingSettings, Settings

if TYPE_CHECKING:
    from matcher.esco import EscoGrounder
    from matcher.grounding import GroundedCodes
    from matcher.index import FaissIndex
    from matcher.readings import CorrectedGrounder
    from matcher.store import Store
    from matcher.taxonomy import TitleEntry, TitleGrounder
    from matcher.usecases.auskunft import Auskunft
    from matcher.usecases.claimants import ClaimantRecords
    from matcher.usecases.employers import EmployerRecords
    from matcher.usecases.erasure import Erasure
    from matcher.usecases.history import ProposalHistory
    from matcher.usecases.lookups import Lookups
    from matcher.usecases.measures import Measures
    from matcher.usecases.notices import Notices
    from matcher.usecases.outcomes import Outcomes
    from matcher.usecases.pairs import PairLookups
    from matcher.usecases.ports import LiveMatching
    from matcher.usecases.proposals import Proposals
    from matcher.usecases.readings import WishReadings
    from matcher.usecases.vacancies import VacancyRecords
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

# "Not given": ``scorer=None`` is a choice (rank by fit alone), so absence needs its own marker.
UNSET: Any = object()


def assemble_service(
    *,
    index: VectorIndex,
    vacancies: Sequence[Vacancy] | VacancyCatalog,
    claimants: ClaimantSource,
    encoder: QueryEncoder,
    geo: PostcodeDirectory,
    scorer: PairScorer | None,
    grounder: Grounder | None,
    commute: CommuteSettings,
    ranking: RankingSettings,
    household: HouseholdSettings,
    today: date | None,
    claimant_catalog: ClaimantCatalog | None = None,
) -> MatchService:
    """The lookup service over ``index``; ``vacancies`` hold at least every id the index holds
    (in any order: the catalog is built in the index's order, which the service requires), or are
    a catalog already built in that order (the nightly workers reuse theirs)."""
    if isinstance(vacancies, VacancyCatalog):
        catalog = vacancies
    else:
        by_id = {v.id: v for v in vacancies}
        catalog = VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo)
    return MatchService(
        claimants=claimants,
        vacancies=catalog,
        index=index,
        encoder=encoder,
        geo=geo,
        scorer=scorer,
        grounder=grounder,
        claimant_catalog=claimant_catalog,
        commute=commute,
        ranking=ranking,
        household=household,
        today=today,
    )


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


def changed_rows(
    saved: FaissIndex,
    ids: Sequence[str],
    known: set[str],
    encode: Callable[[list[int]], np.ndarray[Any, Any]],
) -> tuple[list[int], np.ndarray[Any, Any]]:
    """Rows of ``ids`` already in ``saved`` whose vector there differs from the one ``encode`` gives
    for them now (ascending), and those vectors.

    Compared in the saved index's blocks (``FaissIndex.vector_blocks``: of a mapped version only one
    block's pages are mapped at a time), and ``encode`` (rows of ``ids`` -> their vectors, through
    the embedding cache) is asked per block: at 100,000 × 384 every full-size array is 154 MB, and
    the start held the vectors of all vacancies beside the records and the model."""
    where = {v: i for i, v in enumerate(ids) if v in known}
    saved_ids = saved.ids
    found: list[np.ndarray[Any, Any]] = []
    fresh: list[np.ndarray[Any, Any]] = []
    for start, old in saved.vector_blocks():
        rows = np.fromiter((where.get(v, -1) for v in saved_ids[start : start + len(old)].tolist()),
                           dtype=np.int64, count=len(old))  # fmt: skip
        keep = np.flatnonzero(rows >= 0)
        if not len(keep):
            continue
        now = encode(rows[keep].tolist())
        diff = np.abs(old[keep] - now).max(axis=1) > 1e-6
        found.append(rows[keep[diff]])
        fresh.append(now[diff])
    if not found:
        return [], np.zeros((0, saved.dim), dtype=np.float32)
    rows_all, vectors = np.concatenate(found), np.concatenate(fresh)
    order = np.argsort(rows_all, kind="stable")
    return rows_all[order].tolist(), vectors[order]


@dataclass(frozen=True)
class UseCases:
    """What the API's routes call: one object per use case, over one store and one live state."""

    lookups: Lookups
    claimants: ClaimantRecords
    vacancies: VacancyRecords
    employers: EmployerRecords
    proposals: Proposals
    history: ProposalHistory
    pairs: PairLookups
    outcomes: Outcomes
    erasure: Erasure
    auskunft: Auskunft
    notices: Notices
    measures: Measures
    readings: WishReadings


def build_use_cases(
    store: Any,
    live: LiveMatching,
    erase_nightly: Callable[[str], int],
    measures: MeasureSettings | None = None,
) -> UseCases:
    """The use cases over ``store`` (the SQL store or a fake with the same methods) and ``live``."""
    from matcher.pair_explanation import explain_pair
    from matcher.usecases.auskunft import Auskunft
    from matcher.usecases.claimants import ClaimantRecords
    from matcher.usecases.employers import EmployerRecords
    from matcher.usecases.erasure import Erasure
    from matcher.usecases.history import ProposalHistory
    from matcher.usecases.lookups import Lookups
    from matcher.usecases.measures import Measures
    from matcher.usecases.notices import Notices
    from matcher.usecases.outcomes import Outcomes
    from matcher.usecases.pairs import PairLookups
    from matcher.usecases.proposals import Proposals
    from matcher.usecases.readings import WishReadings
    from matcher.usecases.vacancies import VacancyRecords

    return UseCases(
        lookups=Lookups(store, store, live, store, readings=store, snapshot=store),
        claimants=ClaimantRecords(store, store, live),
        vacancies=VacancyRecords(store, store, live),
        employers=EmployerRecords(store, store, live),
        proposals=Proposals(store, store, store, store),
        history=ProposalHistory(store, store, store, store),
        pairs=PairLookups(store, store, live),
        outcomes=Outcomes(store, store, store, store),
        erasure=Erasure(store, store, live, erase_nightly),
        auskunft=Auskunft(store),
        # The live service at the time of asking: a notice explains on the model now serving.
        notices=Notices(store, lambda c, vacancy_id: explain_pair(live.service, c, vacancy_id)),
        measures=Measures(store, store, live, measures or MeasureSettings()),
        readings=WishReadings(store, store, store, live),
    )


class Services:
    """The parts of a running passgenau, built on first use from ``settings`` unless injected."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        encoder: RecordEncoder | None = None,
        scorer: PairScorer | None = UNSET,
        geo: PostcodeDirectory | None = None,
    ) -> None:
        self.settings = settings
        self.layout = settings.layout
        self._store = store
        self._owns_store = store is None
        self._encoder = encoder
        self._scorer = scorer
        self._geo = geo
        self._grounder: TitleGrounder | None = None

    # -- the parts -------------------------------------------------------------------------------
    def store(self) -> Store:
        if self._store is None:
            from matcher.store import Store

            self.layout.root.mkdir(parents=True, exist_ok=True)
            self._store = Store.open(self.settings.resolved_database_url)
        return self._store

    def nightly_eraser(self) -> Callable[[str], int]:
        """Rewrites the nightly runs' files without a claimant; how many runs it changed."""

        def erase(claimant_id: str) -> int:
            from matcher.nightly.erasure import erase_from_runs

            return len(erase_from_runs(self.store(), self.layout.nightly, claimant_id))

        return erase

    def forget_profiles(self, earlier: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        """Drop the vectors of ``earlier`` profiles (except those ``keep`` still uses) from every
        embedding cache of the data directory, the configured model's and any earlier model's, without
        loading a model; how many vectors went. A path that changes a stored profile outside the
        running service (an import) calls this, so that an erasure later finds only the current one."""
        from models.cache import EmbeddingCache
        from models.encoding import profile_keys_to_drop

        # A claimant in ``earlier`` but not in ``keep`` is gone (erased): its groundings go too.
        self.forget_groundings({c.id for c in earlier} - {c.id for c in keep})
        drop = profile_keys_to_drop(earlier, keep)
        if not drop:
            return 0
        caches = {c.dir: c for c in EmbeddingCache.every_model(self.layout.embeddings)}
        if self._encoder is not None:
            caches.setdefault(self._encoder.cache.dir, self._encoder.cache)
        return sum(cache.compact(drop) for cache in caches.values())

    def close(self) -> None:
        if self._store is not None and self._owns_store:
            self._store.close()
            self._store = None

    def encoder(self) -> RecordEncoder:
        """The configured embedding model behind its cache (``layout.embeddings``)."""
        if self._encoder is None:
            from models.cache import EmbeddingCache
            from models.embedder import embedder_from_settings
            from models.encoding import RecordEncoder

            embedder = embedder_from_settings(self.settings.embedder, self.layout.root)
            cache = EmbeddingCache(self.layout.embeddings, embedder.model_id, embedder.dim)
            self._encoder = RecordEncoder(embedder, cache)
        return self._encoder

    def scorer(self) -> PairScorer | None:
        """The scorer of the ``current`` bundle; None (rank by fit alone) until one is trained.

        A bundle that exists but fails its checks raises ``BundleMismatch``: a tampered or
        incompatible model must stop the service, not silently fall back to fit-only ranking.
        """
        if self._scorer is UNSET:
            from models.bundle import current_path

            path = current_path(self.layout.scorer_bundles)
            self._scorer = None if path is None else self.scorer_version(path.name)
        scorer: PairScorer | None = self._scorer
        return scorer

    def scorer_version(self, version: str) -> PairScorer:
        """The scorer of one kept bundle (audit replay), or fit-only ranking for "fit-only"."""
        from matcher.service import FitOnlyScorer

        if version == FitOnlyScorer.model_version:
            return FitOnlyScorer()
        from models.bundle import load_bundle
        from models.pair_scorer import ModelScorer

        path = self.layout.scorer_bundles / version
        if not path.is_dir():
            raise BundleMismatch(f"scorer bundle {version} is not kept under {self.layout.scorer_bundles}")
        bundle = load_bundle(path)
        log.info("scorer bundle %s loaded", bundle.version)
        return ModelScorer.from_bundle(bundle, self.settings.household)

    def geo(self) -> PostcodeDirectory:
        if self._geo is None:
            from matcher.geo import load_directory

            self._geo = load_directory()
        return self._geo

    def title_entries(self) -> list[TitleEntry]:
        """Occupation titles for grounding: the imported official ones if present, else the curated list."""
        from matcher.taxonomy import curated_titles, read_titles

        imported = self.layout.taxonomy_titles
        return read_titles(imported) if imported.exists() else curated_titles()

    def grounder(self, *, progress: bool = False) -> TitleGrounder:
        """Maps desired-occupation texts to KldB codes by their nearest titles (embedded once, cached)."""
        if self._grounder is None:
            from matcher.taxonomy import TitleGrounder
            from matcher.text import content_hash

            encoder = self.encoder()
            entries = self.title_entries()
            titles = [e.title for e in entries]
            vectors = encoder.cache.embed(
                [content_hash("title\n" + t) for t in titles],
                titles,
                encoder.embedder.encode_passages,
                progress=progress,
                desc="occupation titles",
            )
            self._grounder = TitleGrounder(
                entries,
                vectors,
                encoder.embedder.encode_queries,
                min_similarity=getattr(encoder.embedder, "grounding_floor", 0.85),
                model_id=encoder.model_id,
                esco=self.esco_grounder(progress=progress),
                esco_kldb=self.settings.grounding.esco_kldb,
            )
        return self._grounder

    def esco_grounder(self, *, progress: bool = False) -> EscoGrounder | None:
        """The imported ESCO occupations by their German labels (embedded once, cached like the
        titles), with their KldB codes where the crosswalk was imported; None without an import."""
        path = self.layout.taxonomy_esco
        if not path.exists():
            return None
        from matcher.esco import EscoGrounder, kldb_of, label_texts, read_esco, read_links
        from matcher.text import content_hash

        encoder = self.encoder()
        occupations = read_esco(path)
        links = self.layout.taxonomy_esco_kldb
        labels = [label for _, label in label_texts(occupations)]
        vectors = encoder.cache.embed(
            [content_hash("title\n" + t) for t in labels],
            labels,
            encoder.embedder.encode_passages,
            progress=progress,
            desc="ESCO occupation labels",
        )
        return EscoGrounder(
            occupations,
            vectors,
            kldb_of(read_links(links)) if links.exists() else None,
            min_similarity=getattr(encoder.embedder, "grounding_floor", 0.85),
        )

    def corrected_grounder(self, *, progress: bool = False) -> CorrectedGrounder:
        """The grounder with the case managers' corrections of readings (``matcher.readings``): the
        lookups' grounder, so that a correction changes the match depth at once."""
        from matcher.readings import CorrectedGrounder

        return CorrectedGrounder(self.grounder(progress=progress), self.store())

    def grounded_codes(self, *, progress: bool = False) -> GroundedCodes:
        """The stored groundings of the configured grounder (``matcher.grounding``)."""
        from matcher.grounding import GroundedCodes

        # The case managers' corrections of readings replace the grounder's (``matcher.readings``).
        return GroundedCodes(
            self.layout.grounding, self.grounder(progress=progress), self.store().wish_corrections
        )

    def forget_groundings(self, claimant_ids: Iterable[str]) -> int:
        """Remove these claimants' stored groundings, of every grounder (no model loaded)."""
        from matcher.grounding import forget_everywhere

        return forget_everywhere(self.layout.grounding, claimant_ids)

    def ground_claimants(self, claimants: Sequence[Claimant]) -> int:
        """Ground and store these claimants' wishes now (an import), so that reverse matching
        finds them grounded; how many were (re)grounded. Loads the embedding model."""
        return self.grounded_codes().refresh(claimants)

    # -- the vacancy index -----------------------------------------------------------------------
    def load_index_version(self, version: str, *, mmap: bool = False) -> FaissIndex:
        """One saved version; ``mmap``: its vectors (and with ``index.mmap_faiss`` the faiss index)
        memory-mapped read-only, shared by the server processes."""
        from matcher.index import FaissIndex

        return FaissIndex.load_version(
            self.layout.vacancy_index / version,
            model_id=self.encoder().model_id,
            mmap=mmap,
            mmap_faiss=mmap and self.settings.index.mmap_faiss,
        )

    def sync_index(
        self,
        *,
        rebuild: bool = False,
        progress: bool = False,
        vacancies: list[Vacancy] | None = None,
        mmap: bool = False,
    ) -> tuple[FaissIndex, IndexSync]:
        """Bring the vacancy index in line with the store, embedding only new or changed texts.

        Vectors of every stored vacancy come through the cache (cheap when nothing changed); rows
        whose vector differs from the index's are updated in place, vanished vacancies removed, new
        ones added, and the result saved as a new index version. Without a usable index, or with
        ``rebuild``, the index is built from scratch. ``vacancies`` saves reading them again.
        ``mmap``: the synced version is returned memory-mapped (``load_index_version``), else as a
        private copy.

        With ``mmap`` (a server's start) the saved version is compared through a read-only mapping,
        in blocks, and dropped before the version to return is loaded: the start held the
        comparison's private copy (faiss index and vectors), the mapped version it serves and four
        full-size temporaries at once. Without it (a command) the private copy is loaded once,
        compared in the same blocks and returned or written to.
        """
        from matcher.index import FaissIndex

        settings, encoder = self.settings, self.encoder()
        if vacancies is None:
            vacancies = indexable_vacancies(self.store())
        ids = [v.id for v in vacancies]
        root = self.layout.vacancy_index
        saved: FaissIndex | None = None
        if not rebuild:
            try:
                # A server compares through a mapping (no private copy beside the one it serves);
                # a command loads the private copy it writes to once.
                saved = FaissIndex.load(root, model_id=encoder.model_id, mmap=mmap, mmap_faiss=mmap)
            except BundleMismatch as exc:
                log.info("vacancy index not loadable (%s): building it", exc)
        if saved is None or len(ids) == 0:
            vectors = encoder.encode_vacancies(vacancies, progress=progress)
            index = FaissIndex.build(vectors, ids, encoder.model_id, **settings.index.build_options())
            index.save(root, keep=settings.index.versions_kept)
            sync = IndexSync(index.version, len(ids), 0, 0, True)
            return (self.load_index_version(index.version, mmap=True) if mmap else index), sync
        known = set(saved.ids.tolist())
        gone = sorted(known - set(ids))

        def encode(rows: list[int]) -> np.ndarray[Any, Any]:
            return encoder.encode_vacancies([vacancies[i] for i in rows], progress=progress)

        changed, changed_vectors = changed_rows(saved, ids, known, encode)
        new = [i for i, v in enumerate(ids) if v not in known]
        version, unchanged = saved.version, not (gone or changed or new)
        if not mmap:
            index = saved  # the private copy: returned as it is, or written to
            if unchanged:
                return index, IndexSync(version, 0, 0, 0, False)
        else:
            del saved  # its mappings: the version to return is loaded afresh, its pages not yet read
            if unchanged:
                return self.load_index_version(version, mmap=True), IndexSync(version, 0, 0, 0, False)
            index = self.load_index_version(version)  # a private copy to write to
        if gone:
            index.remove(gone)
        rows = changed + new
        if rows:
            if new:
                added = encoder.encode_vacancies([vacancies[i] for i in new], progress=progress)
                changed_vectors = np.concatenate([changed_vectors, added])
            index.upsert(changed_vectors, [ids[i] for i in rows])
        index.save(root, keep=settings.index.versions_kept)
        sync = IndexSync(index.version, len(new), len(changed), len(gone), False)
        if mmap:
            version = index.version
            del index
            return self.load_index_version(version, mmap=True), sync
        return index, sync

    # -- the lookup service ----------------------------------------------------------------------
    def service_over(
        self,
        index: VectorIndex,
        vacancies: Sequence[Vacancy],
        *,
        scorer: PairScorer | None,
        commute: CommuteSettings,
        ranking: RankingSettings,
        today: date | None,
        claimant_catalog: ClaimantCatalog | None = None,
    ) -> MatchService:
        """A lookup service over a given index and settings (audit replay: the logged ones)."""
        return assemble_service(
            index=index,
            vacancies=vacancies,
            claimants=self.store(),
            encoder=self.encoder(),
            geo=self.geo(),
            scorer=scorer,
            grounder=self.corrected_grounder(),
            claimant_catalog=claimant_catalog,
            commute=commute,
            ranking=ranking,
            household=self.settings.household,
            today=today,
        )

    def match_service(
        self, *, with_claimants: bool = False, progress: bool = False, mmap_index: bool = False
    ) -> MatchService:
        """The lookup service over the store's vacancies (and, for reverse matching, its claimants).

        ``mmap_index``: serve the synced index version memory-mapped and read-only (the server
        processes share its pages); a change then loads a private copy to write to."""
        store, encoder, geo = self.store(), self.encoder(), self.geo()
        # Read the vacancies once: loading 100,000 of them takes seconds.
        vacancies = indexable_vacancies(store)
        index, sync = self.sync_index(progress=progress, vacancies=vacancies, mmap=mmap_index)
        log.info("vacancy index %s (%s)", index.version, sync)
        claimant_catalog = None
        if with_claimants:
            claimants = store.list_claimants(active_only=True)
            vectors = encoder.encode_claimants(claimants, progress=progress)
            codes = self.grounded_codes(progress=progress).codes_of(claimants)
            claimant_catalog = ClaimantCatalog.build(claimants, vectors, geo, codes=codes)
        return assemble_service(
            index=index,
            vacancies=vacancies,
            claimants=store,
            encoder=encoder,
            geo=geo,
            scorer=self.scorer(),
            grounder=self.corrected_grounder(progress=progress),
            claimant_catalog=claimant_catalog,
            commute=self.settings.commute,
            ranking=self.settings.ranking,
            household=self.settings.household,
            today=self.settings.as_of,
        )
