"""The trained models in production use: P(good match) × P(sustainable), as numbers.

``ModelScorer`` implements ``matcher.service.PairScorer``. It turns a lookup's candidate pairs into
feature rows (``pair_features``, the one place where a pair becomes a row: training calls the same
function on pairs measured by ``matcher.pairs.measure_pairs``), predicts ``p_match`` with the match
model and ``p_sustain`` with the sustainability model, and, for explained rows, returns the exact
logit terms of the additive (or ga2m) sustainability model (``matcher.pairs.LogitTerms``; a ga2m
model's pair terms follow the features' terms, named "a×b", their value columns NaN: a pair term
has two values, which are the columns of a and b). The words a case
manager reads (reasons, driver labels, household effect) are made from these numbers in the core,
``matcher.explain``.

Neither model uses ``similarity``: the embeddings of every historic profile are unaffordable on a
small CPU, and a feature that training cannot see must not be scored at serving time.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matcher.errors import BundleMismatch
from matcher.explain_text import pair_name
from matcher.pairs import LogitTerms, PairBatch, PairScores
from matcher.probability import logistic
from models.employer_history import EmployerHistory
from models.features import (
    BINARY,
    FEATURES,
    MONOTONE,
    RETIRED,
    FeatureTables,
    PairInputs,
    VacancyColumns,
    build_features,
    retired_features,
)
from models.scorer import MainTerms, row_sums
from models.term_gather import Layout, gathered_terms, layout

if TYPE_CHECKING:
    from matcher.catalog import VacancyCatalog
    from matcher.domain import Claimant, Vacancy
    from matcher.settings import HouseholdSettings
    from models.bundle import Bundle
    from models.scorer import SustainabilityScorer

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

# The sustainability model sees every pair feature except the profile similarity (see module doc).
SUSTAIN_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f != "similarity")
# The match model: what bears on whether a proposal leads to a hire — occupation match and
# experience, commute, what the job asks beyond the reasonable commute and beyond the claimant's
# hours, shifts, German, qualification and health, qualification above the job's, time out of work,
# wage. Employment terms that decide whether a job lasts (temp agency, fixed term, size) are left
# out. The filters keep shortfalls out of lookups, but recorded proposals have them: without their
# columns their effect would be read into the others.
MATCH_FEATURES: tuple[str, ...] = (
    "kldb_depth",
    "experience_years",
    "commute_minutes",
    "commute_over_limit",
    "no_car",
    "hours_over_available",
    "shift_not_possible",
    "german_shortfall",
    "skill_under",
    "skill_over",
    "health_strain",
    "months_unemployed",
    "hourly_wage",
)
# A retired feature's column follows the ``FEATURES`` ones: only a bundle trained on one reads it,
# from a matrix with the retired columns appended (``ModelScorer``).
_COL = {name: i for i, name in enumerate((*FEATURES, *RETIRED))}


def binary_columns(features: Sequence[str]) -> list[int]:
    """Positions of the flag features within a feature subset (the additive model keeps them as is)."""
    return [i for i, f in enumerate(features) if f in BINARY]


def monotone_directions(features: Sequence[str]) -> list[int]:
    """Each feature's known direction (``MONOTONE``: +1, -1, or 0 where none is known)."""
    return [MONOTONE.get(f, 0) for f in features]


def select(X: F64, features: Sequence[str]) -> F64:
    """The columns of a full ``FEATURES`` matrix that a model uses, in the model's order."""
    return X[:, [_COL[f] for f in features]]


# -- pair → feature row (shared by training and serving) ---------------------------------------------
def _inputs(pairs: PairBatch) -> PairInputs:
    return PairInputs(
        claimants=pairs.claimants,
        vacancies=pairs.vacancies,
        similarity=pairs.similarity,
        depth=pairs.depth,
        commute_minutes=pairs.commute_minutes,
        commute_limit=pairs.commute_limit,
    )


def pair_features(
    pairs: PairBatch, household: HouseholdSettings, employers: EmployerHistory | None = None
) -> F64:
    """The full feature matrix (``FEATURES`` order) of a batch of pairs."""
    return build_features(_inputs(pairs), household, employers)


