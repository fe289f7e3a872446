"""Förderempfehlung latency through HTTP: `GET /claimants/{id}/measures` against the real app
(auth, store read, the market sample, the claimant's lookup once as is and once per applicable
measure with explanations, the audit row, JSON), served by uvicorn in its own process on loopback.

The demo size by default (1,500 vacancies, 2,000 claimants; ``passgenau demo``'s region), a scorer
bundle trained on the region's history. Embeddings: ``--e5 DIR`` serves with the real
multilingual-e5-small built in DIR (``passgenau models build-embedder``; the qualification measure
changes the profile text, so each request embeds one changed profile with e5, uncached); without
it, the character-trigram stand-in of ``bench/http_bench.py`` (dim 384).

Claimants are asked in a fixed order, one connection, after a warm-up (the first request builds
the market sample's catalog, once per index version; every claimant's own vector is cached first,
as in production).

    .venv/bin/python bench/measures_bench.py [--e5 DIR] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_bench import Trigram384, _pct, _wait, prepare  # noqa: E402


def serve(data_dir: Path, as_of: str, port: int, e5: str | None) -> None:
    import uvicorn

    from api.app import create_app
    from api.runtime import single_thread_blas
    from matcher.layout import DataLayout
    from matcher.settings import EmbedderSettings, Settings
    from models.cache import EmbeddingCache
    from models.encoding import RecordEncoder

    single_thread_blas()  # as `passgenau serve` does
    if e5:
        settings = Settings(data_dir=data_dir, as_of=as_of, embedder=EmbedderSettings(model=e5))  # type: ignore[arg-type]
        app = create_app(settings)
    else:
        emb = Trigram384()
        encoder = RecordEncoder(emb, EmbeddingCache(DataLayout(data_dir).embeddings, emb.model_id, emb.dim))  # type: ignore[arg-type]
        app = create_app(Settings(data_dir=data_dir, as_of=as_of), encoder=encoder)  # type: ignore[arg-type]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def bench(vacancies: int, claimants: int, requests: int, seed: int, port: int, e5: str | None) -> None:
    import httpx

    with tempfile.TemporaryDirectory(prefix="measures-bench-") as tmp:
        data_dir = Path(tmp)
        as_of, ids, secret = prepare(data_dir, vacancies, claimants, seed)
        cmd = [sys.executable, __file__, "--serve", str(data_dir), "--as-of", as_of, "--port", str(port)]
        if e5:
            cmd += ["--e5", e5]
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
        )
        headers = {"Authorization": f"Bearer {secret}"}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600) as client:
                up = _wait(client, proc, timeout=3600)
                print(f"  server up in {up:.0f} s")
                asked = ids[:requests]
                for cid in asked:  # every asked claimant's own vector cached, as in production
                    client.get(f"/claimants/{cid}/suggestions?k=1").raise_for_status()
                for cid in asked[:5]:
                    client.get(f"/claimants/{cid}/measures").raise_for_status()
                ms, applied, offered = [], [], []
                for cid in asked:
                    t = time.perf_counter()
                    r = client.get(f"/claimants/{cid}/measures")
                    ms.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                    body = r.json()
                    applied.append(sum(m["applies"] for m in body["measures"]))
                    offered.append(len(body["offered"]))
                print(
                    f"  {vacancies:,} vacancies (market sample {body['market_vacancies']:,}), 1 connection, "
                    f"{len(ms)} requests (mean {np.mean(applied):.1f} measures applied, "
                    f"{np.mean(offered):.1f} offered): {_pct(ms)}, max {max(ms):.1f} ms"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vacancies", type=int, default=1500)
    ap.add_argument("--claimants", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--e5", help="folder of the built multilingual-e5-small (default: trigram stand-in)")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.as_of, a.port, a.e5)
        return
    print(f"{a.vacancies:,} vacancies, {'e5' if a.e5 else 'trigram-384'}:")
    bench(a.vacancies, a.claimants, a.requests, a.seed, a.port, a.e5)


if __name__ == "__main__":
    main()
