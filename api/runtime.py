"""What the running app holds: the store, the encoder and a snapshot of the lookup service.

Lookups read ``Runtime.service`` once and use that snapshot to the end; writes (a vacancy or a
claimant created, changed or erased) are serialised by one lock, build the changed parts beside
the live ones (a fresh copy of the index loaded from its saved version, new catalogs) and swap
the snapshot in with one assignment. A search therefore never overlaps a change of the index it
reads (``FaissIndex`` is safe for concurrent searches, not for searches during ``upsert``), and
no read lock is needed.

Claimants for reverse matching are held per Jobcenter: case managers and team leads only ever
see candidates from their own Jobcenter, and a change re-builds only that Jobcenter's catalog.

Several server processes (``passgenau serve --workers N``, ``api.workers``) each hold these
catalogs and an index. They stay in step through the change log in the database
(``serving_changes``, ``matcher.store.changes``):
- a write takes, besides this process's lock, the data directory's serving lock (a file lock held
  by one process at a time), first applies what the others logged, then applies its own change,
  saves the index version it made (vacancies) and appends one row: what changed (vacancy ids with
  that index version, a claimant id, an employer id, the Jobcenter of an erased claimant);
- before a request reads the service, the process compares the newest row's number with the last
  it applied (one indexed read of the database, about 0.1 ms) and, when it moved, applies the rows
  it has not seen: it loads the index version the writer saved (shared through mmap, not rebuilt)
  and re-reads the named vacancies, claimants and employers from the store. The claimant's vector
  comes from the shared embedding cache and its occupation codes from the stored groundings, both
  written by the writer, so nothing is embedded or grounded twice.
So a request answered by any process after a write was acknowledged sees that write. A process
that fell so far behind that rows were pruned rebuilds everything from the store.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import dataclasses
import logging
import os
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from api.auth import PrincipalCache
from matcher.artifacts import exclusive_lock
from matcher.bootstrap import Services, assemble_service, indexable_vacancies
from matcher.catalog import ClaimantCatalog
from matcher.domain import Claimant, Vacancy
from matcher.errors import BundleMismatch, StoreUnavailable, UnknownClaimant, UnknownVacancy
from matcher.geo import PostcodeDirectory
from matcher.records import ServingChange
from matcher.settings import Settings
from matcher.store.tokens import TOKEN_CHANGE

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


def return_freed_heap() -> bool:
    """Hand the heap pages freed so far back to the OS; False where the C library is not glibc.

    glibc keeps freed small blocks for reuse; the start's temporaries (100,000 store rows, the index
    sync's blocks, the catalogs' builders) left ~60 MB of them in a server at 100,000 vacancies that
    nothing reuses. Called once, when the start is done."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


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
        "revoke_token", "add_change", "forget_changes_of",
        "set_wish_correction", "remove_wish_correction",  # matcher.readings (issue 22)
    }
)  # fmt: skip


