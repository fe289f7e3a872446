"""The Förderempfehlung's estimate: per measure, what the claimant's own lookup says with and without it.

For each measure in the table, a copy of the record as the measure would leave it
(``matcher.measures.rules``) goes through ``MatchService.suggest_for``, the very call of a lookup
(filters → pairs → scores → rank, with its explanations), on the market sample
(``matcher.measures.market``); so does the record as it is. Per measure:

- newly eligible: vacancies of the sample that pass every hard filter with the measure and fail one
  without it (``MatchService.filter_vacancies``, the lookup's own filter step);
- expected lasting placements of the top list before and after: Σ P(hire) × P(12 months) over the
  k listed (the lookup's own score, as shown); gain = after − before, and per month of the
  measure's typical duration.

Deterministic (the lookup is), and nothing is stored: the copies live for the call. The figures
are the model's estimate of what would change, not a promise of what the measure causes; a measure
that changes nothing says so and is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant, Contract, Vacancy
from matcher.explain_text import de
from matcher.measures.market import market_size
from matcher.measures.rules import Change, apply_measure, months_of, not_applicable_reason
from matcher.service import MatchList, MatchService
from matcher.settings import MeasureSettings, MeasureSpec

NOTICE = (
    "Schätzung des Modells auf den Stellen der letzten Monate, keine Zusage: ob eine Maßnahme "
    "wirkt, entscheidet sich im Einzelfall. Geschützte Merkmale (Geschlecht, Staatsangehörigkeit, "
    "Alter, Behinderung) werden weder verändert noch verwendet."
)
_REASONS_SHOWN = 3


@dataclass(frozen=True)
class OpenedVacancy:
    """A vacancy the measure makes eligible: where it would stand in the list, and why."""

    vacancy_id: str
    title: str
    employer: str
    municipality: str
    permanent: bool
    collective_agreement: bool
    rank: int | None  # in the top list with the measure; None: eligible, but not among the first k
    score: float | None  # expected lasting placement of the pair, P(hire) × P(12 months)
    reasons: tuple[str, ...]  # the pair's reasons that speak for it (the typed explanation)


@dataclass(frozen=True)
class MeasureEstimate:
    key: str
    label: str
    instrument: str
    legal_basis: str
    applies: bool
    months: float
    changes: tuple[Change, ...]
    newly_eligible: int
    newly_permanent_collective: int  # of those, permanent contracts with a collective agreement
    expected_before: float
    expected_after: float
    gain: float
    gain_per_month: float
    offered: bool
    summary: str  # one German sentence with the figures
    opened: tuple[OpenedVacancy, ...] = ()


@dataclass(frozen=True)
class MeasureReport:
    claimant_id: str
    k: int
    market_months: int
    market_vacancies: int
    eligible_before: int
    expected_before: float
    estimates: tuple[MeasureEstimate, ...]  # offered ones first by gain, then the rest
    shown: int
    model_version: str
    index_version: str
    embedder_id: str
    notice: str = NOTICE

    @property
    def offered(self) -> tuple[MeasureEstimate, ...]:
        """The measures the page recommends: at most ``shown``, best gain first."""
        return tuple(e for e in self.estimates if e.offered)[: self.shown]

    def best(self) -> MeasureEstimate | None:
        offered = self.offered
        return offered[0] if offered else None


def expected_lasting(result: MatchList) -> float:
    """Σ of the listed scores (P(hire) × P(12 months), as shown): the list's expected lasting placements."""
    return round(sum(m.score for m in result.items), 4)


@dataclass(frozen=True)
class Baseline:
    """The record as it is, on the market sample: its eligible vacancies and its list."""

    claimant: Claimant
    eligible: npt.NDArray[np.bool_]
    result: MatchList

    @property
    def expected(self) -> float:
        return expected_lasting(self.result)


def baseline(service: MatchService, c: Claimant, k: int) -> Baseline:
    result, _ = service.filter_vacancies(c)
    return Baseline(c, np.asarray(result.eligible), service.suggest_for(c, k))


def _sentence(spec: MeasureSpec, newly: int, good: int, gain: float, offered: bool, k: int) -> str:
    with_it = f"Mit „{spec.label}“"
    figure = f"erwartete dauerhafte Vermittlungen {'+' if gain >= 0 else '−'}{de(abs(gain), 2)}"
    if not offered and gain < 0:
        return (
            f"{with_it} sänken die Aussichten nach Schätzung des Modells ({figure} in den ersten {k} "
            "Vorschlägen): nicht empfohlen."
        )
    if not offered:
        return (
            f"{with_it} ändert sich an den Aussichten nichts Nennenswertes ({figure} in den ersten {k} "
            "Vorschlägen): nicht empfohlen."
        )
    if newly == 0:
        return (
            f"{with_it} kämen keine weiteren Stellen in Frage, die Vorschläge passten aber besser; {figure}."
        )
    weitere = "weitere Stelle" if newly == 1 else "weitere Stellen"
    darunter = f", darunter {good} unbefristete mit Tarif" if good else ""
    return f"{with_it} kämen {newly} {weitere} in Frage{darunter}; {figure}."


