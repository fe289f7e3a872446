"""The trained models in production use: P(good match) × P(sustainable), explained per candidate.

``ModelScorer`` implements ``matcher.service.PairScorer``. It turns a lookup's candidate pairs into
feature rows (``pair_features``, the one place where a pair becomes a row: training calls the same
function), predicts ``p_match`` with the match model and ``p_sustain`` with the sustainability
model, and explains each candidate: the main drivers of its sustainability score (exact logit
contributions of the additive model, German labels), the household effect of the wage, short
German reasons a case manager reads, the filters passed, and the model version.

``measure_pairs`` computes what the lookup measures of a pair (commute by the claimant's mode,
the commute limit, the KldB match depth) for records that never went through a lookup: the
historic pairs of the training sets. It uses the very functions ``MatchService`` uses, so that
train-time features are serve-time features.

Neither model uses ``similarity``: the embeddings of every historic profile are unaffordable on a
small CPU, and a feature that training cannot see must not be scored at serving time.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matcher.catalog import rurality_of
from matcher.domain import Claimant, CommuteMode, Contract, Vacancy
from matcher.filters import FILTERS, default_commute_limit
from matcher.geo import PostcodeDirectory, haversine_km
from matcher.household import assess_many, kindergeld_counted, need
from matcher.occupation import match_depth, vacancy_digits
from matcher.service import PairBatch, PairScores, claimant_codes, commute_for
from models.features import BINARY, FEATURE_LABELS, FEATURES, PairInputs, build_features

if TYPE_CHECKING:
    from matcher.service import Grounder
    from matcher.settings import CommuteSettings, HouseholdSettings, Settings
    from models.bundle import Bundle
    from models.scorer import SustainabilityScorer

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

# The sustainability model sees every pair feature except the profile similarity (see module doc).
SUSTAIN_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f != "similarity")
# The match model: what bears on whether a proposal leads to a hire — occupation match and
# experience, commute, hours, language and skill level against the job's, time out of work, wage.
# Employment terms that decide whether a job lasts (temp agency, fixed term, size) are left out.
MATCH_FEATURES: tuple[str, ...] = (
    "kldb_depth",
    "experience_years",
    "commute_minutes",
    "commute_ratio",
    "no_car",
    "hours_ratio",
    "german_gap",
    "skill_gap",
    "months_unemployed",
    "hourly_wage",
)
_COL = {name: i for i, name in enumerate(FEATURES)}
N_DRIVERS = 3


def binary_columns(features: Sequence[str]) -> list[int]:
    """Positions of the flag features within a feature subset (the additive model keeps them as is)."""
    return [i for i, f in enumerate(features) if f in BINARY]


def select(X: F64, features: Sequence[str]) -> F64:
    """The columns of a full ``FEATURES`` matrix that a model uses, in the model's order."""
    return X[:, [_COL[f] for f in features]]


# -- pair → feature row (shared by training and serving) ---------------------------------------------
def pair_features(pairs: PairBatch, household: HouseholdSettings) -> F64:
    """The full feature matrix (``FEATURES`` order) of a batch of pairs."""
    return build_features(
        PairInputs(
            claimants=pairs.claimants,
            vacancies=pairs.vacancies,
            similarity=pairs.similarity,
            depth=pairs.depth,
            commute_minutes=pairs.commute_minutes,
            commute_limit=pairs.commute_limit,
        ),
        household,
    )