# -- fast additive evaluation ------------------------------------------------------------------------
class AdditiveTerms:
    """The per-feature logit terms of a fitted additive ``SustainabilityScorer``, evaluated fast.

    Within its boundary knots, the model's term of a spline feature is (basis(x) − mean) / scale ·
    coef − term mean: a linear combination of B-spline basis functions, i.e. one B-spline with
    combined coefficients. Evaluating that one spline per feature avoids a
    ``SplineTransformer.transform`` per feature and call, which costs more than the arithmetic for
    a lookup's ~200 rows. Rows with a value beyond the boundary knots (extrapolated; rare) get the
    model's own terms, bit for bit ``model.contributions`` (``models.scorer.MainTerms``: sklearn's
    arithmetic without its validation), so ``terms(X)`` equals ``model.contributions(X)`` to rounding
    everywhere (a test checks 1e-9).
    """

    def __init__(self, model: SustainabilityScorer) -> None:
        from scipy.interpolate import BSpline

        self.model = model
        coef = model.model_.coef_[0]
        mean, scale = model.scaler_.mean_, model.scaler_.scale_
        slope = float(model.platt_slope)  # a Platt step scales every term (and the base)
        self.base = float(model.base_logit_)
        self.n_features = len(model.block_columns_)
        self._exact = MainTerms.of(model)
        self._parts: list[tuple[Any, float, float, float]] = []
        for j, block in enumerate(model.block_columns_):
            w = coef[block] / scale[block] * slope
            offset = float(-(mean[block] * w).sum() - model.term_means_[j] * slope)
            if j in model.splines_:
                basis = model.splines_[j].bsplines_[0]
                k = basis.k
                f = BSpline(basis.t, w, k, extrapolate=False)
                self._parts.append((f, float(basis.t[k]), float(basis.t[-k - 1]), offset))
            else:
                self._parts.append((None, float(w[0]), 0.0, offset))
        # What ``terms_at`` keeps of this model between lookups (``models.term_gather``): a term per
        # claimant value, a table per whole-number pair feature, the features sorted by kind.
        self.memo: dict[tuple[int, float, float], tuple[float, bool]] = {}
        self.grids: dict[int, tuple[float, F64, npt.NDArray[np.bool_] | None] | None] = {}
        self._layouts: dict[tuple[str, ...], Layout] = {}

    def term(self, j: int, x: F64) -> tuple[F64, npt.NDArray[np.bool_] | None]:
        """Feature j's term of the values ``x``, and which are beyond the boundary knots (None: linear)."""
        f, a, b, offset = self._parts[j]
        if f is None:
            return x * a + offset, None
        return f(np.clip(x, a, b)) + offset, (x < a) | (x > b)

    def terms(self, X: F64) -> F64:
        out = np.empty_like(X, dtype=np.float64)
        outside = np.zeros(X.shape[0], dtype=bool)
        for j in range(X.shape[1]):
            t, o = self.term(j, X[:, j])
            out[:, j] = t
            if o is not None:
                outside |= o
        return self._with_pairs(X, self._beyond_knots(X, out, outside))

    def _beyond_knots(self, X: F64, out: F64, outside: npt.NDArray[np.bool_]) -> F64:
        """``out`` with the rows that have a value beyond a spline's boundary knots from the model."""
        if outside.any():
            rows = X[outside]
            if self._exact is not None:
                out[outside] = self._exact(rows)
            else:
                out[outside] = self.model.contributions(rows)[:, : self.n_features]
        return out

    def _with_pairs(self, X: F64, main: F64) -> F64:
        """The columns after the features' own terms: none for an additive model."""
        return main

    def layout_of(self, features: Sequence[str], tables: FeatureTables) -> Layout:
        """The features sorted by kind (vacancy's, claimant's, pair's), once per feature list."""
        key = tuple(features)
        lay = self._layouts.get(key)
        if lay is None:
            lay = self._layouts[key] = layout(features, tables)
        return lay

    def terms_at(self, X: F64, features: Sequence[str], tables: FeatureTables, cpos: Any, vpos: Any) -> F64:
        """``terms(X)`` of the pairs (cpos, vpos) of ``tables``: a feature of the claimant or of the
        vacancy alone is evaluated once per claimant or vacancy and gathered; a pair feature whose
        values are whole numbers (match depth, German shortfall) once per value
        (``models.term_gather``). Elementwise: the same bits."""
        out, outside = gathered_terms(self, X, features, tables, cpos, vpos)
        return self._with_pairs(X, self._beyond_knots(X, out, outside))


class InteractionTerms(AdditiveTerms):
    """``AdditiveTerms`` of a ga2m model: the features' terms fast, then the pair terms
    (``SustainabilityScorer.pair_contributions``), so ``terms(X)`` is ``model.contributions(X)``
    to rounding, one column per feature and then one per pair."""

    def _with_pairs(self, X: F64, main: F64) -> F64:
        return np.hstack([main, self.model.pair_contributions(X)])


def fast_terms(model: SustainabilityScorer) -> AdditiveTerms | None:
    """The fast exact terms of a model with them (additive, ga2m); None for boosting."""
    if model.kind == "additive":
        return AdditiveTerms(model)
    if model.kind == "ga2m":
        return InteractionTerms(model)
    return None


