"""Load: 50 concurrent lookups for 60 s against 100,000 vacancies, over loopback HTTP.

The server is the real app (``api.app.create_app``: token auth, store reads, filters, index search,
the trained scorer with explanations, the audit row of every list) under uvicorn in a subprocess,
on a SQLite store holding a synthetic region of 100,000 vacancies and 2,000 claimants. Vectors are
character-trigram hashes (dim 384, like e5-small): the search costs the same for any model of that
dimension, and embedding 100,000 texts with e5 on this CPU would take hours. The client is an
``httpx.AsyncClient`` running ``--concurrency`` workers, each asking for one claimant's suggestions
(k=10) after the other with a case manager token of the claimant's Jobcenter, for ``--seconds``.

Prints requests, errors (any status other than 200, or a transport error), throughput and latency
p50 / p90 / p99 / max. The data directory is built once (``--data-dir``, about 2 minutes) and reused.

    nice -n 10 .venv/bin/python bench/load_bench.py [--vacancies 100000] [--concurrency 50] [--seconds 60]
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
from pathlib import Path

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


def settings_for(data_dir: Path, as_of: str):  # type: ignore[no-untyped-def]
    from datetime import date

    from matcher.settings import Settings

    return Settings(data_dir=data_dir, as_of=date.fromisoformat(as_of))


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


def serve(data_dir: Path, port: int) -> None:
    """The child: the app over the prepared data, under uvicorn."""
    import uvicorn

    from api.app import create_app

    meta = json.loads((data_dir / "load_meta.json").read_text())
    app = create_app(settings_for(data_dir, meta["as_of"]), encoder=encoder(data_dir))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(
    port: int, meta: dict[str, object], concurrency: int, seconds: float, k: int, seed: int
) -> tuple[list[float], Counter[str]]:
    import httpx

    claimants = list(meta["claimants"])  # type: ignore[call-overload]
    tokens: dict[str, str] = meta["tokens"]  # type: ignore[assignment]
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
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
                    if r.status_code == 200:
                        latencies.append(time.perf_counter() - t)
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, outcomes


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(port: int, proc: subprocess.Popen[bytes], vacancies: int, timeout: float = 900) -> float:
    """Seconds until our server (not whatever else listens there) answers /health with our data."""
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if r.status_code == 200 and r.json().get("vacancies") == vacancies:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not become healthy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/passgenau-load"))
    ap.add_argument("--vacancies", type=int, default=100_000)
    ap.add_argument("--claimants", type=int, default=2_000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.data_dir, a.port)
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

    port = a.port or free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, __file__, "--serve", "--data-dir", str(a.data_dir), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        ready = wait_ready(port, proc, int(meta["vacancies"]))  # type: ignore[call-overload]
        print(
            f"server ready in {ready:.1f} s (pid {proc.pid}); {a.concurrency} clients for {a.seconds:.0f} s",
            flush=True,
        )
        t0 = time.perf_counter()
        latencies, outcomes = asyncio.run(load(port, meta, a.concurrency, a.seconds, a.k, a.seed))
        wall = time.perf_counter() - t0
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
    print(
        f"{a.vacancies:,} vacancies, {a.concurrency} concurrent lookups (k={a.k}) for {wall:.1f} s: "
        f"{requests:,} requests, {errors} errors ({dict(outcomes)}), {requests / wall:.1f} req/s; "
        f"latency p50 {np.percentile(ms, 50):.0f} ms, p90 {np.percentile(ms, 90):.0f} ms, "
        f"p99 {np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
