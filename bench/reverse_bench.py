"""Reverse matching (a vacancy's candidates) the first time a vacancy is asked for, at the demo size.

Issue 13, item 13: the candidates of a vacancy not looked up before took 1.7-2.7 s, because every
candidate's wishes were grounded to KldB codes on the fly (one e5 embedding per wish text). The
groundings are now computed when a claimant is written and stored (``matcher.grounding``); the
claimant catalog holds them, and ``MatchService.candidates`` reads them.

The data directory is the demo's (2,000 claimants, 1,500 vacancies, seed 2026, the real
multilingual-e5-small, a trained scorer); it is built with ``passgenau demo --no-serve`` when
missing (minutes: every text is embedded once) and reused afterwards. The service is started as
the API starts it (``Services.match_service(with_claimants=True)``); then each of ``--vacancies``
vacancies, none looked up before in this process, is asked for its 10 candidates once, in process.
For comparison the script grounds the wishes of 200 claimants (a lookup's fetch size) with an
empty grounder memo: what the first request paid before.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python bench/reverse_bench.py [--data-dir D] [--vacancies 30]
        [--seed S] [--no-compare]

At a Landkreis's size (issue 15: a vacancy's candidates among 20,000 claimants in at most 50 ms),
``--trigram-claimants 20000`` prepares a synthetic region of that many claimants (and
``--trigram-vacancies`` vacancies) as ``bench/http_bench.py`` does, with its character-trigram vectors
of dim 384 instead of e5 (embedding 20,000 profiles with e5 takes hours on this CPU; the search and
scoring cost depend on the dimension and the counts, not on the model), and asks the candidates among
all of them (one catalog, not split by Jobcenter):

    nice -n 10 .venv/bin/python bench/reverse_bench.py --trigram-claimants 20000 \
        --data-dir /tmp/passgenau-reverse-20k --vacancies 100 --no-compare
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def cpu() -> str:
    model, flags = "?", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "?":
                model = value.strip()
            if key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    have = [f for f in ("avx2", "avx512f", "avx512_bf16") if f in flags]
    return f"{model}; flags: {', '.join(have) or 'none of avx2/avx512f/avx512_bf16'}; {os.cpu_count()} cores"


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_demo(data_dir: Path) -> None:
    if (data_dir / "passgenau.db").exists() and (data_dir / "models" / "scorer").exists():
        return
    print(f"building the demo data directory {data_dir} (passgenau demo --no-serve) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "matcher.cli", "--data-dir", str(data_dir), "demo", "--no-serve"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/passgenau-reverse-bench"))
    ap.add_argument("--vacancies", type=int, default=30, help="vacancies asked for, once each")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-compare", action="store_true", help="skip the on-the-fly grounding comparison")
    ap.add_argument(
        "--trigram-claimants", type=int, help="a synthetic region of this many claimants, trigram vectors"
    )
    ap.add_argument("--trigram-vacancies", type=int, default=5000)
    a = ap.parse_args()

    from matcher.bootstrap import Services
    from matcher.grounding import read_entries
    from matcher.settings import Settings
    from matcher.taxonomy import TitleGrounder

    if a.trigram_claimants:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from http_bench import Trigram384, prepared

        from models.cache import EmbeddingCache
        from models.encoding import RecordEncoder

        as_of, _, _ = prepared(a.data_dir, a.trigram_vacancies, a.trigram_claimants, 7)
        settings = Settings(data_dir=a.data_dir, as_of=as_of)
        emb = Trigram384()
        encoder = RecordEncoder(emb, EmbeddingCache(settings.layout.embeddings, emb.model_id, emb.dim))  # type: ignore[arg-type]
        services = Services(settings, encoder=encoder)
    else:
        ensure_demo(a.data_dir)
        services = Services(Settings(data_dir=a.data_dir))
    print(f"CPU: {cpu()}")
    print(f"before: {load()}")
    grounder = services.grounder()
    stored_before = len(read_entries(services.layout.grounding / f"{grounder.key}.json"))
    t0 = time.perf_counter()
    service = services.match_service(with_claimants=True)
    start_s = time.perf_counter() - t0
    cc = service.claimant_catalog
    assert cc is not None
    stored_after = len(read_entries(services.layout.grounding / f"{grounder.key}.json"))
    print(
        f"service start {start_s:.1f} s: {len(service.vacancies):,} vacancies, {len(cc):,} claimants; "
        f"stored groundings {stored_before:,} before, {stored_after:,} after (the start grounds "
        "only claimants written by a path that could not: none once the store's writers ground)"
    )

    ids = sorted(service.vacancies.position)
    chosen = random.Random(a.seed).sample(ids, min(a.vacancies, len(ids)))
    times: list[float] = []
    found: list[int] = []
    for vid in chosen:
        t = time.perf_counter()
        out = service.candidates(vid, k=a.k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(len(out.items))
    times.sort()
    p50 = statistics.median(times)
    p90 = times[int(0.9 * (len(times) - 1))]
    print(
        f"candidates of {len(times)} vacancies never looked up (k = {a.k}, in process): "
        f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, max {times[-1]:.1f} ms, mean {statistics.fmean(times):.1f} ms; "
        f"candidates per list {min(found)}-{max(found)}"
    )

    if a.no_compare:
        print(f"after: {load()}")
        return
    # What the first request paid before: its candidates' wishes grounded with an empty memo.
    fresh = TitleGrounder(grounder.entries, grounder.vectors, grounder.encode_queries)
    sample = random.Random(a.seed).sample(list(cc.claimants), min(200, len(cc)))
    t = time.perf_counter()
    for c in sample:
        if c.desired_occupations:
            fresh.codes_for(c.desired_occupations)
    before_s = time.perf_counter() - t
    texts = {w.strip().casefold() for c in sample for w in c.desired_occupations}
    print(
        f"for comparison, grounding the wishes of {len(sample)} candidates on the fly with an empty "
        f"memo (the old first request): {before_s:.2f} s ({len(texts)} distinct wish texts)"
    )
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
