"""How good are passgenau's lists? Measured against the synthetic region's hidden truth.

``evaluate_ranking`` generates a region (seeded), trains both models on its history exactly as
``passgenau train`` does, and then measures, in memory (no database):

- **Sustainability model** on the held-out newest 20 % of placements (time split): AUC, Brier and
  the expected calibration error (10 equal-frequency bins, ``training.train.ece``), beside the same
  figures of the generator's own P(sustain) on the same placements (the Bayes-optimal AUC, and the
  ECE that sampling noise alone gives).
- **Ranking**: for a sample of current claimants, passgenau's top 10 from the production lookup
  (``MatchService.suggest_for``: filters, index search among the eligible, scoring, employer cap)
  against the oracle's top 10: every eligible vacancy ranked by true P(hire) × true P(sustain).
  Gain of a vacancy = true P(hire) × P(sustain) (linear gain), discount 1 / log2(rank + 1);
  NDCG@10 = DCG(list) / DCG(oracle list), averaged over claimants with at least one eligible
  vacancy. Baselines rank the same eligible vacancies: by distance only; by KldB match depth (ties
  by distance); by TF-IDF cosine of the rendered texts (scikit-learn, word unigrams and bigrams,
  sublinear tf, fitted on the vacancy texts); by embedding cosine only. Ties by vacancy id.

``generator="alt"`` evaluates on the second generator (``training.synthetic_alt``: the project's
records and hires, outcomes from a truth of another functional form with a hidden employer type),
by default on 7,875 placements (6,300 to train on, 1,575 held out); it adds the best AUC achievable
from the recorded fields and the model's gaps with paired bootstrap intervals (``evaluate_alt``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matcher.settings import Settings
    from models.embedder import Embedder

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
K = 10
DEFAULT_CLAIMANTS = 2000
DEFAULT_VACANCIES = 1500
DEFAULT_SAMPLE = 300
# 20,000 placements give 4,000 held-out ones: with the default 8,000 (1,600 held out) the ECE of
# the generator's own probabilities is ~0.026 from sampling noise alone, too close to a 0.03 bar.
DEFAULT_PLACEMENTS = 20_000
BASELINES = ("distance", "kldb", "tfidf", "embedding")
GENERATORS = ("project", "alt")
_GENERATOR_DEFAULT: Any = object()  # placements: the chosen generator's evaluation default


def dcg(gains: npt.ArrayLike, k: int = K) -> float:
    """Σ gain_i / log2(i + 1) over ranks i = 1..k (linear gains)."""
    g = np.asarray(gains, dtype=np.float64)[:k]
    return float((g / np.log2(np.arange(2, len(g) + 2))).sum())


def ndcg(list_gains: npt.ArrayLike, all_gains: npt.ArrayLike, k: int = K) -> float:
    """DCG of a list over the DCG of the best possible list from ``all_gains``."""
    ideal = dcg(np.sort(np.asarray(all_gains, dtype=np.float64))[::-1], k)
    return dcg(list_gains, k) / ideal if ideal > 0 else float("nan")


def top_by(keys: Sequence[npt.ArrayLike], ids: npt.NDArray[np.str_], k: int = K) -> npt.NDArray[np.intp]:
    """Positions of the top k by the given keys (first key most significant, ascending), ties by id."""
    return np.lexsort((ids, *reversed([np.asarray(x) for x in keys])))[:k]


@dataclass
class EvalWorld:
    """A generated region trained on and served in memory: what the evaluations measure."""

    region: Any
    encoder: Any
    grounder: Any
    chosen: list[Any]
    result: Any  # training.train's result
    index: Any
    catalog: Any
    service: Any  # MatchService over the open vacancies, on the region's reference date
    times: dict[str, float]


def build_world(
    seed: int,
    claimants: int,
    vacancies: int,
    settings: Settings,
    *,
    embedder: Embedder | None,
    sample: int,
    placements: int | None,
    generator: str = "project",
) -> EvalWorld:
    """Generate a region, train on its history exactly as ``passgenau train`` does, and assemble the
    production lookup over its open vacancies for a seeded sample of its current claimants."""
    from matcher.bootstrap import assemble_service
    from matcher.catalog import VacancyCatalog
    from matcher.geo import load_directory
    from matcher.index import FaissIndex
    from matcher.service import ClaimantsInMemory
    from models.cache import EmbeddingCache
    from models.embedder import embedder_from_settings
    from models.encoding import RecordEncoder
    from models.pair_scorer import ModelScorer
    from training.dataset import FeatureContext, cached_grounder
    from training.synthetic import generate_region
    from training.synthetic_alt import generate_alt_region
    from training.train import train_from_records

    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, not {generator!r}")
    generate = generate_region if generator == "project" else generate_alt_region
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    region = generate(seed, claimants, vacancies, placements)
    times["generate"] = time.perf_counter() - t0
    emb = embedder or embedder_from_settings(settings.embedder, settings.data_dir)
    cache = EmbeddingCache(settings.layout.embeddings, emb.model_id, emb.dim)
    encoder = RecordEncoder(emb, cache)
    geo = load_directory()
    rng = np.random.default_rng(seed)
    n_eval = min(sample, len(region.claimants))
    chosen = [region.claimants[i] for i in np.sort(rng.choice(len(region.claimants), n_eval, replace=False))]

    t0 = time.perf_counter()
    wishes = [w for c in (*region.history_claimants, *chosen) for w in c.desired_occupations]
    grounder = cached_grounder(settings, encoder, wishes)
    open_vacancies = [v for v in region.vacancies if not v.filled]
    vectors = encoder.encode_vacancies(open_vacancies)
    encoder.encode_claimants(chosen)  # batched now; the lookups below read them from the cache
    times["embed"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ctx = FeatureContext(geo=geo, grounder=grounder, commute=settings.commute, household=settings.household)
    result = train_from_records(
        region.outcomes, region.proposals, region.history_claimants, region.history_vacancies, ctx
    )
    times["train"] = time.perf_counter() - t0

    ids = [v.id for v in open_vacancies]
    index = FaissIndex.build(vectors, ids, encoder.model_id, **settings.index.build_options())
    by_id = {v.id: v for v in open_vacancies}
    catalog = VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo)
    scorer = ModelScorer(
        result.match,
        result.sustain,
        household=settings.household,
        model_version=f"eval-seed{seed}",
        employers=result.employers,
    )
    service = assemble_service(
        claimants=ClaimantsInMemory(chosen),
        vacancies=catalog,
        index=index,
        encoder=encoder,
        geo=geo,
        scorer=scorer,
        grounder=grounder,
        commute=settings.commute,
        ranking=settings.ranking,
        household=settings.household,
        today=region.reference_date,
    )
    return EvalWorld(region, encoder, grounder, chosen, result, index, catalog, service, times)


def evaluate_ranking(
    seed: int,
    claimants: int = DEFAULT_CLAIMANTS,
    vacancies: int = DEFAULT_VACANCIES,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    sample: int = DEFAULT_SAMPLE,
    placements: int | None = _GENERATOR_DEFAULT,
    generator: str = "project",
) -> dict[str, Any]:
    """Train on a fresh region's history and evaluate model and lists against its truth (module doc).

    ``placements`` defaults to the generator's evaluation size (20,000 project, 7,875 alt); None
    takes the generator's own rule (4 per current claimant, within 6,000-24,000)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from matcher.pairs import match_depths
    from matcher.settings import Settings
    from matcher.text import render_claimant, render_vacancy
    from training.synthetic import truth as T
    from training.synthetic_alt import DEFAULT_PLACEMENTS as ALT_PLACEMENTS
    from training.train import binary_metrics

    settings = settings or Settings()
    if placements is _GENERATOR_DEFAULT:
        placements = DEFAULT_PLACEMENTS if generator == "project" else ALT_PLACEMENTS
    w = build_world(
        seed,
        claimants,
        vacancies,
        settings,
        embedder=embedder,
        sample=sample,
        placements=placements,
        generator=generator,
    )
    region, encoder, grounder, chosen, result = w.region, w.encoder, w.grounder, w.chosen, w.result
    index, catalog, service, times = w.index, w.catalog, w.service, w.times
    n_eval = len(chosen)
    truth_by_id = {o.id: float(p) for o, p in zip(region.outcomes, region.outcome_p_sustain, strict=True)}
    hold = result.sustain_set.take(result.holdout)
    p_true = np.array([truth_by_id[i] for i in hold.ids])
    model_m = binary_metrics(hold.y, result.holdout_p)
    oracle_m = binary_metrics(hold.y, p_true)

    # -- the production lookup over the current vacancies ------------------------------------------
    t0 = time.perf_counter()
    vec_by_pos = index.vectors(index.ids.tolist())
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    v_tfidf = tfidf.fit_transform([render_vacancy(v) for v in catalog.vacancies])
    ca = T.claimant_arrays(chosen)
    va = T.vacancy_arrays(catalog.vacancies)
    p_sustain = region.truth.sustain_for(catalog.vacancies)
    vids = catalog.ids
    scores: dict[str, list[float]] = {"passgenau": [], **{b: [] for b in BASELINES}}
    latencies: list[float] = []
    skipped = 0
    for i, c in enumerate(chosen):
        filt, dist = service.filter_vacancies(c)
        elig = np.flatnonzero(filt.eligible)
        if elig.size == 0:
            skipped += 1
            continue
        ci = np.full(elig.size, i)
        gains = T.p_hire_arrays(ca, va, ci, elig) * p_sustain(ca, va, ci, elig)
        gain_of = dict(zip(vids[elig].tolist(), gains.tolist(), strict=True))
        t1 = time.perf_counter()
        lst = service.suggest_for(c, K)
        latencies.append(time.perf_counter() - t1)
        scores["passgenau"].append(ndcg([gain_of[m.vacancy_id] for m in lst.items], gains))
        e_ids = vids[elig]
        depth = match_depths([c] * elig.size, catalog.kldb_digits[elig], grounder).astype(np.float64)
        q_vec = encoder.encode_claimant(c)
        q_tfidf = tfidf.transform([render_claimant(c)])
        keyed = {
            "distance": [dist[elig]],
            "kldb": [-depth, dist[elig]],
            "tfidf": [-np.asarray((v_tfidf[elig] @ q_tfidf.T).toarray()).ravel()],
            "embedding": [-(vec_by_pos[elig] @ q_vec)],
        }
        for name, keys in keyed.items():
            scores[name].append(ndcg(gains[top_by(keys, e_ids)], gains))
    times["lists"] = time.perf_counter() - t0
    lat = np.array(latencies) * 1000.0
    out = {
        "generator": generator,
        "seed": seed,
        "claimants": claimants,
        "vacancies": vacancies,
        "placements": len(region.outcomes),
        "evaluated_claimants": n_eval - skipped,
        "embedder": encoder.model_id,
        "model_choice": result.choice,
        "model_choice_reason": result.reason,
        "holdout": {"model": model_m, "oracle": oracle_m},
        "train_metrics": result.metrics,
        "auc": model_m["auc"],
        "auc_oracle": oracle_m["auc"],
        "brier": model_m["brier"],
        "ece": model_m["ece"],
        "ece_oracle": oracle_m["ece"],
        "ndcg10": float(np.mean(scores["passgenau"])) if scores["passgenau"] else float("nan"),
        "ndcg10_baselines": {b: float(np.mean(scores[b])) if scores[b] else float("nan") for b in BASELINES},
        "lookup_ms": {
            "p50": float(np.percentile(lat, 50)) if lat.size else float("nan"),
            "p99": float(np.percentile(lat, 99)) if lat.size else float("nan"),
            "vacancies": len(catalog),
        },
        "seconds": {k: round(v, 1) for k, v in times.items()},
    }
    if generator == "alt":
        from training.evaluate_alt import alt_figures

        older = result.sustain_set.take(np.setdiff1d(np.arange(len(result.sustain_set)), result.holdout))
        p_hold = np.asarray(result.holdout_p, np.float64)
        out["alt"] = alt_figures(region, list(hold.ids), hold.y, p_hold, list(older.ids), older.y)
    return out


