"""Load: 50 concurrent lookups for 60 s against 100,000 vacancies, over loopback HTTP.

The server is the real app (``api.app.create_app``: token auth, store reads, filters, index search,
the trained scorer with explanations, the audit row of every list) under uvicorn in a subprocess,
on a SQLite store holding a synthetic region of 100,000 vacancies and 2,000 claimants. Vectors are
character-trigram hashes (dim 384, like e5-small): the search costs the same for any model of that
dimension, and embedding 100,000 texts with e5 on this CPU would take hours. The client is an
``httpx.AsyncClient`` running ``--concurrency`` workers, each asking for one claimant's suggestions
(k=10) after the other with a case manager token of the claimant's Jobcenter, for ``--seconds``.

``--workers N`` runs the server in N processes (``api.workers``, as ``passgenau serve --workers N``).
``--write-every S`` adds a writer: every S seconds it changes one claimant through the API (created
at the start, then made inactive and active again in turn, erased at the end) and, once the write is
answered, asks ``GET /models`` 2 × N times and checks that every answer, from whichever worker,
counts the Jobcenter's claimants in reverse matching as the write left them (a stale count is a
consistency error). The responses name the answering worker (``X-Passgenau-Worker``).

Prints requests, errors (any status other than 200, or a transport error), throughput and latency
p50 / p90 / p99 / max, the writes and their checks, the CPU the server processes used (seconds and
cores), the machine's busy share and load average during the run, and the CPU model. The data
directory is built once (``--data-dir``, about 4 minutes unloaded) and reused.

    nice -n 10 .venv/bin/python bench/load_bench.py [--vacancies 100000] [--concurrency 50] [--seconds 60]
        [--workers 2] [--write-every 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIM = 384
MODEL_ID = f"trigram-{DIM}"


class TrigramEmbedder:
    """Character-trigram hashing (crc32), dim 384: the bench's stand-in for the embedding model."""

    model_id = MODEL_ID
    dim = DIM

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for r, t in enumerate(texts):
            p = f"  {t.casefold()} "
            for i in range(len(p) - 2):
                out[r, zlib.crc32(p[i : i + 3].encode()) % DIM] += 1.0
        norms: np.ndarray = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out / norms

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


def encoder(data_dir: Path):  # type: ignore[no-untyped-def]
    from matcher.layout import DataLayout
    from models.cache import EmbeddingCache
    from models.encoding import RecordEncoder

    emb = TrigramEmbedder()
    return RecordEncoder(emb, EmbeddingCache(DataLayout(data_dir).embeddings, emb.model_id, emb.dim))  # type: ignore[arg-type]


def settings_for(data_dir: Path, as_of: str, workers: int = 1):  # type: ignore[no-untyped-def]
    from datetime import date

    from matcher.settings import ApiSettings, Settings

    api = ApiSettings(workers=workers, worker_header=True)
    return Settings(data_dir=data_dir, as_of=date.fromisoformat(as_of), api=api)


def prepare(data_dir: Path, vacancies: int, claimants: int, seed: int) -> dict[str, object]:
    """The region in a store, a trained scorer bundle, tokens, and the vacancy vectors cached."""
    from api.auth import create_token
    from matcher.bootstrap import Services
    from matcher.geo import load_directory
    from models.bundle import write_bundle
    from training.dataset import FeatureContext
    from training.synthetic import generate_region
    from training.train import manifest_for, train_from_records

    t0 = time.perf_counter()
    region = generate_region(seed, claimants, vacancies, placements=6000)
    settings = settings_for(data_dir, region.reference_date.isoformat())
    from matcher.store import Store

    store = Store.open(settings.resolved_database_url)
    store.upsert_vacancies(region.vacancies)
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    ctx = FeatureContext(load_directory(), None, settings.commute, settings.household)
    res = train_from_records(
        region.outcomes,
        region.proposals,
        region.history_claimants,
        region.history_vacancies,
        ctx,
        compare=False,
    )
    write_bundle(
        settings.layout.scorer_bundles,
        {"match": res.match, "sustain": res.sustain},
        manifest_for(res, MODEL_ID),
    )
    Services(settings, store=store, encoder=encoder(data_dir)).sync_index()
    tokens = {}
    for jc in sorted({c.jobcenter for c in region.claimants}):
        _, secret = create_token(store, f"load-{jc}", "case_manager", jc)
        tokens[jc] = secret
    meta = {
        "as_of": region.reference_date.isoformat(),
        "vacancies": vacancies,
        "claimants": [(c.id, c.jobcenter) for c in region.claimants if c.active],
        "tokens": tokens,
        "prepared_seconds": round(time.perf_counter() - t0, 1),
    }
    (data_dir / "load_meta.json").write_text(json.dumps(meta))
    store.close()
    return meta


