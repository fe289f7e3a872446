"""Lookup latency through HTTP: `GET /claimants/{id}/suggestions?k=10` against the real app
(auth, store read of the claimant, filters, FAISS search, ModelScorer with explanations, ranking,
audit row written, JSON) served by uvicorn in a separate process on loopback.

Per size: a synthetic region (``training.synthetic``) with that many vacancies goes into a SQLite file,
a scorer bundle is trained on its history and made current, and the server builds its index at
start-up like ``passgenau serve`` (exact below 50,000 vacancies, IVF above). The vectors are
character-trigram hashes of the rendered texts (dim 384, like e5-small), not e5: the search cost
depends on the dimension, not on the model, and embedding 100,000 texts with e5 on this CPU takes
hours; claimants' vectors come from the same encoder (cached after the first lookup of each).

The client is another process: one connection asking sequentially (latency), then 4 concurrent
connections (throughput and latency under load). Warm-up lookups are not counted.

    .venv/bin/python bench/http_bench.py [--vacancies 10000 100000] [--lookups 400]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
JC = "JC-GOE"


class Trigram384:
    """Character-trigram hashing (crc32), L2-normalised; a stand-in for e5 with its dimension."""

    model_id = "trigram-384"
    dim = DIM

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for r, t in enumerate(texts):
            p = f"  {t.casefold()} "
            for i in range(len(p) - 2):
                out[r, zlib.crc32(p[i : i + 3].encode()) % DIM] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    encode_queries = _encode
    encode_passages = _encode


def settings_for(data_dir: Path, as_of: str) -> object:
    from matcher.settings import Settings

    return Settings(data_dir=data_dir, as_of=as_of)


def prepare(data_dir: Path, vacancies: int, claimants: int, seed: int) -> tuple[str, list[str], str]:
    """Region, store, trained bundle and a case-manager token; returns (as_of, claimant ids, token)."""
    from api.auth import create_token
    from matcher.geo import load_directory
    from matcher.store import Store
    from models.bundle import write_bundle
    from training.dataset import FeatureContext
    from training.synthetic import generate_region
    from training.train import manifest_for, train_from_records

    t0 = time.perf_counter()
    region = generate_region(seed, claimants, vacancies, placements=6000)
    as_of = region.reference_date.isoformat()
    settings = settings_for(data_dir, as_of)
    store = Store.open(settings.resolved_database_url)  # type: ignore[attr-defined]
    store.upsert_vacancies(region.vacancies)
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    ctx = FeatureContext(load_directory(), None, settings.commute, settings.household)  # type: ignore[attr-defined]
    res = train_from_records(
        region.outcomes, region.proposals, region.history_claimants, region.history_vacancies, ctx,
        compare=False,
    )  # fmt: skip
    write_bundle(
        settings.layout.scorer_bundles,
        {"match": res.match, "sustain": res.sustain},
        manifest_for(res, Trigram384.model_id),
    )
    _, secret = create_token(store, "bench", "case_manager", JC)
    ids = [c.id for c in region.claimants if c.jobcenter == JC]
    store.close()
    print(
        f"  prepared {vacancies:,} vacancies, {len(ids)} claimants of {JC} "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return as_of, ids, secret


def serve(data_dir: Path, as_of: str, port: int) -> None:
    """The server process: the app over the prepared data dir with the trigram encoder."""
    import uvicorn

    from api.app import create_app
    from api.runtime import single_thread_blas
    from matcher.layout import DataLayout
    from models.cache import EmbeddingCache
    from models.encoding import RecordEncoder

    single_thread_blas()  # as `passgenau serve` does
    emb = Trigram384()
    encoder = RecordEncoder(emb, EmbeddingCache(DataLayout(data_dir).embeddings, emb.model_id, emb.dim))  # type: ignore[arg-type]
    app = create_app(settings_for(data_dir, as_of), encoder=encoder)  # type: ignore[arg-type]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait(client: object, proc: subprocess.Popen[bytes], timeout: float = 1800) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if client.get("/health").status_code == 200:  # type: ignore[attr-defined]
                return time.perf_counter() - t0
        except Exception:  # not listening yet
            pass
        time.sleep(0.5)
    raise SystemExit("server did not come up")


def _pct(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p99 {np.percentile(a, 99):.1f} ms"


def bench(vacancies: int, lookups: int, claimants: int, seed: int, port: int) -> None:
    import httpx

    with tempfile.TemporaryDirectory(prefix="http-bench-") as tmp:
        data_dir = Path(tmp)
        as_of, ids, secret = prepare(data_dir, vacancies, claimants, seed)
        cmd = [sys.executable, __file__, "--serve", str(data_dir), "--as-of", as_of, "--port", str(port)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        headers = {"Authorization": f"Bearer {secret}"}
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                up = _wait(client, proc)
                print(f"  server up in {up:.0f} s (index built, bundle and catalogs loaded)")
                for cid in ids[:20]:  # warm-up: embeds these claimants once, warms caches
                    client.get(f"/claimants/{cid}/suggestions?k=10")
                for cid in ids:  # every claimant's vector in the cache, as in production
                    client.get(f"/claimants/{cid}/suggestions?k=1")
                ms, n_items = [], []
                for i in range(lookups):
                    cid = ids[i % len(ids)]
                    t = time.perf_counter()
                    r = client.get(f"/claimants/{cid}/suggestions?k=10")
                    ms.append((time.perf_counter() - t) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"HTTP {r.status_code}: {r.text[:200]}")
                    n_items.append(len(r.json()["suggestions"]))
                print(
                    f"  {vacancies:,} vacancies, 1 connection, {lookups} lookups (k=10, mean "
                    f"{np.mean(n_items):.1f} items): {_pct(ms)}"
                )

            def worker(w: int) -> list[float]:
                out = []
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    for i in range(lookups // 4):
                        cid = ids[(w * 97 + i) % len(ids)]
                        t = time.perf_counter()
                        c.get(f"/claimants/{cid}/suggestions?k=10").raise_for_status()
                        out.append((time.perf_counter() - t) * 1000)
                return out

            t0 = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                conc = [x for part in pool.map(worker, range(4)) for x in part]
            wall = time.perf_counter() - t0
            print(
                f"  {vacancies:,} vacancies, 4 connections, {len(conc)} lookups: {_pct(conc)}, "
                f"{len(conc) / wall:.0f} lookups/s"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vacancies", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--lookups", type=int, default=400)
    ap.add_argument("--claimants", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.as_of, a.port)
        return
    for n in a.vacancies:
        print(f"{n:,} vacancies:")
        bench(n, a.lookups, a.claimants, a.seed, a.port)


if __name__ == "__main__":
    main()