def format_ranking_report(result: dict[str, Any]) -> str:
    """Human-readable figures, ending with one JSON line (auc, auc_oracle, ece, ndcg10, baselines)."""
    m, o = result["holdout"]["model"], result["holdout"]["oracle"]
    tm = result["train_metrics"]
    lines = [
        f"region seed {result['seed']}: {result['claimants']} claimants, {result['vacancies']} vacancies, "
        f"{result['placements']} placements; embedder {result['embedder']}",
        f"sustainability model: {result['model_choice']} ({result['model_choice_reason']})",
        f"  held-out placements (newest 20 %, n={m['n']}, rate {m['rate']:.3f}):",
        f"    model   AUC {m['auc']:.4f}  Brier {m['brier']:.4f}  ECE {m['ece']:.4f}"
        f"  mean p {m['mean_p']:.3f}",
        f"    truth   AUC {o['auc']:.4f}  Brier {o['brier']:.4f}  ECE {o['ece']:.4f}  (Bayes-optimal)",
    ]
    if "alt" in result:
        from training.evaluate_alt import format_alt_lines

        lines[0] = f"second generator (alt), {lines[0]}"
        lines.extend(format_alt_lines(result))
    for kind in ("additive", "ga2m", "boosting"):
        b = tm["sustain"].get(kind)
        if b is None:
            continue
        vs = b.get("vs_additive")
        diff = f"  vs additive {vs['diff']:+.4f} [{vs['low']:+.4f}, {vs['high']:+.4f}]" if vs else ""
        lines.append(f"    {kind:<8} AUC {b['auc']:.4f}  Brier {b['brier']:.4f}  ECE {b['ece']:.4f}{diff}")
    if "ga2m" in tm["sustain"]:
        terms = ", ".join(tm["sustain"]["ga2m"]["interaction_terms"]) or "none"
        lines.append(f"    ga2m pair terms: {terms}")
    cal = tm["sustain"].get("calibration")
    if cal is not None:
        lines.append(
            "    calibration check (one period ahead, twice; ECE without -> with Platt): "
            + ", ".join(f"{st['ece']:.4f} -> {st['ece_platt']:.4f}" for st in cal.get("steps", []))
            + ", "
            f"used: {cal['platt']}; held-out ECE "
            f"{cal['holdout_ece_before']:.4f} -> {cal['holdout_ece_after']:.4f}"
        )
    mm = tm["match"]
    lines.append(
        f"match model (hired | proposal), held-out n={mm['n']}: AUC {mm['auc']:.4f}  ECE {mm['ece']:.4f}"
    )
    lines.append(f"NDCG@10 against the oracle, {result['evaluated_claimants']} claimants:")
    lines.append(f"    passgenau  {result['ndcg10']:.4f}")
    for name, value in result["ndcg10_baselines"].items():
        lines.append(f"    {name:<10} {value:.4f}")
    lat = result["lookup_ms"]
    lines.append(
        f"lookup with scoring over {lat['vacancies']} vacancies: "
        f"p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms"
    )
    lines.append("seconds: " + ", ".join(f"{k} {v}" for k, v in result["seconds"].items()))
    summary = {
        "auc": round(result["auc"], 4),
        "auc_oracle": round(result["auc_oracle"], 4),
        "ece": round(result["ece"], 4),
        "ndcg10": round(result["ndcg10"], 4),
        "ndcg10_baselines": {k: round(v, 4) for k, v in result["ndcg10_baselines"].items()},
    }
    if "alt" in result:
        a = result["alt"]
        summary |= {
            "generator": "alt",
            "auc_observed": round(a["observed"]["auc"], 4),
            "auc_observed_history": round(a["observed_history"]["auc"], 4),
            "auc_gap_observed": round(a["gap_to_observed"]["gap"], 4),
            "auc_gap_observed_95": [
                round(a["gap_to_observed"]["lo"], 4),
                round(a["gap_to_observed"]["hi"], 4),
            ],
            "ece_oracle": round(result["ece_oracle"], 4),
            "ece_observed": round(a["observed"]["ece"], 4),
        }
    lines.append(json.dumps(summary, sort_keys=False))
    return "\n".join(lines)