def measure_pairs(
    claimants: Sequence[Claimant],
    vacancies: Sequence[Vacancy],
    *,
    geo: PostcodeDirectory,
    grounder: Grounder | None,
    commute: CommuteSettings,
) -> PairBatch:
    """What a lookup measures of aligned pairs (c[i], v[i]), computed as ``MatchService`` does.

    Distance from the claimant's coordinates (else the postcode's centre) to the vacancy's; commute
    by the claimant's mode with the larger rurality of both ends (an unknown vacancy postcode counts
    as rural); the claimant's own limit or the §140(4) SGB III default; the KldB match depth of the
    claimant's codes (``claimant_codes``: wishes, experience, grounded wish texts). ``similarity``
    is zero: no model uses it. A pair whose places are unknown gets NaN commute minutes.
    """
    n = len(claimants)
    if len(vacancies) != n:
        raise ValueError("claimants and vacancies must be aligned")
    places: dict[str, tuple[float, float, float]] = {}

    def place(code: str) -> tuple[float, float, float]:
        if code not in places:
            if geo.is_known(code):
                p = geo.lookup(code)
                places[code] = (p.lat, p.lon, p.rurality)
            else:
                places[code] = (math.nan, math.nan, 1.0)
        return places[code]

    clat, clon, crur = np.empty(n), np.empty(n), np.empty(n)
    for i, c in enumerate(claimants):
        lat, lon, rurality = place(c.postcode)
        clat[i] = c.lat if c.lat is not None else lat
        clon[i] = c.lon if c.lon is not None else lon
        crur[i] = rurality
    vlat = np.array([v.lat if v.lat is not None else place(v.postcode)[0] for v in vacancies], np.float64)
    vlon = np.array([v.lon if v.lon is not None else place(v.postcode)[1] for v in vacancies], np.float64)
    vrur = rurality_of([v.postcode for v in vacancies], geo)
    dist: F64 = np.asarray(haversine_km(clat, clon, vlat, vlon), dtype=np.float64)
    rur = np.maximum(crur, vrur)
    car = np.array([c.has_car for c in claimants], dtype=bool)
    minutes = np.where(
        car, commute_for(CommuteMode.CAR, dist, rur), commute_for(CommuteMode.PUBLIC, dist, rur)
    )
    own = np.array(
        [math.nan if c.max_commute_minutes is None else c.max_commute_minutes for c in claimants], np.float64
    )
    hours = np.array([v.hours_per_week for v in vacancies], dtype=np.float64)
    limit = np.where(np.isnan(own), default_commute_limit(hours, commute), own)
    depth = np.zeros(n, dtype=np.int8)
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(claimants):
        rows.setdefault(c.id, []).append(i)
    digits = vacancy_digits([v.kldb for v in vacancies])
    for idx in rows.values():
        depth[idx] = match_depth(claimant_codes(claimants[idx[0]], grounder), digits[idx])
    return PairBatch(
        claimants=list(claimants),
        vacancies=list(vacancies),
        similarity=np.zeros(n),
        depth=depth,
        commute_minutes=minutes,
        commute_limit=limit,
        distance_km=dist,
    )


# -- explanations ------------------------------------------------------------------------------------
def _euro(x: float) -> str:
    """Whole euro with the German thousands separator, as ``matcher.household`` writes it."""
    return f"{math.floor(abs(x) + 0.5):,} €".replace(",", ".")


def household_effects(household: Any, gross_monthly: F64, s: HouseholdSettings) -> list[dict[str, Any]]:
    """``matcher.household.assess`` for many wages of one household, vectorised (as dicts).

    ``assess`` costs ~0.2 ms a call; a lookup explains ~200 candidates, so the arrays of
    ``assess_many`` are turned into the same fields and the same German text here (a test checks
    that both agree).
    """
    r = assess_many(household, gross_monthly, s)
    total_need = need(household, s)
    kg = kindergeld_counted(household, s)
    out = []
    for j in range(len(gross_monthly)):
        remaining = float(r["remaining_need"][j])
        reduction = float(r["reduction"][j])
        ends = bool(r["ends_need"][j])
        if ends:
            text = f"beendet die Hilfebedürftigkeit (Überschuss {_euro(-remaining)} im Monat)"
        else:
            text = f"verringert den Bedarf um {_euro(reduction)} im Monat (Restbedarf {_euro(remaining)})"
        out.append(
            {
                "gross": float(gross_monthly[j]),
                "need": total_need,
                "kindergeld": kg,
                "net": float(r["net"][j]),
                "countable": float(r["countable"][j]),
                "remaining_need": remaining,
                "ends_need": ends,
                "reduction": reduction,
                "text_de": text,
            }
        )
    return out


def drivers(
    contrib: Sequence[float],
    x: Sequence[float],
    features: Sequence[str],
    k: int = N_DRIVERS,
    order: Sequence[int] | None = None,
) -> dict[str, list[Any]]:
    """Top ``k`` positive and top ``k`` negative logit contributions of one row, labelled in German.

    ``order``: the row's positions by contribution, descending (computed for many rows at once).
    """
    if order is None:
        order = sorted(range(len(contrib)), key=lambda j: (-contrib[j], j))

    def item(j: int) -> dict[str, Any]:
        name = features[j]
        return {
            "feature": name,
            "label": FEATURE_LABELS[name],
            "value": round(x[j], 3),
            "contribution": round(contrib[j], 3),
        }

    pos = [item(j) for j in order[:k] if contrib[j] > 0]
    neg = [item(j) for j in list(order)[::-1][:k] if contrib[j] < 0]
    return {"positive": pos, "negative": neg}


_DEPTH_DE = {
    5: "Beruf passt genau (KldB {code})",
    4: "Beruf passt, anderes Anforderungsniveau (KldB {code})",
    3: "verwandter Beruf (Berufsgruppe {prefix})",
    2: "Beruf aus derselben Berufshauptgruppe ({prefix})",
    1: "Beruf aus demselben Berufsbereich ({prefix})",
}


