"""The population both governance steps look at: a seeded sample of (claimant, vacancy) pairs.

``passgenau retrain`` scores the sample with the new model and stores it in the bundle
(``drift-reference.npy``); ``passgenau drift`` draws today's sample the same way and compares
(``training.monitor``). Both build the same feature context (``feature_context``). Kept apart from
both so that neither imports the other.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matcher.geo import load_directory
from matcher.pairs import measure_pairs
from models.pair_scorer import pair_features, select
from training.dataset import FeatureContext, cached_grounder

if TYPE_CHECKING:
    from matcher.domain import Claimant, Outcome, Vacancy
    from matcher.settings import Settings
    from matcher.store import Store
    from models.encoding import RecordEncoder
    from models.scorer import SustainabilityScorer

F64 = npt.NDArray[np.float64]

REFERENCE_FILE = "drift-reference.npy"
SEED = 0


def population_pairs(
    claimants: list[Claimant], vacancies: list[Vacancy], n: int, seed: int = SEED
) -> tuple[list[Claimant], list[Vacancy]]:
    """``n`` seeded random (claimant, vacancy) pairs, records taken in id order (see module doc)."""
    cs = sorted(claimants, key=lambda c: c.id)
    vs = sorted(vacancies, key=lambda v: v.id)
    if not cs or not vs:
        return [], []
    rng = np.random.default_rng(seed)
    ci = rng.integers(len(cs), size=n)
    vi = rng.integers(len(vs), size=n)
    return [cs[i] for i in ci], [vs[j] for j in vi]


def population(settings: Settings, store: Store) -> tuple[list[Claimant], list[Vacancy]]:
    """Active claimants and the vacancies open on ``as_of`` (else today)."""
    return store.list_claimants(active_only=True), store.list_vacancies(
        open_on=settings.as_of or date.today()
    )


def population_rows(
    settings: Settings,
    claimants: list[Claimant],
    vacancies: list[Vacancy],
    ctx: FeatureContext,
    model: SustainabilityScorer,
    features: list[str] | tuple[str, ...],
) -> tuple[F64, F64]:
    """Full feature rows of the population sample and the model's P(sustainable) of each.

    Pairs whose place is unknown (no commute) are left out, as in the training sets.
    """
    cs, vs = population_pairs(claimants, vacancies, settings.governance.drift_pairs)
    if not cs:
        return np.zeros((0, 0)), np.zeros(0)
    batch = measure_pairs(cs, vs, geo=ctx.geo, grounder=ctx.grounder, commute=ctx.commute)
    X = pair_features(batch, ctx.household, ctx.employers)
    X = X[np.isfinite(X).all(axis=1)]
    p = np.asarray(model.predict_proba(select(X, features))[:, 1], dtype=np.float64)
    return X, p


def reference_bytes(X: F64, p: F64) -> tuple[bytes, str]:
    """The ``.npy`` bytes of rows with the score as last column, and their sha256."""
    buf = io.BytesIO()
    np.save(buf, np.column_stack([X, p]).astype(np.float64), allow_pickle=False)
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def feature_context(
    settings: Settings, encoder: RecordEncoder, claimants: Iterable[Claimant], outcomes: Iterable[Outcome]
) -> FeatureContext:
    """The context ``train_from_store`` builds: postcodes, cached grounding of every wish text."""
    wishes = [w for c in claimants for w in c.desired_occupations]
    wishes += [w for o in outcomes for w in o.claimant_snapshot.get("desired_occupations", [])]
    return FeatureContext(
        geo=load_directory(),
        grounder=cached_grounder(settings, encoder, wishes),
        commute=settings.commute,
        household=settings.household,
    )