def term_names(model: SustainabilityScorer, features: Sequence[str]) -> tuple[str, ...]:
    """The names of the columns of ``model.contributions``: the features, then the pairs "a×b"."""
    pairs = getattr(model, "interactions_", ())
    return (*features, *(pair_name(features[i], features[j]) for i, j in pairs))


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
        employers: EmployerHistory | None = None,
    ) -> None:
        self.match = match
        # The employers' placement history the bundle was trained with (``employer_lasting``).
        self.employers = employers
        self.sustain = sustain
        self.household = household
        self.model_version = model_version
        self.match_features = tuple(match_features)
        self.sustain_features = tuple(sustain_features)
        # A bundle trained before the plain features reads retired columns too (audit replay).
        self.retired = bool(set(RETIRED) & {*self.match_features, *self.sustain_features})
        self._match_terms = fast_terms(match)
        self._sustain_terms = fast_terms(sustain)
        self._sustain_names = term_names(sustain, self.sustain_features)
        # The vacancy columns of the catalogs lookups score against (``score_lookup``), by the
        # catalog's id with a weak reference to it: a catalog replaced after a vacancy change is
        # not kept alive, and an id reused by a later catalog does not match the dead reference.
        self._columns: dict[int, tuple[weakref.ref[Any], VacancyColumns]] = {}
        self._columns_lock = threading.Lock()

    @classmethod
    def from_bundle(cls, bundle: Bundle, household: HouseholdSettings) -> ModelScorer:
        """The scorer of a loaded bundle; BundleMismatch if it was trained on a feature this code
        does not build (neither in ``FEATURES`` nor ``RETIRED``): refused at load, not failing at
        its first lookup."""
        features = bundle.manifest["features"]
        unknown = sorted((set(features["match"]) | set(features["sustain"])) - set(FEATURES) - set(RETIRED))
        if unknown:
            raise BundleMismatch(
                f"scorer bundle {bundle.version} was trained on features this version does not build "
                f"({', '.join(unknown)}): retrain it (passgenau train)"
            )
        return cls(
            bundle.match,
            bundle.sustain,
            household=household,
            model_version=bundle.version,
            match_features=bundle.manifest["features"]["match"],
            sustain_features=bundle.manifest["features"]["sustain"],
            employers=bundle.employers,
        )

    def predict(self, X: F64) -> tuple[F64, F64]:
        """(p_match, p_sustain) of full feature rows."""
        p_match = self.match.predict_proba(select(X, self.match_features))[:, 1]
        p_sustain = self.sustain.predict_proba(select(X, self.sustain_features))[:, 1]
        return p_match, p_sustain

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        X = pair_features(pairs, self.household, self.employers)
        if self.retired:
            X = np.hstack([X, retired_features(_inputs(pairs))])
        return self.score_features(X, explain=explain)

    def columns_of(self, catalog: VacancyCatalog) -> VacancyColumns:
        """The catalog's ``VacancyColumns``, built on its first lookup (~0.3 s at 100,000 vacancies,
        once per catalog: a catalog is rebuilt when the vacancies change)."""
        hit = self._columns.get(id(catalog))
        if hit is not None and hit[0]() is catalog:
            return hit[1]
        with self._columns_lock:
            hit = self._columns.get(id(catalog))
            if hit is not None and hit[0]() is catalog:
                return hit[1]
            cols = VacancyColumns(catalog.vacancies, self.employers)
            live = {k: v for k, v in self._columns.items() if v[0]() is not None}
            live[id(catalog)] = (weakref.ref(catalog), cols)
            self._columns = live
            return cols

    def score_lookup(
        self,
        claimant: Claimant,
        catalog: VacancyCatalog,
        vpos: npt.NDArray[np.intp],
        *,
        similarity: npt.ArrayLike,
        depth: npt.ArrayLike,
        commute_minutes: npt.ArrayLike,
        commute_limit: npt.ArrayLike,
        explain: bool = True,
    ) -> PairScores:
        """``score`` of one claimant's candidates given as positions into a vacancy catalog: the same
        numbers (probabilities and, with ``explain``, logit terms), from the catalog's columns
        (``columns_of``) and the vacancies' own terms evaluated once per catalog (``terms_at``),
        instead of reading each candidate's record and evaluating every term on every row."""
        tables = FeatureTables([claimant], self.columns_of(catalog), self.household)
        vpos = np.asarray(vpos, dtype=np.intp)
        cpos = np.zeros(len(vpos), dtype=np.intp)
        X = tables.matrix(
            cpos, vpos, similarity=similarity, depth=depth, commute_minutes=commute_minutes,
            commute_limit=commute_limit,
        )  # fmt: skip
        mt, st = self._match_terms, self._sustain_terms
        if self.retired or mt is None or st is None:
            if self.retired:
                pairs = PairInputs(
                    [claimant] * len(vpos), [tables.vacancies[j] for j in vpos.tolist()], similarity, depth,
                    commute_minutes, commute_limit,
                )  # fmt: skip
                X = np.hstack([X, retired_features(pairs)])
            return self.score_features(X, explain=explain)
        Xm, Xs = select(X, self.match_features), select(X, self.sustain_features)
        p_match = logistic(mt.base + row_sums(mt.terms_at(Xm, self.match_features, tables, cpos, vpos)))
        contrib = st.terms_at(Xs, self.sustain_features, tables, cpos, vpos)
        logit = st.base + row_sums(contrib)
        return PairScores(
            p_match=np.asarray(p_match, dtype=np.float64),
            p_sustain=np.asarray(logistic(logit), dtype=np.float64),
            model_version=self.model_version,
            terms=self._terms(Xs, contrib, logit, st.base) if explain else None,
        )

    def _terms(self, Xs: F64, contrib: F64, logit: F64, base: float) -> LogitTerms:
        """What the explanation reads of the sustainability model's additive logit."""
        values = Xs
        if contrib.shape[1] > Xs.shape[1]:  # pair terms: no single value of their own
            extra = np.full((Xs.shape[0], contrib.shape[1] - Xs.shape[1]), np.nan)
            values = np.hstack([Xs, extra])
        return LogitTerms(self._sustain_names, values, contrib, logit, base)

    def feature_tables(self, claimants: Sequence[Claimant], vacancies: Sequence[Vacancy]) -> FeatureTables:
        """What ``score_at`` reads of fixed claimant and vacancy sequences, read once (nightly run)."""
        return FeatureTables(claimants, vacancies, self.household, self.employers)

    def score_at(
        self,
        tables: FeatureTables,
        cpos: npt.NDArray[np.intp],
        vpos: npt.NDArray[np.intp],
        *,
        similarity: npt.ArrayLike,
        depth: npt.ArrayLike,
        commute_minutes: npt.ArrayLike,
        commute_limit: npt.ArrayLike,
    ) -> PairScores:
        """``score(explain=False)`` of the pairs (claimants[cpos[i]], vacancies[vpos[i]]) of ``tables``:
        the same numbers, without a ``PairBatch`` of records."""
        X = tables.matrix(
            cpos,
            vpos,
            similarity=similarity,
            depth=depth,
            commute_minutes=commute_minutes,
            commute_limit=commute_limit,
        )
        if self.retired:
            pairs = PairInputs(
                [tables.claimants[i] for i in cpos.tolist()],
                [tables.vacancies[j] for j in vpos.tolist()],
                similarity,
                depth,
                commute_minutes,
                commute_limit,
            )
            return self.score_features(np.hstack([X, retired_features(pairs)]), explain=False)
        mt, st = self._match_terms, self._sustain_terms
        if mt is None or st is None:
            return self.score_features(X, explain=False)
        Xm, Xs = select(X, self.match_features), select(X, self.sustain_features)
        p_match = logistic(mt.base + row_sums(mt.terms_at(Xm, self.match_features, tables, cpos, vpos)))
        p_sustain = logistic(st.base + row_sums(st.terms_at(Xs, self.sustain_features, tables, cpos, vpos)))
        return PairScores(
            p_match=np.asarray(p_match, dtype=np.float64),
            p_sustain=np.asarray(p_sustain, dtype=np.float64),
            model_version=self.model_version,
        )

    def score_features(self, X: F64, *, explain: bool = True) -> PairScores:
        """Probabilities of full feature rows (``FEATURES`` order); see ``score``."""
        Xs = select(X, self.sustain_features)
        Xm = select(X, self.match_features)
        # Probabilities through ``matcher.probability.logistic``, not ``np.exp``: the same bits on
        # every CPU (numpy's exp differs in the last bit between AVX-512 and AVX2), on a fixed grid.
        if self._match_terms is not None:
            mt = self._match_terms
            p_match = logistic(mt.base + row_sums(mt.terms(Xm)))
        else:
            p_match = logistic(self.match.decision_function(Xm))
        terms = None
        if self._sustain_terms is not None:
            # One pass: the additive logit is the base plus the contributions, exactly.
            contrib = self._sustain_terms.terms(Xs)
            base = self._sustain_terms.base
            logit = base + row_sums(contrib)
            p_sustain = logistic(logit)
            if explain:
                terms = self._terms(Xs, contrib, logit, base)
        else:
            p_sustain = logistic(self.sustain.decision_function(Xs))
        return PairScores(
            p_match=np.asarray(p_match, dtype=np.float64),
            p_sustain=np.asarray(p_sustain, dtype=np.float64),
            model_version=self.model_version,
            terms=terms,
        )