def serve(data_dir: Path, port: int, workers: int) -> None:
    """The child: the app over the prepared data, under uvicorn, in ``workers`` processes the way
    ``passgenau serve --workers N`` runs it (``api.workers``: one socket, forked workers)."""
    from api.app import create_app
    from api.runtime import single_thread_blas
    from api.workers import serve as serve_workers

    single_thread_blas()
    meta = json.loads((data_dir / "load_meta.json").read_text())
    settings = settings_for(data_dir, meta["as_of"], workers)
    code = serve_workers(
        lambda: create_app(settings, encoder=encoder(data_dir)),
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        keep_alive_seconds=settings.api.keep_alive_seconds,
    )
    raise SystemExit(code)


# The writer's claimant (a warehouse helper in Göttingen, like the API tests' new claimant).
WRITER_CLAIMANT: dict[str, object] = {
    "team": "GOE-Mitte",
    "case_manager": "fm-007",
    "postcode": "37073",
    "licences": ["B"],
    "has_car": True,
    "desired_occupations": ["Lagerhelfer", "Kommissionierer"],
    "desired_kldb": ["51311"],
    "profile_text": "Lagerhelfer mit Staplerschein, sucht Vollzeit im Lager.",
    "skill_level": 1,
    "german_level": "B1",
    "available_hours": 40,
    "shifts_ok": True,
    "health_max_load": 2,
    "experience": [{"kldb": "51311", "months": 24}],
    "household": {"adults": 1, "children_0_5": 1, "rent": 450},
}


@dataclass
class Writes:
    done: int = 0
    failed: int = 0
    checks: int = 0
    stale: int = 0
    seconds: list[float] = field(default_factory=list)  # write answered -> every check seen
    workers_seen: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


async def writer(
    client: Any, token: str, every: float, stop: float, checks_per_write: int, w: Writes
) -> None:
    """One claimant write every ``every`` seconds, each checked through ``checks_per_write`` reads."""
    h = {"Authorization": f"Bearer {token}"}
    # A new connection for each check: the kernel hands it to any worker (a kept-alive one stays
    # with the worker that accepted it).
    fresh = {**h, "Connection": "close"}

    async def indexed() -> tuple[int, str]:
        r = await client.get("/models", headers=fresh)
        r.raise_for_status()
        return int(r.json()["claimants_indexed"]), r.headers.get("x-passgenau-worker", "?")

    base, _ = await indexed()
    r = await client.post("/claimants", json=WRITER_CLAIMANT, headers=h)
    if r.status_code != 201:
        w.failed += 1
        w.notes.append(f"create: {r.status_code} {r.text[:200]}")
        return
    cid = r.json()["id"]
    active = True
    try:
        while True:
            expected = base + (1 if active else 0)
            t = time.perf_counter()
            for _ in range(checks_per_write):
                n, worker_pid = await indexed()
                w.checks += 1
                w.workers_seen.add(worker_pid)
                if n != expected:
                    w.stale += 1
                    w.notes.append(f"worker {worker_pid}: {n} claimants indexed, expected {expected}")
            w.seconds.append(time.perf_counter() - t)
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - t)))
            if time.perf_counter() >= stop:
                break
            active = not active
            r = await client.put(f"/claimants/{cid}", json={**WRITER_CLAIMANT, "active": active}, headers=h)
            if r.status_code == 200:
                w.done += 1
            else:
                w.failed += 1
                w.notes.append(f"put: {r.status_code} {r.text[:200]}")
                active = not active
    finally:
        r = await client.delete(f"/claimants/{cid}", headers=h)
        if r.status_code == 200:
            w.done += 1
            n, _ = await indexed()
            w.checks += 1
            if n != base:
                w.stale += 1
                w.notes.append(f"after erasure: {n} claimants indexed, expected {base}")
        else:
            w.failed += 1
            w.notes.append(f"erase: {r.status_code} {r.text[:200]}")