def estimate_one(
    service: MatchService,
    base: Baseline,
    spec: MeasureSpec,
    changed: Claimant,
    changes: tuple[Change, ...],
    s: MeasureSettings,
) -> MeasureEstimate:
    """One measure's figures for a changed copy of ``base.claimant`` (the lookup, run again)."""
    filt, _ = service.filter_vacancies(changed)
    after = service.suggest_for(changed, s.k)
    newly = np.flatnonzero(np.asarray(filt.eligible) & ~base.eligible)
    vacancies = service.vacancies.vacancies
    good = sum(
        vacancies[i].contract is Contract.PERMANENT and vacancies[i].employer.collective_agreement
        for i in newly.tolist()
    )
    expected_after = expected_lasting(after)
    gain = round(expected_after - base.expected, 4)
    months = months_of(base.claimant, spec)
    offered = gain >= s.min_gain and gain > 0
    return MeasureEstimate(
        key=spec.key,
        label=spec.label,
        instrument=spec.instrument,
        legal_basis=spec.legal_basis,
        applies=True,
        months=months,
        changes=changes,
        newly_eligible=int(newly.size),
        newly_permanent_collective=int(good),
        expected_before=base.expected,
        expected_after=expected_after,
        gain=gain,
        gain_per_month=round(gain / months, 4),
        offered=offered,
        summary=_sentence(spec, int(newly.size), int(good), gain, offered, s.k),
        opened=_opened(service, after, newly, s.opened_listed),
    )


def _opened(
    service: MatchService, after: MatchList, newly: npt.NDArray[np.intp], limit: int
) -> tuple[OpenedVacancy, ...]:
    """The newly eligible vacancies: those in the list first (by rank), then the others by id."""
    ids = set(service.vacancies.ids[newly].tolist())
    out = []
    for m in after.items:
        if m.vacancy_id in ids:
            v = service.vacancies.vacancies[service.vacancies.position[m.vacancy_id]]
            reasons = (
                ()
                if m.explanation is None
                else tuple(r.text for r in m.explanation.reasons if r.sign > 0)[:_REASONS_SHOWN]
            )
            out.append(_vacancy(v, m.rank, m.score, reasons))
    listed = {o.vacancy_id for o in out}
    for vid in sorted(ids - listed):
        if len(out) >= limit:
            break
        out.append(_vacancy(service.vacancies.vacancies[service.vacancies.position[vid]], None, None, ()))
    return tuple(out[:limit])


def _vacancy(v: Vacancy, rank: int | None, score: float | None, reasons: tuple[str, ...]) -> OpenedVacancy:
    return OpenedVacancy(
        vacancy_id=v.id,
        title=v.title,
        employer=v.employer.name,
        municipality=v.municipality,
        permanent=v.contract is Contract.PERMANENT,
        collective_agreement=v.employer.collective_agreement,
        rank=rank,
        score=score,
        reasons=reasons,
    )


def not_applicable(base: Baseline, spec: MeasureSpec, s: MeasureSettings) -> MeasureEstimate:
    """A measure that changes nothing in the record: gain 0, said so, not offered."""
    return MeasureEstimate(
        key=spec.key,
        label=spec.label,
        instrument=spec.instrument,
        legal_basis=spec.legal_basis,
        applies=False,
        months=spec.months,
        changes=(),
        newly_eligible=0,
        newly_permanent_collective=0,
        expected_before=base.expected,
        expected_after=base.expected,
        gain=0.0,
        gain_per_month=0.0,
        offered=False,
        summary=f"„{spec.label}“ ändert nichts: {not_applicable_reason(base.claimant, spec, s)}.",
    )


def estimate_measures(service: MatchService, c: Claimant, s: MeasureSettings) -> MeasureReport:
    """Every measure of the table for one claimant, on ``service`` (a market service, module doc)."""
    base = baseline(service, c, s.k)
    estimates = []
    for spec in s.table:
        applied = apply_measure(c, spec, s)
        if applied is None:
            estimates.append(not_applicable(base, spec, s))
        else:
            estimates.append(estimate_one(service, base, spec, applied[0], applied[1], s))
    order: dict[str, int] = {spec.key: i for i, spec in enumerate(s.table)}
    # Offered first, by gain; ties by the shorter measure, then the table's order: deterministic.
    estimates.sort(key=lambda e: (not e.offered, -e.gain, e.months, order[e.key]))
    return MeasureReport(
        claimant_id=c.id,
        k=s.k,
        market_months=s.market_months,
        market_vacancies=market_size(service),
        eligible_before=int(base.eligible.sum()),
        expected_before=base.expected,
        estimates=tuple(estimates),
        shown=s.shown,
        model_version=base.result.model_version,
        index_version=base.result.index_version,
        embedder_id=base.result.embedder_id,
    )
