"""The trained models in production use: P(good match) × P(sustainable), as numbers.

``ModelScorer`` implements ``matcher.service.PairScorer``. It turns a lookup's candidate pairs into
feature rows (``pair_features``, the one place where a pair becomes a row: training calls the same
function on pairs measured by ``matcher.pairs.measure_pairs``), predicts ``p_match`` with the match
model and ``p_sustain`` with the sustainability model, and, for explained rows, returns the exact
logit terms of the additive sustainability model (``matcher.pairs.LogitTerms``). The words a case
manager reads (reasons, driver labels, household effect) are made from these numbers in the core,
``matcher.explain``.

Neither model uses ``similarity``: the embeddings of every historic profile are unaffordable on a
small CPU, and a feature that training cannot see must not be scored at serving time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matcher.pairs import LogitTerms, PairBatch, PairScores
from matcher.probability import logistic
from models.features import BINARY, FEATURES, FeatureTables, PairInputs, build_features
from models.scorer import row_sums

if TYPE_CHECKING:
    from matcher.domain import Claimant, Vacancy
    from matcher.settings import HouseholdSettings
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
        return self.score_features(pair_features(pairs, self.household), explain=explain)

    def feature_tables(self, claimants: Sequence[Claimant], vacancies: Sequence[Vacancy]) -> FeatureTables:
        """What ``score_at`` reads of fixed claimant and vacancy sequences, read once (nightly run)."""
        return FeatureTables(claimants, vacancies, self.household)

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
        return self.score_features(X, explain=False)

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
                terms = LogitTerms(self.sustain_features, Xs, contrib, logit, base)
        else:
            p_sustain = logistic(self.sustain.decision_function(Xs))
        return PairScores(
            p_match=np.asarray(p_match, dtype=np.float64),
            p_sustain=np.asarray(p_sustain, dtype=np.float64),
            model_version=self.model_version,
            terms=terms,
        )