def reasons(
    c: Claimant, v: Vacancy, row: Sequence[float], depth: int, minutes: float, limit: float
) -> list[str]:
    """Short German lines for the case manager: commute, occupation, hours, wage, job terms."""
    mode = "Auto" if c.has_car else "ÖPNV"
    out = [f"Fahrzeit {minutes:.0f} von {limit:.0f} Min. ({mode})"]
    if v.kldb is None:
        out.append("Stelle ohne Berufskennziffer")
    elif depth >= 1:
        out.append(_DEPTH_DE[depth].format(code=v.kldb, prefix=v.kldb[:depth]))
    else:
        out.append(f"Beruf weicht ab (KldB {v.kldb})")
    out.append(f"{v.hours_per_week:g} von {c.available_hours:g} Std./Woche")
    if row[_COL["ends_need"]] > 0:
        out.append("Lohn beendet die Hilfebedürftigkeit")
    if v.employer.temp_agency:
        out.append("Zeitarbeit senkt die Chance auf Dauer")
    if v.contract is Contract.FIXED_TERM:
        out.append(f"befristet auf {v.contract_months} Monate senkt die Chance auf Dauer")
    if row[_COL["childcare_clash"]] > 0:
        out.append("Arbeitszeit schwer mit der Kinderbetreuung vereinbar")
    if v.employer.collective_agreement:
        out.append("Tarifbindung stützt die Dauer")
    if row[_COL["experience_years"]] >= 1:
        years = round(row[_COL["experience_years"]])
        out.append(f"{years} {'Jahr' if years == 1 else 'Jahre'} Erfahrung im Beruf")
    return out


# -- fast additive evaluation ------------------------------------------------------------------------
class AdditiveTerms:
    """The per-feature logit terms of a fitted additive ``SustainabilityScorer``, evaluated fast.

    Within its boundary knots, the model's term of a spline feature is (basis(x) − mean) / scale ·
    coef − term mean: a linear combination of B-spline basis functions, i.e. one B-spline with
    combined coefficients. Evaluating that one spline per feature avoids a
    ``SplineTransformer.transform`` per feature and call, which costs more than the arithmetic for
    a lookup's ~200 rows. Rows with a value beyond the boundary knots (extrapolated; rare) go
    through ``model.contributions``, so ``terms(X)`` equals ``model.contributions(X)`` to rounding
    everywhere (a test checks 1e-9).
    """

    def __init__(self, model: SustainabilityScorer) -> None:
        from scipy.interpolate import BSpline

        self.model = model
        coef = model.model_.coef_[0]
        mean, scale = model.scaler_.mean_, model.scaler_.scale_
        self.base = float(model.base_logit_)
        self._parts: list[tuple[Any, float, float, float]] = []
        for j, block in enumerate(model.block_columns_):
            w = coef[block] / scale[block]
            offset = float(-(mean[block] * w).sum() - model.term_means_[j])
            if j in model.splines_:
                basis = model.splines_[j].bsplines_[0]
                k = basis.k
                f = BSpline(basis.t, w, k, extrapolate=False)
                self._parts.append((f, float(basis.t[k]), float(basis.t[-k - 1]), offset))
            else:
                self._parts.append((None, float(w[0]), 0.0, offset))

    def terms(self, X: F64) -> F64:
        out = np.empty_like(X, dtype=np.float64)
        outside = np.zeros(X.shape[0], dtype=bool)
        for j, (f, a, b, offset) in enumerate(self._parts):
            x = X[:, j]
            if f is None:
                out[:, j] = x * a + offset
            else:
                outside |= (x < a) | (x > b)
                out[:, j] = f(np.clip(x, a, b)) + offset
        if outside.any():
            out[outside] = self.model.contributions(X[outside])
        return out


