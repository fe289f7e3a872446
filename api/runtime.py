"""What the running app holds: the store, the encoder and a snapshot of the lookup service.

Lookups read ``Runtime.service`` once and use that snapshot to the end; writes (a vacancy or a
claimant created, changed or erased) are serialised by one lock, build the changed parts beside
the live ones (a fresh copy of the index loaded from its saved version, new catalogs) and swap
the snapshot in with one assignment. A search therefore never overlaps a change of the index it
reads (``FaissIndex`` is safe for concurrent searches, not for searches during ``upsert``), and
no read lock is needed.

Claimants for reverse matching are held per Jobcenter: case managers and team leads only ever
see candidates from their own Jobcenter, and a change re-builds only that Jobcenter's catalog.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from matcher.bootstrap import Services, assemble_service, indexable_vacancies
from matcher.catalog import ClaimantCatalog
from matcher.domain import Claimant, Vacancy
from matcher.errors import BundleMismatch
from matcher.geo import PostcodeDirectory
from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.index import FaissIndex
    from matcher.service import MatchService
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]


def single_thread_faiss() -> None:
    """FAISS runs its searches with OpenMP; one request is one query, so one thread per request
    keeps concurrent requests from oversubscribing the cores. The OpenMP setting is per thread:
    call it in the thread that searches (it costs nanoseconds)."""
    import faiss

    faiss.omp_set_num_threads(1)


def single_thread_blas() -> None:
    """One BLAS (OpenBLAS) thread for the whole server process. A lookup's matrix products are small;
    with OpenBLAS's default of one thread per core, concurrent requests hand work to spinning BLAS
    threads that compete with the request threads for the 2 cores: bench/http_bench.py measured p50
    20.8 -> 10.1 ms on one connection and 68 -> 93 lookups/s on four with this limit. Process-wide,
    so it is set by the serving entry points, not by ``create_app`` (tests share their process)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class TransientEncoder:
    """A query encoder for profiles that are not stored: nothing goes into the embedding cache."""

    def __init__(self, encoder: LockedEncoder) -> None:
        self.inner = encoder
        self.model_id = encoder.model_id

    def encode_claimant(self, claimant: Claimant) -> F32:
        return self.inner.encode_transient(claimant)


