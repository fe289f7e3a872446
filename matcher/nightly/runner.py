"""One nightly run: plan, candidate chunks with checkpoints, allocation, outputs, database.

Resumable and idempotent. The run directory ``<out>/<run id>/`` holds:

- ``plan.json``: what the run is over (claimant ids, digests of claimants and vacancies, versions,
  the day, settings). A restart with the same run id checks that nothing changed and continues
  (on the planned day, even after midnight); with changed inputs it refuses (use a new run id).
- ``candidates/chunk-NNNNN.npz``: each chunk's candidates (claimants ``lo:hi`` of the plan's
  sorted ids), written under a temporary name and renamed. A restart computes only missing chunks,
  so every claimant is in exactly one chunk: none missing, none twice.
- ``lists/``: the per-case-manager files, replaced as a whole (see ``output``).
- ``manifest.json``: written last; the run is complete when it and the database rows exist.

The allocation needs every candidate, so it runs after the last chunk, deterministically (ties by
ids), and everything after it (lists, database rows in one transaction, manifest) is recomputed on
every start: cheap, and a run killed during the outputs simply writes them again, identically.

``PASSGENAU_TEST_KILL_AT`` (tests only; ``matcher.artifacts.fault_point``) names a point at which
the process SIGKILLs itself:
``chunk:<i>`` after chunk i's checkpoint, ``file:<j>`` after the j-th list file, ``lists`` after
the lists are in place, ``db`` after the database transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from matcher.artifacts import fault_point
from matcher.domain import to_dict
from matcher.errors import PassgenauError
from matcher.files import write_atomic
from matcher.nightly.allocation import allocate_greedy, capacities, top_n
from matcher.nightly.batch_search import Candidates, NightlyContext
from matcher.nightly.congestion import Congestion, congestion, format_report
from matcher.nightly.engines import Chunk, Engine
from matcher.nightly.output import ListGroup, atomic_write_json, list_files, write_records
from matcher.nightly.rows import ListRow, encode_part, list_order, parts
from matcher.nightly.unit_effect import by_unit
from matcher.settings import NightlySettings
from matcher.store import NightlyRow, NightlyRun, Store

log = logging.getLogger(__name__)


def plan_chunks(n: int, size: int) -> list[Chunk]:
    return [(i, lo, min(n, lo + size)) for i, lo in enumerate(range(0, n, size))]


def _stable(record: Any) -> str:
    # Not repr(): a frozenset's order changes with the process's string hash seed.
    return json.dumps(to_dict(record), sort_keys=True, default=str)


def _digest(parts: list[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


@dataclass
class RunSummary:
    run_id: str
    run_dir: Path
    manifest: dict[str, Any]
    before: Congestion
    after: Congestion
    report: str
    list_rows: Sequence[ListRow] = field(repr=False, default_factory=list)

    @cached_property
    def rows(self) -> list[NightlyRow]:
        """The lists as the database holds them (decoded when first asked: the run itself never is)."""
        return [r.row() for r in self.list_rows]


class NightlyRunner:
    def __init__(
        self,
        ctx: NightlyContext,
        store: Store,
        settings: NightlySettings,
        *,
        out_dir: Path,
        run_id: str,
        engine: Engine,
        progress: bool = True,
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.settings = settings
        self.run_id = run_id
        self.run_dir = out_dir / run_id
        self.engine = engine
        self.progress = progress

    # -- plan ------------------------------------------------------------------------------------
    def _plan(self) -> dict[str, Any]:
        ctx, s = self.ctx, self.settings
        return {
            "run_id": self.run_id,
            "today": ctx.today.isoformat(),
            "versions": dict(sorted(ctx.versions.items())),
            "claimant_ids": [c.id for c in ctx.claimants],
            "claimants_digest": _digest([_stable(c) for c in ctx.claimants]),
            "vacancies_digest": _digest([_stable(v) for v in ctx.vacancies.vacancies]),
            "top_n": s.top_n,
            "k": ctx.k,
            "capacity_factor": s.capacity_factor,
            "chunk_size": s.chunk_size,
        }

    def _load_or_write_plan(self) -> tuple[dict[str, Any], str]:
        path = self.run_dir / "plan.json"
        plan = self._plan()
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
            started = stored.pop("started")
            if stored.get("today") != plan["today"]:
                # A run resumed after midnight still judges expiry on the day it was planned for.
                self.ctx = dataclasses.replace(self.ctx, today=date.fromisoformat(stored["today"]))
                plan = self._plan()
            changed = sorted(k for k in plan if stored.get(k) != plan[k])
            if changed:
                raise PassgenauError(
                    f"run {self.run_id}: {path} was planned over other inputs ({', '.join(changed)}); "
                    "start a new run id"
                )
            return plan, str(started)
        started = datetime.now(UTC).isoformat()
        atomic_write_json(path, {**plan, "started": started})
        return plan, started

    def _chunk_path(self, i: int) -> Path:
        return self.run_dir / "candidates" / f"chunk-{i:05d}.npz"

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> RunSummary:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        self.run_dir.mkdir(parents=True, exist_ok=True)
        plan, started = self._load_or_write_plan()
        started_at = datetime.fromisoformat(started)
        self.store.save_nightly_run(NightlyRun(self.run_id, started_at, None, "running", {}))
        chunks = plan_chunks(len(self.ctx.claimants), self.settings.chunk_size)
        missing = [ch for ch in chunks if not self._chunk_path(ch[0]).exists()]
        resumed = len(chunks) - len(missing)
        t = time.perf_counter()
        self._candidates(chunks, missing)
        timings["candidates"] = time.perf_counter() - t

        t = time.perf_counter()
        cand = Candidates.concat(
            [Candidates.from_bytes(self._chunk_path(i).read_bytes()) for i, _, _ in chunks]
        )
        covered = cand.claimants_of
        if not np.array_equal(covered, np.arange(len(self.ctx.claimants))):
            raise PassgenauError(f"run {self.run_id}: the checkpoints do not cover every claimant once")
        timings["load"] = time.perf_counter() - t

        t = time.perf_counter()
        cat = self.ctx.vacancies
        openings = np.array([v.openings for v in cat.vacancies], dtype=np.int64)
        cap = capacities(openings, self.settings.capacity_factor)
        vkey = np.argsort(np.argsort(cat.ids, kind="stable"), kind="stable").astype(np.int64)
        n = self.settings.top_n
        chosen = allocate_greedy(cand.claimant, cand.vacancy, cand.score, n=n, cap=cap, vacancy_key=vkey)
        timings["allocate"] = time.perf_counter() - t
        unconstrained = top_n(cand.claimant, cand.rank, n)
        open_mask = ~cat.table.filled & (cat.table.expires >= self.ctx.today.toordinal())

        def measure(mask: np.ndarray) -> Congestion:
            return congestion(
                cand.vacancy[mask],
                cand.claimant[mask],
                cand.score[mask],
                openings=openings,
                cap=cap,
                open_mask=open_mask,
                n_claimants=len(self.ctx.claimants),
                n=n,
            )

        before, after = measure(unconstrained), measure(chosen)
        report = format_report(before, after, self.settings.capacity_factor)
        units = by_unit(
            [(c.jobcenter, c.team, c.case_manager) for c in self.ctx.claimants],
            cand.claimant,
            cand.p_match,
            cand.score,
            without=unconstrained,
            with_=chosen,
        )

        t = time.perf_counter()
        rows = self._rows(cand, np.flatnonzero(chosen))
        timings["explain"] = time.perf_counter() - t

        t = time.perf_counter()
        groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for r in rows:
            groups.setdefault((r.stored.jobcenter, r.stored.case_manager), []).append(r.record)
        files = write_records(
            self.run_dir,
            self.run_id,
            groups,
            on_file=lambda j: fault_point(f"file:{j}"),
            make=lambda todo: self.engine.map(self.ctx, _list_files, todo),
        )
        fault_point("lists")
        timings["outputs"] = time.perf_counter() - t

        finished = datetime.now(UTC)
        timings["total"] = time.perf_counter() - t0
        manifest = {
            "run_id": self.run_id,
            "started": started,
            "finished": finished.isoformat(),
            "engine": self.engine.name,
            "versions": plan["versions"],
            "today": plan["today"],
            "settings": self.settings.model_dump(mode="json"),
            "allocation": "greedy by expected lasting placements under capacities ⌊c×m⌋",
            "counts": {
                "claimants": len(self.ctx.claimants),
                "vacancies": len(cat),
                "chunks": len(chunks),
                "chunks_resumed": resumed,
                "candidates": len(cand),
                "suggestions": len(rows),
                "case_managers": len(groups),
                "claimants_without_eligible": int((cand.eligible == 0).sum()),
                "files": len(files),
            },
            "congestion": {"before": before.to_dict(), "after": after.to_dict()},
            # Per unit, with and without the capacity constraint (aggregates; read by the key figures).
            "by_unit": units,
            "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        }
        t = time.perf_counter()
        self.store.save_nightly_run(
            NightlyRun(self.run_id, started_at, finished, "complete", manifest), [r.stored for r in rows]
        )
        # One audit entry for the run: the lists read every active claimant (pseudonymous ids only).
        self.store.add_audit(
            who="passgenau nightly",
            action="nightly.lists",
            model_version=plan["versions"].get("model"),
            index_version=plan["versions"].get("index"),
            payload={"run_id": self.run_id, "claimants": len(self.ctx.claimants), "rows": len(rows)},
        )
        fault_point("db")
        manifest["timings_seconds"]["db"] = round(time.perf_counter() - t, 3)
        atomic_write_json(self.run_dir / "manifest.json", manifest)
        return RunSummary(self.run_id, self.run_dir, manifest, before, after, report, rows)

    def _candidates(self, chunks: list[Chunk], missing: list[Chunk]) -> None:
        sizes = {i: hi - lo for i, lo, hi in chunks}
        done = sum(sizes.values()) - sum(sizes[i] for i, _, _ in missing)
        from tqdm import tqdm

        with tqdm(
            total=len(self.ctx.claimants),
            initial=done,
            unit="claimant",
            desc=f"candidates ({self.engine.name})",
            disable=not self.progress,
            smoothing=0.1,
        ) as bar:
            for i, part in self.engine.run(self.ctx, missing):
                write_atomic(self._chunk_path(i), part.to_bytes())
                bar.update(sizes[i])
                fault_point(f"chunk:{i}")

    def _rows(self, cand: Candidates, idx: np.ndarray) -> list[ListRow]:
        """The chosen pairs explained and encoded, in list order, in fixed parts over the engine's
        processes (``matcher.nightly.rows``)."""
        idx = idx[list_order(cand.claimant[idx], cand.rank[idx])]
        todo = list(parts(self.run_id, cand.take(idx)))
        return [row for done in self.engine.map(self.ctx, encode_part, todo) for row in done]


def _list_files(ctx: NightlyContext, group: ListGroup) -> list[tuple[str, bytes]]:
    return list_files(group)


def summary_text(s: RunSummary) -> str:
    m = s.manifest
    counts, t = m["counts"], m["timings_seconds"]
    lines = [
        f"nightly run {s.run_id} complete ({m['engine']} engine): {counts['claimants']:,} claimants × "
        f"{counts['vacancies']:,} vacancies, {counts['suggestions']:,} suggestions for "
        f"{counts['case_managers']:,} case managers; {counts['chunks']} chunks "
        f"({counts['chunks_resumed']} from checkpoints)",
        "timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in t.items()),
        f"versions: {json.dumps(m['versions'], sort_keys=True)}",
        s.report,
        f"files: {s.run_dir / 'lists'}; manifest: {s.run_dir / 'manifest.json'}",
    ]
    return "\n".join(lines)
