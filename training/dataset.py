"""Training sets of the two scorer models, as feature matrices with labels and dates.

- **Sustain set**: one row per recorded placement (``Outcome``), from the claimant and vacancy
  snapshots taken at placement; label ``employed_12m``; date = start.
- **Match set**: one row per recorded proposal (``Proposal``), from the stored historic claimant
  and vacancy; label ``hired``; date = proposed. Two kinds of proposal say nothing about the match
  and are dropped: those made after the claimant had already been hired (they could no longer lead
  to a hire), those to a vacancy after its last opening was filled (likewise), and those not hired
  to a vacancy whose openings all went to other claimants, also before the last of those hires
  (lost to a competitor: the employer chose someone else, which says nothing about how well this
  claimant matched). Kept, such competition losses made up about half the rows of a generated
  region and all but a third of its hires' effects were lost: the match model read the rows as
  misfits and learned every shortfall (missing qualification level, German, licence) at about
  a third of its effect on a hire, the occupation match too (seed 41, fitted on the generator's own
  terms: −0.25 per missing qualification level with them, −0.99 without, the truth's −0.8). A
  vacancy filled by others is no longer open anyway; the lookup asks whether this claimant would
  be hired, not whether a competitor would come first.

Rows become features through ``matcher.pairs.measure_pairs`` and ``models.pair_scorer.pair_features``,
the very functions the service and its scorer use, so that train-time features are serve-time features. The
builders are pure functions over records; ``read_store`` is the thin reader, and ``cached_grounder``
grounds many wish texts in batches through the embedding cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matcher.codec import claimant_from_snapshot, vacancy_from_snapshot
from matcher.domain import Claimant, Outcome, Proposal, Vacancy
from matcher.pairs import measure_pairs
from models.employer_history import EmployerHistory
from models.features import PairInputs, retired_features
from models.pair_scorer import pair_features

if TYPE_CHECKING:
    from matcher.geo import PostcodeDirectory
    from matcher.service import Grounder
    from matcher.settings import CommuteSettings, HouseholdSettings, Settings
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PairSet:
    """Feature rows (full ``FEATURES`` order, then the ``RETIRED`` columns), labels and dates, aligned
    with the records."""

    X: F64
    y: npt.NDArray[np.int64]
    when: npt.NDArray[np.int64]  # date ordinals
    ids: list[str]
    claimants: list[Claimant]
    vacancies: list[Vacancy]
    dropped: dict[str, int]

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, idx: npt.NDArray[np.intp]) -> PairSet:
        return PairSet(
            X=self.X[idx],
            y=self.y[idx],
            when=self.when[idx],
            ids=[self.ids[i] for i in idx],
            claimants=[self.claimants[i] for i in idx],
            vacancies=[self.vacancies[i] for i in idx],
            dropped=self.dropped,
        )

    def date_range(self) -> list[str]:
        if len(self) == 0:
            return []
        return [
            date.fromordinal(int(self.when.min())).isoformat(),
            date.fromordinal(int(self.when.max())).isoformat(),
        ]


@dataclass(frozen=True)
class FeatureContext:
    """What turning pairs into rows needs besides the records."""

    geo: PostcodeDirectory
    grounder: Grounder | None
    commute: CommuteSettings
    household: HouseholdSettings
    # The employers' placement history a bundle's model reads (``employer_lasting``); None builds
    # that column as 0, and training fills it itself (``training.train.fit_models``).
    employers: EmployerHistory | None = None


def _finish(
    claimants: list[Claimant],
    vacancies: list[Vacancy],
    y: list[bool],
    when: list[date],
    ids: list[str],
    dropped: dict[str, int],
    ctx: FeatureContext,
) -> PairSet:
    batch = measure_pairs(claimants, vacancies, geo=ctx.geo, grounder=ctx.grounder, commute=ctx.commute)
    X = pair_features(batch, ctx.household, ctx.employers)
    # A pair whose place is unknown has no commute: it cannot be a row (the service would exclude it).
    ok = np.isfinite(X).all(axis=1)
    # The retired columns after the ``FEATURES`` ones: a current bundle trained on them is compared
    # with a new model on the same rows (``training.retrain``); no new model is fitted on them.
    inputs = PairInputs(
        batch.claimants,
        batch.vacancies,
        batch.similarity,
        batch.depth,
        batch.commute_minutes,
        batch.commute_limit,
    )
    X = np.hstack([X, retired_features(inputs)])
    if not ok.all():
        dropped = {**dropped, "unknown_place": int((~ok).sum())}
    keep = np.flatnonzero(ok)
    return PairSet(
        X=X[keep],
        y=np.asarray(y, dtype=np.int64)[keep],
        when=np.array([d.toordinal() for d in when], dtype=np.int64)[keep]
        if keep.size
        else np.zeros(0, np.int64),
        ids=[ids[i] for i in keep],
        claimants=[claimants[i] for i in keep],
        vacancies=[vacancies[i] for i in keep],
        dropped=dropped,
    )


def sustain_records(outcomes: Iterable[Outcome]) -> tuple[list[Claimant], list[Vacancy], list[Outcome], int]:
    """Claimant and vacancy of each outcome as recorded at placement; outcomes without snapshots dropped."""
    cs: list[Claimant] = []
    vs: list[Vacancy] = []
    kept: list[Outcome] = []
    dropped = 0
    for o in outcomes:
        if not o.claimant_snapshot or not o.vacancy_snapshot:
            dropped += 1
            continue
        cs.append(claimant_from_snapshot(o.claimant_snapshot))
        vs.append(vacancy_from_snapshot(o.vacancy_snapshot))
        kept.append(o)
    return cs, vs, kept, dropped


def sustain_set(outcomes: Sequence[Outcome], ctx: FeatureContext) -> PairSet:
    """The placements as feature rows; label: employed 12 months after start."""
    cs, vs, kept, no_snapshot = sustain_records(outcomes)
    return _finish(
        cs,
        vs,
        [o.employed_12m for o in kept],
        [o.start for o in kept],
        [o.id for o in kept],
        {"no_snapshot": no_snapshot},
        ctx,
    )


def informative_proposals(
    proposals: Sequence[Proposal], openings: dict[str, int]
) -> tuple[list[Proposal], dict[str, int]]:
    """Proposals that could have led to a hire (see module doc), in (date, id) order, and drop counts."""
    ordered = sorted(proposals, key=lambda p: (p.proposed, p.id))
    hired_on: dict[str, date] = {}
    for p in ordered:
        if p.hired and p.claimant_id not in hired_on:
            hired_on[p.claimant_id] = p.proposed
    filled_on: dict[str, date] = {}
    hires: dict[str, int] = {}
    for p in ordered:
        if p.hired:
            hires[p.vacancy_id] = hires.get(p.vacancy_id, 0) + 1
            if hires[p.vacancy_id] >= openings.get(p.vacancy_id, 1) and p.vacancy_id not in filled_on:
                filled_on[p.vacancy_id] = p.proposed
    out: list[Proposal] = []
    dropped = {"after_claimant_hired": 0, "after_vacancy_filled": 0, "lost_to_competitor": 0}
    for p in ordered:
        if not p.hired:
            if p.claimant_id in hired_on and p.proposed > hired_on[p.claimant_id]:
                dropped["after_claimant_hired"] += 1
                continue
            if p.vacancy_id in filled_on and p.proposed > filled_on[p.vacancy_id]:
                dropped["after_vacancy_filled"] += 1
                continue
            if p.vacancy_id in filled_on:  # not hired there, and every opening went to others
                dropped["lost_to_competitor"] += 1
                continue
        out.append(p)
    return out, dropped


def match_set(
    proposals: Sequence[Proposal],
    claimants: Sequence[Claimant],
    vacancies: Sequence[Vacancy],
    ctx: FeatureContext,
) -> PairSet:
    """The proposals as feature rows; label: the proposal led to a hire."""
    c_by = {c.id: c for c in claimants}
    v_by = {v.id: v for v in vacancies}
    known = [p for p in proposals if p.claimant_id in c_by and p.vacancy_id in v_by]
    kept, dropped = informative_proposals(known, {v.id: v.openings for v in vacancies})
    dropped["unknown_record"] = len(proposals) - len(known)
    return _finish(
        [c_by[p.claimant_id] for p in kept],
        [v_by[p.vacancy_id] for p in kept],
        [p.hired for p in kept],
        [p.proposed for p in kept],
        [p.id for p in kept],
        dropped,
        ctx,
    )


def time_split(
    when: npt.NDArray[np.int64], holdout: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(older, newest) row positions: the newest ``holdout`` share by date, ties by position."""
    if not 0.0 < holdout < 1.0:
        raise ValueError("holdout must be a share between 0 and 1")
    order = np.argsort(when, kind="stable")
    n_test = max(1, round(len(order) * holdout))
    return np.sort(order[:-n_test]), np.sort(order[-n_test:])