class LockedEncoder:
    """The record encoder behind a lock: its cache swaps its key map and matrix in two steps when
    another writer has added rows, which a concurrent reader must not observe half-done."""

    def __init__(self, encoder: RecordEncoder) -> None:
        self.inner = encoder
        self.model_id = encoder.model_id
        self._lock = threading.Lock()

    def encode_claimant(self, claimant: Claimant) -> F32:
        with self._lock:
            return self.inner.encode_claimant(claimant)

    def encode_claimants(self, claimants: Sequence[Claimant]) -> F32:
        with self._lock:
            return self.inner.encode_claimants(claimants)

    def encode_vacancies(self, vacancies: Sequence[Vacancy]) -> F32:
        with self._lock:
            return self.inner.encode_vacancies(vacancies)

    def compact(self, drop: set[str]) -> int:
        with self._lock:
            return self.inner.cache.compact(drop)

    def encode_transient(self, claimant: Claimant) -> F32:
        with self._lock:
            return self.inner.encode_transient(claimant)

    def forget_profiles(self, claimants: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        """Drop these claimants' profile vectors from the cache, except those ``keep`` still uses."""
        from models.encoding import profile_keys_to_drop

        drop = profile_keys_to_drop(claimants, keep)
        return self.compact(drop) if drop else 0


# Store methods that write: on SQLite, the app runs them one at a time (see SerializedWrites).
WRITE_METHODS = frozenset(
    {
        "upsert_claimants", "upsert_vacancies", "upsert_employers", "upsert_outcomes", "upsert_proposals",
        "add_lookup", "add_action", "add_audit", "delete_claimant", "delete_vacancy", "add_token",
        "revoke_token",
        "set_wish_correction", "remove_wish_correction",  # matcher.readings (issue 22)
    }
)  # fmt: skip


class SerializedWrites:
    """The store with its writes run one at a time in this process (SQLite only).

    An upsert reads which ids exist, then writes, in one deferred SQLite transaction; when another
    thread commits in between (an audit row of a concurrent lookup), SQLite cannot upgrade the
    reader's snapshot to a writer and fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT;
    the busy timeout does not apply). Running the app's writes one at a time avoids that; reads stay
    concurrent (WAL). PostgreSQL needs none of this.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in WRITE_METHODS:
            return attr

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attr(*args, **kwargs)

        return locked


def split_by_jobcenter(catalog: ClaimantCatalog | None, geo: PostcodeDirectory) -> dict[str, ClaimantCatalog]:
    if catalog is None:
        return {}
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(catalog.claimants):
        groups.setdefault(c.jobcenter, []).append(i)
    return {jc: catalog.take(idx, geo) for jc, idx in groups.items()}


class Runtime:
    def __init__(self, services: Services, service: MatchService) -> None:
        self.services = services
        self.settings: Settings = services.settings
        store = services.store()
        self.store: Store = cast("Store", SerializedWrites(store)) if store.dialect == "sqlite" else store
        encoder = services.encoder()
        self.encoder = LockedEncoder(encoder)
        self.geo: PostcodeDirectory = service.geo
        self._by_jc = split_by_jobcenter(service.claimant_catalog, self.geo)
        self._service = service.with_encoder(self.encoder).with_claimants(None)
        self._empty = ClaimantCatalog.build(
            [], np.zeros((0, encoder.dim), dtype=np.float32), self.geo, codes=[]
        )
        self._write = threading.Lock()

    # -- reading -------------------------------------------------------------------------------
    @property
    def service(self) -> MatchService:
        return self._service

    def transient_service(self) -> MatchService:
        """The live service with an encoder that caches nothing (ad-hoc profiles)."""
        return self._service.with_encoder(TransientEncoder(self.encoder))

    def service_for(self, jobcenter: str) -> MatchService:
        """The live service whose reverse matching sees only this Jobcenter's claimants."""
        return self._service.with_claimants(self._by_jc.get(jobcenter, self._empty))

    def claimants_indexed(self, jobcenter: str | None = None) -> int:
        """Claimants in reverse matching: of one Jobcenter, or (None) of all."""
        if jobcenter is not None:
            return len(self._by_jc.get(jobcenter, self._empty))
        return sum(len(c) for c in self._by_jc.values())

    # -- vacancies -----------------------------------------------------------------------------
    def _fresh_index(self, version: str) -> FaissIndex | None:
        try:
            return self.services.load_index_version(version)
        except BundleMismatch as exc:
            log.warning("live index version not loadable (%s): syncing from the store", exc)
            return None

    def vacancies_changed(self, upserted: Sequence[Vacancy] = (), removed: Sequence[str] = ()) -> str:
        """Bring the index and the vacancy catalog in line after a store change; the new index version."""
        with self._write:
            # The employers as stored now, read under the lock: an employer write committed since the
            # caller read its vacancies must not be undone in memory by this older copy.
            upserted = self._with_stored_employers(upserted)
            svc = self._service
            by_id: dict[str, Vacancy] = {v.id: v for v in svc.vacancies.vacancies}
            index = self._fresh_index(svc.index.version)
            if index is None:
                vacancies = indexable_vacancies(self.store)
                with self.encoder._lock:
                    index, _ = self.services.sync_index(vacancies=vacancies)
                by_id = {v.id: v for v in vacancies}
            else:
                gone = [*removed, *(v.id for v in upserted if v.filled)]
                live = [v for v in upserted if not v.filled]
                if gone:
                    index.remove(gone, missing_ok=True)
                if live:
                    index.upsert(self.encoder.encode_vacancies(live), [v.id for v in live])
                index.save(self.settings.layout.vacancy_index, keep=self.settings.index.versions_kept)
                for vid in gone:
                    by_id.pop(vid, None)
                by_id.update((v.id, v) for v in live)
            self._swap(index, list(by_id.values()))
            return index.version

    def _with_stored_employers(self, vacancies: Sequence[Vacancy]) -> list[Vacancy]:
        stored = self.store.get_employers([v.employer.id for v in vacancies])
        return [dataclasses.replace(v, employer=stored.get(v.employer.id, v.employer)) for v in vacancies]

    def employer_changed(self, employer_id: str) -> str:
        """Give the held vacancies of an employer its stored record (the index is untouched: a
        vacancy's text does not name its employer); the index version."""
        with self._write:
            svc = self._service
            found = self.store.get_employers([employer_id])
            if employer_id in found:
                e = found[employer_id]
                held = svc.vacancies.vacancies
                if any(v.employer.id == employer_id and v.employer != e for v in held):
                    self._swap(
                        svc.index,
                        [
                            dataclasses.replace(v, employer=e) if v.employer.id == employer_id else v
                            for v in held
                        ],
                    )
            return svc.index.version

    def _swap(self, index: Any, vacancies: list[Vacancy]) -> None:
        """A new service snapshot over ``index`` and ``vacancies`` (called under the write lock)."""
        svc = self._service
        self._service = assemble_service(
            index=index,
            vacancies=vacancies,
            claimants=svc.claimants,
            encoder=self.encoder,
            geo=self.geo,
            scorer=svc.scorer,
            grounder=svc.grounder,
            commute=svc.commute,
            ranking=svc.ranking,
            household=svc.household,
            today=self.settings.as_of,
        )

    # -- claimants -----------------------------------------------------------------------------
    def claimant_changed(self, claimant: Claimant | None, claimant_id: str) -> None:
        """Re-build the catalogs holding ``claimant_id`` (None: erased) and the one it now belongs to."""
        with self._write:
            by_jc = dict(self._by_jc)
            for jc, cat in self._by_jc.items():
                if claimant_id in cat.position:
                    by_jc[jc] = cat.take(
                        [i for i, c in enumerate(cat.claimants) if c.id != claimant_id], self.geo
                    )
            if claimant is None:
                # Erased: its stored grounding goes with it (every grounder's file).
                self.services.forget_groundings([claimant_id])
            elif claimant.active:
                cat = by_jc.get(claimant.jobcenter, self._empty)
                vec = self.encoder.encode_claimants([claimant])
                # Grounded now, when it is written, and stored: no reverse lookup grounds it again.
                (codes,) = self.services.grounded_codes().codes_of([claimant])
                merged = [
                    *zip(cat.claimants, cat.vectors, cat.codes, strict=True),
                    (claimant, vec[0], codes),
                ]
                merged.sort(key=lambda cvk: cvk[0].id)
                by_jc[claimant.jobcenter] = ClaimantCatalog.build(
                    [c for c, _, _ in merged],
                    np.stack([v for _, v, _ in merged]).astype(np.float32),
                    self.geo,
                    codes=[k for _, _, k in merged],
                )
            else:
                # Inactive: out of reverse matching, but its grounding is kept current for when it returns.
                self.services.grounded_codes().refresh([claimant])
            self._by_jc = by_jc

    def forget_profiles(self, claimants: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        """The serving model's cache under the encoder's lock (its readers), then every other
        model's cache of the data directory: an earlier embedding model holds the profile too."""
        dropped = self.encoder.forget_profiles(claimants, keep)
        return dropped + self.services.forget_profiles(claimants, keep)

    def info(self) -> dict[str, Any]:
        svc = self._service
        return {
            "index_version": svc.index.version,
            "vacancies": len(svc.vacancies),
            "claimants_indexed": self.claimants_indexed(),
            "model_version": svc.scorer.model_version,
            "embedder_id": svc.encoder.model_id,
        }
