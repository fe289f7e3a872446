"""Does the Förderempfehlung pick the measure the truth would? Measured on a generated region.

``evaluate_measures`` builds the region and the production lookup as the ranking evaluation does
(``training.evaluate.build_world``: trained on the region's history, served in memory), takes the
market sample of its vacancies (``matcher.measures.market_service``) and, for a seeded sample of
current claimants, computes every measure's gain twice on the same counterfactual profile:

- **passgenau**: ``matcher.measures.estimate_measures``, the model's expected lasting placements of
  the claimant's top list (as the page shows them);
- **oracle**: the same profile's eligible vacancies (the same hard filters), ranked by the
  generator's true P(hire) × P(12 months), the sum over the top k: the truth's expected lasting
  placements of the best possible list, after the measure minus before.

Reported: ``top1_agreement``, the share of claimants whose best measure by the oracle's gain (among
those where that gain is material, ≥ ``MATERIAL_GAIN``) is also passgenau's best; ``spearman``, the
mean rank correlation (average ranks for ties) of the two gains over a claimant's applicable
measures (claimants with at least two and gains that differ on both sides); ``claimants``, how many
were evaluated; per measure how often it applied, its mean gains, how often it was the oracle's
material best and how often passgenau's best agreed then; and the disagreements as "oracle's best →
passgenau's best" with their counts.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matcher.settings import Settings
    from models.embedder import Embedder

DEFAULT_SAMPLE = 200
# A best measure whose true gain is under this (expected lasting placements of a top-10 list) is no
# real choice between measures: such claimants are left out of ``top1_agreement``. Fixed before
# any seed was measured.
MATERIAL_GAIN = 0.05


def average_ranks(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Ranks 1..n, ties sharing their average rank."""
    a = np.asarray(x, dtype=np.float64)
    order = np.argsort(a, kind="stable")
    ranks = np.empty(len(a), dtype=np.float64)
    ranks[order] = np.arange(1, len(a) + 1)
    for value in np.unique(a):
        tied = a == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Spearman's rank correlation; NaN when either side is constant."""
    ra, rb = average_ranks(a), average_ranks(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def oracle_expected(service: Any, c: Any, va: Any, k: int) -> float:
    """Truth's expected lasting placements of the best top-k list among the profile's eligible vacancies."""
    from training.synthetic import truth as T

    filt, _ = service.filter_vacancies(c)
    elig = np.flatnonzero(filt.eligible)
    if elig.size == 0:
        return 0.0
    ca = T.claimant_arrays([c])
    ci = np.zeros(elig.size, dtype=np.int64)
    gains = T.p_hire_arrays(ca, va, ci, elig) * T.p_sustain_arrays(ca, va, ci, elig)
    return float(np.sort(gains)[::-1][:k].sum())


def evaluate_measures(
    seed: int,
    claimants: int = 2000,
    vacancies: int = 1500,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    sample: int = DEFAULT_SAMPLE,
    placements: int | None = 20_000,
) -> dict[str, Any]:
    """The project's gain per measure against the oracle's, per claimant (module doc)."""
    from matcher.measures import apply_measure, estimate_measures, market_service
    from matcher.settings import Settings
    from training.evaluate import build_world
    from training.synthetic import truth as T

    settings = settings or Settings()
    s = settings.measures
    w = build_world(
        seed, claimants, vacancies, settings, embedder=embedder, sample=sample, placements=placements
    )
    times = w.times
    t0 = time.perf_counter()
    market = market_service(w.service, s.market_months)
    va = T.vacancy_arrays(market.vacancies.vacancies)
    keys = [m.key for m in s.table]
    # The changed profiles embedded in batches now (a measure that changes the rendered text, the
    # qualification level, needs its own vector); the lookups below read them from the cache.
    changed = [a[0] for c in w.chosen for spec in s.table if (a := apply_measure(c, spec, s)) is not None]
    t1 = time.perf_counter()
    w.encoder.encode_claimants(changed)
    times["embed_changed"] = time.perf_counter() - t1
    per_key: dict[str, dict[str, list[float]]] = {key: {"model": [], "oracle": []} for key in keys}
    top1_hits, top1_n, rhos = 0, 0, []
    best_n: dict[str, int] = dict.fromkeys(keys, 0)
    best_hits: dict[str, int] = dict.fromkeys(keys, 0)
    confused: dict[str, int] = {}
    latencies = []
    for c in w.chosen:
        t1 = time.perf_counter()
        report = estimate_measures(market, c, s)
        latencies.append(time.perf_counter() - t1)
        model_gain = {e.key: e.gain for e in report.estimates if e.applies}
        if not model_gain:
            continue
        before = oracle_expected(market, c, va, s.k)
        oracle_gain = {}
        for spec in s.table:
            applied = apply_measure(c, spec, s)
            if applied is not None:
                oracle_gain[spec.key] = oracle_expected(market, applied[0], va, s.k) - before
        applicable = [key for key in keys if key in model_gain]
        m = np.array([model_gain[key] for key in applicable])
        o = np.array([oracle_gain[key] for key in applicable])
        for key in applicable:
            per_key[key]["model"].append(model_gain[key])
            per_key[key]["oracle"].append(oracle_gain[key])
        # Best by gain, ties by the table's order (as the page orders equal gains of equal length).
        if o.max() >= MATERIAL_GAIN:
            top1_n += 1
            truth_best, model_best = applicable[int(np.argmax(o))], applicable[int(np.argmax(m))]
            best_n[truth_best] += 1
            if truth_best == model_best:
                top1_hits += 1
                best_hits[truth_best] += 1
            else:
                pair = f"{truth_best} -> {model_best}"
                confused[pair] = confused.get(pair, 0) + 1
        if len(applicable) >= 2:
            rho = spearman(m, o)
            if not np.isnan(rho):
                rhos.append(rho)
    times["measures"] = time.perf_counter() - t0
    lat = np.array(latencies) * 1000.0
    return {
        "seed": seed,
        "claimants": len(w.chosen),
        "vacancies": vacancies,
        "market_vacancies": int(sum(not v.filled for v in market.vacancies.vacancies)),
        "top1_agreement": top1_hits / top1_n if top1_n else float("nan"),
        "top1_claimants": top1_n,
        "spearman": float(np.mean(rhos)) if rhos else float("nan"),
        "spearman_claimants": len(rhos),
        "material_gain": MATERIAL_GAIN,
        "per_measure": {
            key: {
                "applies": len(v["model"]),
                "gain_model": round(float(np.mean(v["model"])), 4) if v["model"] else None,
                "gain_oracle": round(float(np.mean(v["oracle"])), 4) if v["oracle"] else None,
                "oracle_best": best_n[key],
                "agree": best_hits[key],
            }
            for key, v in per_key.items()
        },
        "disagreements": dict(sorted(confused.items(), key=lambda kv: (-kv[1], kv[0]))),
        "measures_ms": {
            "p50": float(np.percentile(lat, 50)) if lat.size else float("nan"),
            "p99": float(np.percentile(lat, 99)) if lat.size else float("nan"),
        },
        "seconds": {k: round(v, 1) for k, v in times.items()},
    }


def format_measures_report(result: dict[str, Any]) -> str:
    """Human-readable figures, ending with one JSON line (top1_agreement, spearman, claimants)."""
    lines = [
        f"region seed {result['seed']}: {result['claimants']} claimants evaluated, market sample of "
        f"{result['market_vacancies']} vacancies",
        f"best measure agrees with the oracle for {result['top1_agreement']:.3f} of "
        f"{result['top1_claimants']} claimants whose best true gain is >= {result['material_gain']}",
        f"mean Spearman of the gains per claimant: {result['spearman']:.3f} "
        f"({result['spearman_claimants']} claimants with two or more measures)",
        "measure                applies  mean gain model  oracle  best by oracle  agreed",
    ]
    for key, v in result["per_measure"].items():
        gm = "-" if v["gain_model"] is None else f"{v['gain_model']:+.4f}"
        go = "-" if v["gain_oracle"] is None else f"{v['gain_oracle']:+.4f}"
        lines.append(
            f"  {key:<22} {v['applies']:>6}  {gm:>15}  {go:>6}  {v['oracle_best']:>14}  {v['agree']:>6}"
        )
    if result["disagreements"]:
        lines.append(
            "best measures that differ (oracle's -> passgenau's): "
            + ", ".join(f"{pair} {n}" for pair, n in result["disagreements"].items())
        )
    ms = result["measures_ms"]
    lines.append(f"estimate per claimant (in process): p50 {ms['p50']:.1f} ms, p99 {ms['p99']:.1f} ms")
    lines.append("seconds: " + ", ".join(f"{k} {v}" for k, v in result["seconds"].items()))
    summary = {
        "top1_agreement": round(result["top1_agreement"], 4),
        "spearman": round(result["spearman"], 4),
        "claimants": result["claimants"],
        "top1_claimants": result["top1_claimants"],
        "spearman_claimants": result["spearman_claimants"],
    }
    lines.append(json.dumps(summary))
    return "\n".join(lines)