async def load(
    port: int,
    meta: dict[str, object],
    concurrency: int,
    seconds: float,
    k: int,
    seed: int,
    *,
    write_every: float = 0.0,
    writer_token: str | None = None,
    checks_per_write: int = 4,
) -> tuple[list[float], Counter[str], Writes, Counter[str]]:
    import httpx

    claimants = list(meta["claimants"])  # type: ignore[call-overload]
    tokens: dict[str, str] = meta["tokens"]  # type: ignore[assignment]
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()
    writes = Writes()
    limits = httpx.Limits(max_connections=concurrency + 1, max_keepalive_connections=concurrency + 1)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=httpx.Timeout(120.0)
    ) as client:
        stop = time.perf_counter() + seconds

        async def worker(w: int) -> None:
            rng = random.Random(seed * 1000 + w)
            while time.perf_counter() < stop:
                cid, jc = rng.choice(claimants)
                t = time.perf_counter()
                try:
                    r = await client.get(
                        f"/claimants/{cid}/suggestions",
                        params={"k": k},
                        headers={"Authorization": f"Bearer {tokens[jc]}"},
                    )
                    outcomes[str(r.status_code)] += 1
                    by_worker[r.headers.get("x-passgenau-worker", "?")] += 1
                    if r.status_code == 200:
                        latencies.append(time.perf_counter() - t)
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1

        tasks = [worker(w) for w in range(concurrency)]
        if write_every > 0 and writer_token is not None:
            tasks.append(writer(client, writer_token, write_every, stop, checks_per_write, writes))
        await asyncio.gather(*tasks)
    return latencies, outcomes, writes, by_worker


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(root: int) -> list[int]:
    """The server process and its children (the workers)."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            pids.append(int(stat.parent.name))
    return pids


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = cpu[3] + cpu[4]  # idle, iowait
    return sum(cpu) - idle, sum(cpu)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(
    port: int, proc: subprocess.Popen[bytes], vacancies: int, workers: int = 1, timeout: float = 900
) -> float:
    """Seconds until our server (not whatever else listens there) answers /health with our data,
    from ``workers`` different processes (each loads the index on its own)."""
    import httpx

    t0 = time.perf_counter()
    ready: set[str] = set()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if r.status_code == 200 and r.json().get("vacancies") == vacancies:
                ready.add(r.headers.get("x-passgenau-worker", "?"))
                if len(ready) >= workers:
                    return time.perf_counter() - t0
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not become healthy")


def writer_token(data_dir: Path, meta: dict[str, Any]) -> str:
    """A team lead token of the first claimant's Jobcenter (the writer creates, changes and erases)."""
    from api.auth import create_token
    from matcher.store import Store

    jc = meta["claimants"][0][1]
    settings = settings_for(data_dir, meta["as_of"])
    with Store.open(settings.resolved_database_url) as store:
        _, secret = create_token(store, f"load-writer-{os.getpid()}", "team_lead", jc)
    return secret


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/passgenau-load"))
    ap.add_argument("--vacancies", type=int, default=100_000)
    ap.add_argument("--claimants", type=int, default=2_000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2, help="server processes (default 2, one per core)")
    ap.add_argument(
        "--write-every", type=float, default=0.0, help="seconds between claimant writes (0: no writes)"
    )
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.data_dir, a.port, a.workers)
        return

    meta_path = a.data_dir / "load_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    if meta is None or meta["vacancies"] != a.vacancies:
        if a.data_dir.exists():
            raise SystemExit(f"{a.data_dir} exists but holds another set-up; remove it first")
        print(
            f"preparing {a.vacancies:,} vacancies and {a.claimants:,} claimants in {a.data_dir} ...",
            flush=True,
        )
        meta = prepare(a.data_dir, a.vacancies, a.claimants, a.seed)
        print(f"prepared in {meta['prepared_seconds']} s", flush=True)
    token = writer_token(a.data_dir, meta) if a.write_every > 0 else None

    port = a.port or free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, __file__, "--serve", "--data-dir", str(a.data_dir), "--port", str(port)]
    cmd += ["--workers", str(a.workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        ready = wait_ready(port, proc, int(meta["vacancies"]), a.workers)
        pids = server_pids(proc.pid)
        print(
            f"server ready in {ready:.1f} s (pid {proc.pid}, {len(pids) - (a.workers > 1)} worker(s)); "
            f"{a.concurrency} clients for {a.seconds:.0f} s"
            + (f", a claimant write every {a.write_every:g} s" if token else ""),
            flush=True,
        )
        load0, cpu0, busy0 = os.getloadavg()[0], _cpu_seconds(pids), machine_busy()
        t0 = time.perf_counter()
        latencies, outcomes, writes, by_worker = asyncio.run(
            load(
                port, meta, a.concurrency, a.seconds, a.k, a.seed,
                write_every=a.write_every, writer_token=token, checks_per_write=2 * a.workers,
            )
        )  # fmt: skip
        wall = time.perf_counter() - t0
        cpu1, busy1, load1 = _cpu_seconds(pids), machine_busy(), os.getloadavg()[0]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    requests = sum(outcomes.values())
    errors = requests - outcomes.get("200", 0)
    if not latencies:
        raise SystemExit(f"no successful lookup: {dict(outcomes)}")
    ms = np.array(latencies) * 1000
    server_cpu = cpu1 - cpu0
    busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    print(
        f"{a.vacancies:,} vacancies, {a.workers} worker(s), {a.concurrency} concurrent lookups (k={a.k}) "
        f"for {wall:.1f} s: {requests:,} requests, {errors} errors ({dict(outcomes)}), "
        f"{requests / wall:.1f} req/s; latency p50 {np.percentile(ms, 50):.0f} ms, "
        f"p90 {np.percentile(ms, 90):.0f} ms, p99 {np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms"
    )
    print(f"answers by worker: {dict(sorted(by_worker.items()))}")
    if token:
        spread = f", check {1000 * max(writes.seconds):.0f} ms at most" if writes.seconds else ""
        print(
            f"writes: {writes.done} done, {writes.failed} failed; consistency checks: {writes.checks}, "
            f"stale {writes.stale} (workers seen {sorted(writes.workers_seen)}){spread}"
        )
        for note in writes.notes[:10]:
            print(f"  {note}")
    print(
        f"server CPU {server_cpu:.1f} s = {server_cpu / wall:.2f} cores; machine busy {100 * busy:.0f} % of "
        f"{os.cpu_count()} cores; load average {load0:.1f} at start, {load1:.1f} at end; {cpu_model()}"
    )
    if errors or writes.failed or writes.stale:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