# -- the scorer ------------------------------------------------------------------------------------
class ModelScorer:
    """``PairScorer`` over a fitted match model and sustainability model (see module doc)."""

    def __init__(
        self,
        match: SustainabilityScorer,
        sustain: SustainabilityScorer,
        *,
        household: HouseholdSettings,
        model_version: str,
        match_features: Sequence[str] = MATCH_FEATURES,
        sustain_features: Sequence[str] = SUSTAIN_FEATURES,
    ) -> None:
        self.match = match
        self.sustain = sustain
        self.household = household
        self.model_version = model_version
        self.match_features = tuple(match_features)
        self.sustain_features = tuple(sustain_features)
        self._match_terms = AdditiveTerms(match) if match.kind == "additive" else None
        self._sustain_terms = AdditiveTerms(sustain) if sustain.kind == "additive" else None

    @classmethod
    def from_bundle(cls, bundle: Bundle, household: HouseholdSettings) -> ModelScorer:
        return cls(
            bundle.match,
            bundle.sustain,
            household=household,
            model_version=bundle.version,
            match_features=bundle.manifest["features"]["match"],
            sustain_features=bundle.manifest["features"]["sustain"],
        )

    def predict(self, X: F64) -> tuple[F64, F64]:
        """(p_match, p_sustain) of full feature rows."""
        p_match = self.match.predict_proba(select(X, self.match_features))[:, 1]
        p_sustain = self.sustain.predict_proba(select(X, self.sustain_features))[:, 1]
        return p_match, p_sustain

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        n = len(pairs.claimants)
        X = pair_features(pairs, self.household)
        Xs = select(X, self.sustain_features)
        Xm = select(X, self.match_features)
        if self._match_terms is not None:
            mt = self._match_terms
            p_match = 1.0 / (1.0 + np.exp(-(mt.base + mt.terms(Xm).sum(axis=1))))
        else:
            p_match = self.match.predict_proba(Xm)[:, 1]
        additive = self._sustain_terms is not None
        if self._sustain_terms is not None:
            # One pass: the additive logit is the base plus the contributions, exactly.
            contrib = self._sustain_terms.terms(Xs)
            base = self._sustain_terms.base
            logit = base + contrib.sum(axis=1)
            p_sustain = 1.0 / (1.0 + np.exp(-logit))
        else:
            p_sustain = self.sustain.predict_proba(Xs)[:, 1]
        if not explain:
            return PairScores(
                p_match=np.asarray(p_match, dtype=np.float64),
                p_sustain=np.asarray(p_sustain, dtype=np.float64),
                details=[{} for _ in range(n)],
                model_version=self.model_version,
            )
        effects: list[dict[str, Any]] = [{} for _ in range(n)]
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(pairs.claimants):
            groups.setdefault(c.id, []).append(i)
        for idx in groups.values():
            gross = np.array([pairs.vacancies[i].monthly_wage for i in idx], dtype=np.float64)
            household = pairs.claimants[idx[0]].household
            for i, eff in zip(idx, household_effects(household, gross, self.household), strict=True):
                effects[i] = eff
        # Plain Python lists: indexing numpy scalars one by one is what would make this loop slow.
        minutes, limits = pairs.commute_minutes.tolist(), pairs.commute_limit.tolist()
        depth, rows = pairs.depth.tolist(), X.tolist()
        if additive:
            c_rows, s_rows, logits = contrib.tolist(), Xs.tolist(), logit.tolist()
            orders = np.argsort(-contrib, axis=1, kind="stable").tolist()
        details: list[dict[str, Any]] = []
        for i in range(n):
            c, v = pairs.claimants[i], pairs.vacancies[i]
            d: dict[str, Any] = {
                "model_version": self.model_version,
                "filters": list(FILTERS),
                "commute": {
                    "minutes": round(minutes[i], 1),
                    "limit": limits[i],
                    "mode": c.commute_mode.value,
                },
                "household": effects[i],
                "reasons": reasons(c, v, rows[i], depth[i], minutes[i], limits[i]),
            }
            if additive:
                d["drivers"] = drivers(c_rows[i], s_rows[i], self.sustain_features, order=orders[i])
                d["sustain_logit"] = logits[i]
                d["base_logit"] = base
                d["contributions"] = dict(zip(self.sustain_features, c_rows[i], strict=True))
            details.append(d)
        return PairScores(
            p_match=np.asarray(p_match, dtype=np.float64),
            p_sustain=np.asarray(p_sustain, dtype=np.float64),
            details=details,
            model_version=self.model_version,
        )


def scorer_root(settings: Settings) -> Any:
    """Where the scorer bundles live: ``data_dir/models/scorer``."""
    return settings.data_dir / "models" / "scorer"


def load_scorer(settings: Settings) -> ModelScorer | None:
    """The scorer of the ``current`` bundle, or None when none was trained yet.

    A bundle that exists but fails its checks raises ``BundleMismatch``: a tampered or
    incompatible model must stop the service, not silently fall back to fit-only ranking.
    """
    from models.bundle import current_path, load_bundle

    path = current_path(scorer_root(settings))
    if path is None:
        return None
    bundle = load_bundle(path)
    log.info("scorer bundle %s loaded", bundle.version)
    return ModelScorer.from_bundle(bundle, settings.household)