class SerializedWrites:
    """The store with its writes run one at a time (SQLite only): in this process, and across the
    server's worker processes when ``lock_path`` is given.

    An upsert reads which ids exist, then writes, in one deferred SQLite transaction; when another
    thread commits in between (an audit row of a concurrent lookup), SQLite cannot upgrade the
    reader's snapshot to a writer and fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT;
    the busy timeout does not apply). Running the app's writes one at a time avoids that; reads stay
    concurrent (WAL). PostgreSQL needs none of this.

    Across processes every write transaction already starts with ``BEGIN IMMEDIATE`` and waits for
    the write lock (busy timeout), but SQLite waits by sleeping and retrying (1, 2, 5, 10 ... 100 ms),
    so with every lookup writing its audit rows a waiting worker sleeps past the moment the lock is
    free. A file lock (``flock``) around each write call wakes the next writer at once. It is taken
    after the thread lock and held around one store call; nothing holds a store transaction open
    across calls here (``Store.transaction`` is not used by the app), so no process waits for a
    SQLite lock while holding this one against the lock's holder.
    """

    def __init__(self, store: Store, lock_path: Path | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._lock_path = lock_path

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in WRITE_METHODS:
            return attr
        lock_path = self._lock_path

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if lock_path is None:
                    return attr(*args, **kwargs)
                with exclusive_lock(lock_path):
                    return attr(*args, **kwargs)

        return locked


def split_by_jobcenter(catalog: ClaimantCatalog | None, geo: PostcodeDirectory) -> dict[str, ClaimantCatalog]:
    if catalog is None:
        return {}
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(catalog.claimants):
        groups.setdefault(c.jobcenter, []).append(i)
    return {jc: catalog.take(idx, geo) for jc, idx in groups.items()}


# The runtime whose change log the current request has applied already. Each request runs in a task
# of its own (uvicorn, Starlette's test client), which starts with a copy of the server's context,
# so a mark set for one request is never seen by the next; FastAPI runs a plain ``def`` route in a
# copy of the request's context, so the route sees the mark its ``async`` dependency set.
CAUGHT_UP: contextvars.ContextVar[Runtime | None] = contextvars.ContextVar(
    "passgenau_caught_up", default=None
)

SERVING_LOCK = "serving.lock"  # in the data directory: one writing server process at a time
WRITERS_LOCK_SUFFIX = ".writers"  # beside the SQLite file: one store write at a time across workers


@dataclasses.dataclass
class PendingChanges:
    """Logged changes of other processes, merged: what to re-read, and the newest index version."""

    vacancy_ids: dict[str, None] = dataclasses.field(default_factory=dict)
    index_version: str | None = None
    claimant_ids: dict[str, None] = dataclasses.field(default_factory=dict)
    erased_in: dict[str, None] = dataclasses.field(default_factory=dict)
    employer_ids: dict[str, None] = dataclasses.field(default_factory=dict)
    tokens: bool = False  # a token was revoked: the cached principals go

    @classmethod
    def of(cls, rows: Sequence[ServingChange], origin: str) -> PendingChanges:
        """The changes in ``rows`` not made by ``origin`` (this process applied its own already).

        Index versions form one line (each writer starts from the newest, under the serving lock),
        so the newest one holds every earlier vacancy change."""
        p = cls()
        for r in rows:
            if r.kind == TOKEN_CHANGE:  # logged by the store, never by this process
                p.tokens = True
                continue
            if r.origin == origin:
                continue
            if r.kind == "vacancies":
                p.vacancy_ids.update(dict.fromkeys(v for v in r.ref.split(",") if v))
                p.index_version = r.index_version
            elif r.kind == "claimant":
                p.claimant_ids[r.ref] = None
            elif r.kind == "erased":
                p.erased_in[r.ref] = None
            elif r.kind == "employer":
                p.employer_ids[r.ref] = None
            else:
                log.warning("unknown serving change %r (seq %d): ignored", r.kind, r.seq)
        return p

    def __bool__(self) -> bool:
        return bool(
            self.vacancy_ids or self.claimant_ids or self.erased_in or self.employer_ids or self.tokens
        )


def behind_pruned(seen: int, oldest: int, newest: int, keep: int) -> bool:
    """Whether rows after ``seen`` may have been pruned: the log keeps the newest ``keep`` rows (and
    prunes in steps), so a reader more than ``keep`` rows behind the newest may have lost some. Holes
    from erasures (rows deleted one by one) are not a loss: the erasure's own row follows them."""
    return newest - seen > keep - 100 and oldest > seen + 1


class Runtime:
    def __init__(self, services: Services, service: MatchService, *, seen: int | None = None) -> None:
        """``seen``: the newest change-log row when ``service`` was read from the store (read before
        it, so that a change logged meanwhile is applied once more rather than missed)."""
        self.services = services
        self.settings: Settings = services.settings
        store = services.store()
        if store.dialect == "sqlite":
            db = store.sqlite_file
            lock = None if db is None else db.with_name(db.name + WRITERS_LOCK_SUFFIX)
            self.store: Store = cast("Store", SerializedWrites(store, lock))
        else:
            self.store = store
        encoder = services.encoder()
        self.encoder = LockedEncoder(encoder)
        self.geo: PostcodeDirectory = service.geo
        self._by_jc = split_by_jobcenter(service.claimant_catalog, self.geo)
        self._service = service.with_encoder(self.encoder).with_claimants(None)
        self._empty = ClaimantCatalog.build(
            [], np.zeros((0, encoder.dim), dtype=np.float32), self.geo, codes=[]
        )
        self._write = threading.Lock()
        # Names this process's rows in the change log (a pid alone is reused after a restart).
        self.origin = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._seen = self.store.last_change() if seen is None else seen
        self._lock_path = self.settings.data_dir / SERVING_LOCK
        # The principal behind each token seen, until the change log names a revoked token.
        self.principals = PrincipalCache()
        return_freed_heap()  # the start is done: what it freed is not reused

    # -- reading -------------------------------------------------------------------------------
    @property
    def service(self) -> MatchService:
        if CAUGHT_UP.get() is not self:
            self.catch_up()
        return self._service

    def changed_elsewhere(self) -> bool:
        """Whether the change log holds rows this process has not applied (one indexed read)."""
        return self.store.last_change() > self._seen

    def mark_caught_up(self) -> None:
        """This request has applied the change log (``api.deps.principal`` did, before anything
        else): its reads of ``service`` need not read the log once more."""
        CAUGHT_UP.set(self)

    def transient_service(self) -> MatchService:
        """The live service with an encoder that caches nothing (ad-hoc profiles)."""
        self.catch_up()
        return self._service.with_encoder(TransientEncoder(self.encoder))

    def service_for(self, jobcenter: str) -> MatchService:
        """The live service whose reverse matching sees only this Jobcenter's claimants."""
        self.catch_up()
        return self._service.with_claimants(self._by_jc.get(jobcenter, self._empty))

    def claimants_indexed(self, jobcenter: str | None = None) -> int:
        """Claimants in reverse matching: of one Jobcenter, or (None) of all."""
        self.catch_up()
        return self._claimants_held(jobcenter)

    def _claimants_held(self, jobcenter: str | None) -> int:
        if jobcenter is not None:
            return len(self._by_jc.get(jobcenter, self._empty))
        return sum(len(c) for c in self._by_jc.values())

    # -- other processes' changes ----------------------------------------------------------------
    def catch_up(self) -> int:
        """Apply the changes other server processes logged since the last one applied here; how many
        rows were read. Costs one read of the newest row number when nothing changed."""
        if self.store.last_change() <= self._seen:
            return 0
        with self._write:
            return self._apply_logged()

    def _apply_logged(self) -> int:
        """(Under the write lock.) Apply the unseen rows of the change log."""
        from matcher.store.changes import KEEP

        oldest, rows = self.store.changes_since(self._seen)
        if not rows:
            return 0
        newest = rows[-1].seq
        if behind_pruned(self._seen, oldest, newest, KEEP):
            log.warning("change log pruned past row %d: re-reading everything from the store", self._seen)
            self._reload()
        else:
            pending = PendingChanges.of(rows, self.origin)
            if pending:
                self._apply(pending)
        self._seen = newest
        return len(rows)

    def _reload(self) -> None:
        self.principals.clear()
        svc = self.services.match_service(with_claimants=True)
        self._by_jc = split_by_jobcenter(svc.claimant_catalog, self.geo)
        self._service = svc.with_encoder(self.encoder).with_claimants(None)

    def _apply(self, p: PendingChanges) -> None:
        if p.tokens:
            self.principals.clear()
        if p.vacancy_ids or p.employer_ids:
            svc = self._service
            index: Any = svc.index
            if p.index_version is not None and p.index_version != svc.index.version:
                loaded = self._shared_index(p.index_version)
                if loaded is None:
                    self._reload()
                    return
                index = loaded
            by_id: dict[str, Vacancy] = {v.id: v for v in svc.vacancies.vacancies}
            for vid in p.vacancy_ids:
                try:
                    v = self.store.get_vacancy(vid)
                except UnknownVacancy:
                    by_id.pop(vid, None)
                    continue
                if v.filled:
                    by_id.pop(vid, None)
                else:
                    by_id[vid] = v
            if p.employer_ids:
                stored = self.store.get_employers(list(p.employer_ids))
                by_id = {
                    vid: dataclasses.replace(v, employer=stored[v.employer.id])
                    if v.employer.id in stored
                    else v
                    for vid, v in by_id.items()
                }
            self._swap(index, list(by_id.values()))
        if p.claimant_ids or p.erased_in:
            by_jc = dict(self._by_jc)
            for jc in p.erased_in:
                cat = by_jc.get(jc)
                if cat is not None:
                    held = [c.id for c in cat.claimants]
                    present = self.store.existing_claimants(held)
                    if len(present) < len(held):
                        by_jc[jc] = cat.take([i for i, cid in enumerate(held) if cid in present], self.geo)
            for cid in p.claimant_ids:
                try:
                    c: Claimant | None = self.store.get_claimant(cid)
                except UnknownClaimant:
                    c = None
                self._place(by_jc, c, cid)
            self._by_jc = by_jc

    def _shared_index(self, version: str) -> FaissIndex | None:
        """The saved version another process made, memory-mapped (read-only, shared page cache)."""
        try:
            return self.services.load_index_version(version, mmap=True)
        except BundleMismatch as exc:
            log.warning("index version %s another worker saved is not loadable (%s)", version, exc)
            return None

    def _log(self, kind: str, ref: str, index_version: str | None = None) -> None:
        self.store.add_change(self.origin, kind, ref, index_version)

    # -- vacancies -----------------------------------------------------------------------------
    def _fresh_index(self, version: str) -> FaissIndex | None:
        try:
            return self.services.load_index_version(version)
        except BundleMismatch as exc:
            log.warning("live index version not loadable (%s): syncing from the store", exc)
            return None

    def vacancies_changed(self, upserted: Sequence[Vacancy] = (), removed: Sequence[str] = ()) -> str:
        """Bring the index and the vacancy catalog in line after a store change; the new index version."""
        with self._write, exclusive_lock(self._lock_path):
            self._apply_logged()  # build on the newest index version any process saved
            # The employers as stored now, read under the lock: an employer write committed since the
            # caller read its vacancies must not be undone in memory by this older copy.
            upserted = self._with_stored_employers(upserted)
            svc = self._service
            by_id: dict[str, Vacancy] = {v.id: v for v in svc.vacancies.vacancies}
            # A private copy, never the shared mmap: faiss aborts the process on a write to a mapped index.
            index = self._fresh_index(svc.index.version)
            if index is None:
                vacancies = indexable_vacancies(self.store)
                with self.encoder._lock:
                    index, _ = self.services.sync_index(vacancies=vacancies)
                by_id = {v.id: v for v in vacancies}
                changed = [*by_id, *removed]
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
                changed = [*gone, *(v.id for v in live)]
            # Served mapped, as the version loaded at start: the private copy written to would hold
            # the vectors twice more (faiss codes, float32 copy) for as long as it serves.
            index = self._shared_index(index.version) or index
            self._swap(index, list(by_id.values()))
            self._log("vacancies", ",".join(dict.fromkeys(changed)), index.version)
            return index.version

    def _with_stored_employers(self, vacancies: Sequence[Vacancy]) -> list[Vacancy]:
        stored = self.store.get_employers([v.employer.id for v in vacancies])
        return [dataclasses.replace(v, employer=stored.get(v.employer.id, v.employer)) for v in vacancies]

    def employer_changed(self, employer_id: str) -> str:
        """Give the held vacancies of an employer its stored record (the index is untouched: a
        vacancy's text does not name its employer); the index version."""
        with self._write, exclusive_lock(self._lock_path):
            self._apply_logged()
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
            self._log("employer", employer_id)
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
        with self._write, exclusive_lock(self._lock_path):
            self._apply_logged()
            held_in = [jc for jc, cat in self._by_jc.items() if claimant_id in cat.position]
            if claimant is None:
                # Erased: its stored grounding goes with it (every grounder's file).
                self.services.forget_groundings([claimant_id])
            elif not claimant.active:
                # Inactive: out of reverse matching, but its grounding is kept current for when it returns.
                self.services.grounded_codes().refresh([claimant])
            by_jc = dict(self._by_jc)
            self._place(by_jc, claimant, claimant_id)
            self._by_jc = by_jc
            if claimant is None:
                # The log keeps no erased id: its rows go, and the others learn only which
                # Jobcenter's catalog to check against the store.
                self.store.forget_changes_of(claimant_id)
                for jc in held_in:
                    self._log("erased", jc)
            else:
                self._log("claimant", claimant_id)

    def _place(self, by_jc: dict[str, ClaimantCatalog], claimant: Claimant | None, claimant_id: str) -> None:
        """Take ``claimant_id`` out of the catalogs in ``by_jc`` and put ``claimant`` (when active)
        into its Jobcenter's. Its vector and codes come from the shared cache and stored groundings
        when another process wrote them already."""
        for jc, cat in list(by_jc.items()):
            if claimant_id in cat.position:
                by_jc[jc] = cat.take(
                    [i for i, c in enumerate(cat.claimants) if c.id != claimant_id], self.geo
                )
        if claimant is None or not claimant.active:
            return
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

    def forget_profiles(self, claimants: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        """The serving model's cache under the encoder's lock (its readers), then every other
        model's cache of the data directory: an earlier embedding model holds the profile too."""
        dropped = self.encoder.forget_profiles(claimants, keep)
        return dropped + self.services.forget_profiles(claimants, keep)

    def info(self) -> dict[str, Any]:
        # /health reports an unreachable store itself; what is held is shown as it is.
        with contextlib.suppress(StoreUnavailable):
            self.catch_up()
        svc = self._service
        return {
            "index_version": svc.index.version,
            "vacancies": len(svc.vacancies),
            "claimants_indexed": self._claimants_held(None),
            "model_version": svc.scorer.model_version,
            "embedder_id": svc.encoder.model_id,
        }