# -- edges ------------------------------------------------------------------------------------------
def read_store(store: Store) -> tuple[list[Outcome], list[Proposal], list[Claimant], list[Vacancy]]:
    """Everything training reads: outcomes, proposals, and all claimants and vacancies (history too)."""
    return (
        store.list_outcomes(),
        store.list_proposals(),
        store.list_claimants(active_only=False),
        store.list_vacancies(),
    )


def cached_grounder(settings: Settings, encoder: RecordEncoder, wishes: Iterable[str]) -> Any:
    """A ``TitleGrounder`` whose wish texts are embedded in batches through the embedding cache.

    The service grounds one claimant's few wishes per lookup; training grounds the wishes of every
    historic claimant, thousands of short texts, which are embedded here once, batched and cached
    (as queries, like the service's grounder does).
    """
    from matcher.bootstrap import Services
    from matcher.taxonomy import TitleGrounder
    from matcher.text import content_hash

    base = Services(settings, encoder=encoder).grounder()

    def encode(texts: Sequence[str]) -> Any:
        return encoder.cache.embed(
            [content_hash("wish\n" + t) for t in texts], list(texts), encoder.embedder.encode_queries
        )

    texts = sorted({w.strip() for w in wishes if w.strip()})
    if texts:
        encode(texts)
    return TitleGrounder(
        base.entries,
        base.vectors,
        encode,
        min_similarity=base.min_similarity,
        esco=base.esco,
        esco_kldb=base.esco_kldb,
    )
