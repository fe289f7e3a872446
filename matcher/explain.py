"""Why a pair is suggested, made once, typed, from the pair, the scorer's numbers and the household.

``explain_pairs`` is the one place where an explanation is made: a lookup explains the k it shows
(``MatchService``), the nightly run the pairs it allocated. The API, the nightly files and the CLI
only render an ``Explanation``; none of them writes a reason or a label of its own.

- ``reasons``: short German lines a case manager reads (commute, occupation, hours, wage, job
  terms, childcare, experience), each with its kind and whether it speaks for a lasting placement.
- ``drivers_up`` / ``drivers_down``: the largest positive and negative logit contributions of the
  additive sustainability model, labelled (``matcher.explain_text``); empty without such a model.
- ``interactions``: the pair terms of a ga2m sustainability model (what two features do together
  beyond the sum of their own terms), each with both values, largest effect first.
- ``household``: what the job's wage does to the household's SGB II need (``matcher.household``).
- ``contributions``, ``base_logit``, ``sustain_logit``: the exact terms (the features' and the pair
  terms', "a×b"), which add up to the logit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.domain import Claimant, Contract, Vacancy
from matcher.esco import EscoMatch, naming
from matcher.explain_text import DEPTH_TEXT, FEATURE_LABELS, FEATURE_UNITS, de, de_hours, pair_parts
from matcher.filters import FILTERS
from matcher.household import HouseholdEffect
from matcher.household_pairs import effects_of_few, effects_of_pairs
from matcher.pairs import PairBatch, PairScores, childcare_clash, experience_years
from matcher.settings import HouseholdSettings

N_DRIVERS = 3


@dataclass(frozen=True)
class Reason:
    kind: str  # "commute", "occupation", "hours", "wage", "temp_agency", "fixed_term", ...
    sign: int  # +1 supports a lasting placement, -1 speaks against it, 0 a neutral fact
    text: str  # the German line, e.g. "Fahrzeit 28 von 45 Min. (ÖPNV)"


@dataclass(frozen=True)
class Driver:
    feature: str  # "commute_minutes"
    label: str  # "Fahrzeit im Verhältnis zur zumutbaren"
    value: float  # the pair's value of the feature, to 3 decimals
    unit: str  # "Anteil", "Min.", "ja/nein", ""
    contribution: float  # logit points, to 3 decimals; the sign is the direction


@dataclass(frozen=True)
class Interaction:
    """A pair term: what two features do together beyond their own terms."""

    features: tuple[str, str]  # ("commute_minutes", "no_car")
    labels: tuple[str, str]  # ("Fahrzeit", "ohne Auto (ÖPNV)")
    values: tuple[float, float]  # the pair's values of both, to 3 decimals
    units: tuple[str, str]
    contribution: float  # logit points, to 3 decimals; the sign is the direction


@dataclass(frozen=True)
class CommuteFacts:
    minutes: float  # one-way, by the claimant's mode
    limit: float  # the claimant's own limit or the legal default
    mode: str  # "car" or "public"


@dataclass(frozen=True)
class Explanation:
    reasons: tuple[Reason, ...]
    drivers_up: tuple[Driver, ...]  # the largest positive contributions, largest first
    drivers_down: tuple[Driver, ...]  # the largest negative contributions, most negative first
    household: HouseholdEffect
    commute: CommuteFacts
    filters_passed: tuple[str, ...]
    model_version: str
    sustain_logit: float | None = None  # None: no additive sustainability model
    base_logit: float | None = None
    contributions: tuple[tuple[str, float], ...] = ()  # exact: base_logit + sum = sustain_logit
    values: tuple[tuple[str, float], ...] = ()  # every feature's value for the pair, in model order
    interactions: tuple[Interaction, ...] = ()  # pair terms (ga2m), largest |contribution| first
    # The claimant's wish occupation in ESCO that the vacancy's code matches (``matcher.esco``),
    # named in the occupation reason; None without an ESCO import or where none matches.
    occupation: EscoMatch | None = None

    @property
    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]


def reasons(
    c: Claimant,
    v: Vacancy,
    *,
    depth: int,
    minutes: float,
    limit: float,
    ends_need: bool,
    childcare_clash: float,
    experience_years: float,
    occupation: EscoMatch | None = None,
) -> tuple[Reason, ...]:
    """Short German lines for the case manager: commute, occupation, hours, wage, job terms."""
    mode = "Auto" if c.has_car else "ÖPNV"
    out = [Reason("commute", 0, f"Fahrzeit {de(minutes)} von {de(limit)} Min. ({mode})")]
    if v.kldb is None:
        out.append(Reason("occupation", 0, "Stelle ohne Berufskennziffer"))
    elif depth >= 1:
        named = f" (ESCO: {occupation.label})" if occupation is not None else ""
        out.append(Reason("occupation", 1 if depth >= 4 else 0, DEPTH_TEXT[depth] + named))
    else:
        out.append(Reason("occupation", -1, "Beruf weicht von den Wünschen ab"))
    hours = f"{de_hours(v.hours_per_week)} von {de_hours(c.available_hours)} verfügbaren Std. pro Woche"
    out.append(Reason("hours", 0, hours))
    if ends_need:
        out.append(Reason("wage", 1, "Lohn beendet die Hilfebedürftigkeit"))
    if v.employer.temp_agency:
        out.append(Reason("temp_agency", -1, "Zeitarbeit senkt die Chance auf Dauer"))
    if v.contract is Contract.FIXED_TERM:
        months = f" auf {v.contract_months} Monate" if v.contract_months else ""
        text = f"befristet{months} senkt die Chance auf Dauer"
        out.append(Reason("fixed_term", -1, text))
    if childcare_clash > 0:
        out.append(Reason("childcare", -1, "Arbeitszeit schwer mit der Kinderbetreuung vereinbar"))
    if v.employer.collective_agreement:
        out.append(Reason("collective_agreement", 1, "Tarifbindung stützt die Dauer"))
    if experience_years >= 1:
        years = round(experience_years)
        out.append(
            Reason("experience", 1, f"{de(years)} {'Jahr' if years == 1 else 'Jahre'} Erfahrung im Beruf")
        )
    return tuple(out)


def drivers(
    terms: Sequence[float],
    values: Sequence[float],
    features: Sequence[str],
    *,
    k: int = N_DRIVERS,
    order: Sequence[int] | None = None,
) -> tuple[tuple[Driver, ...], tuple[Driver, ...]]:
    """Top ``k`` positive and top ``k`` negative logit contributions of one row, labelled in German.

    ``order``: the row's positions by contribution, descending and stable (computed for many rows at
    once); ties among the negative ones go to the later feature.
    """
    if order is None:
        order = sorted(range(len(terms)), key=lambda j: (-terms[j], j))

    def item(j: int) -> Driver:
        name = features[j]
        label, unit = FEATURE_LABELS[name], FEATURE_UNITS[name]
        return Driver(name, label, round(values[j], 3), unit, round(terms[j], 3))

    up = tuple(item(j) for j in order[:k] if terms[j] > 0)
    down = tuple(item(j) for j in list(order)[::-1][:k] if terms[j] < 0)
    return up, down


def interactions(
    terms: Sequence[float], values: dict[str, float], names: Sequence[str]
) -> tuple[Interaction, ...]:
    """The pair terms of one row (names "a×b"), largest absolute contribution first."""
    out = []
    for name, term in zip(names, terms, strict=True):
        parts = pair_parts(name)
        if parts is None:
            continue
        a, b = parts
        out.append(
            Interaction(
                features=(a, b),
                labels=(FEATURE_LABELS[a], FEATURE_LABELS[b]),
                values=(round(values[a], 3), round(values[b], 3)),
                units=(FEATURE_UNITS[a], FEATURE_UNITS[b]),
                contribution=round(term, 3),
            )
        )
    return tuple(sorted(out, key=lambda x: -abs(x.contribution)))


# Up to this many pairs, household effects are looked up per (tax situation, wage).
FEW = 64


def household_effects(pairs: PairBatch, s: HouseholdSettings) -> list[HouseholdEffect]:
    """Each pair's household effect of the vacancy's wage (``matcher.household_pairs``)."""
    gross = np.array([v.monthly_wage for v in pairs.vacancies], dtype=np.float64)
    # A shown list's few pairs look their incomes up; a long batch is cheaper in one pass.
    effects = effects_of_few if len(gross) <= FEW else effects_of_pairs
    return effects([c.household for c in pairs.claimants], gross, s)


def explain_pairs(
    pairs: PairBatch,
    scores: PairScores,
    *,
    household: HouseholdSettings,
    filters: tuple[str, ...] = FILTERS,
    n_drivers: int = N_DRIVERS,
    occupations: Sequence[Sequence[EscoMatch]] | None = None,
) -> list[Explanation]:
    """The explanation of every pair of a scored batch (``scores`` aligned with ``pairs``).

    ``occupations``: each pair's claimant's wish occupations in ESCO (aligned with ``pairs``), of
    which the one the vacancy's code matches is named (``matcher.esco.naming``).

    Drivers and logit terms come from ``scores.terms`` (a scorer's explained rows); without them
    the explanation has reasons, household effect and commute but no drivers.
    """
    n = len(pairs.claimants)
    if len(scores) != n:
        raise ValueError(f"{len(scores)} scores for {n} pairs")
    effects = household_effects(pairs, household)
    years = experience_years(pairs.claimants, pairs.vacancies).tolist()
    clash = childcare_clash(pairs.claimants, pairs.vacancies).tolist()
    # Plain Python lists: indexing numpy scalars one by one is what would make this loop slow.
    minutes, limits = pairs.commute_minutes.tolist(), pairs.commute_limit.tolist()
    depth = pairs.depth.tolist()
    t = scores.terms
    if t is not None:
        # A ga2m model's pair terms follow the features' terms: drivers are the features' own.
        n_main = sum(1 for f in t.features if pair_parts(f) is None)
        main = t.features[:n_main]
        term_rows, logits = t.terms.tolist(), t.logit.tolist()
        value_rows = t.values[:, :n_main].tolist()
        orders = np.argsort(-t.terms[:, :n_main], axis=1, kind="stable").tolist()
    out: list[Explanation] = []
    for i in range(n):
        c, v = pairs.claimants[i], pairs.vacancies[i]
        named = naming(occupations[i], v.kldb, depth[i]) if occupations is not None else None
        why = reasons(
            c,
            v,
            depth=depth[i],
            minutes=minutes[i],
            limit=limits[i],
            ends_need=effects[i].ends_need,
            childcare_clash=clash[i],
            experience_years=years[i],
            occupation=named,
        )
        commute = CommuteFacts(minutes[i], limits[i], c.commute_mode.value)
        if t is None:
            out.append(
                Explanation(why, (), (), effects[i], commute, filters, scores.model_version, occupation=named)
            )
            continue
        up, down = drivers(term_rows[i][:n_main], value_rows[i], main, k=n_drivers, order=orders[i])
        values = tuple(zip(main, value_rows[i], strict=True))
        inter = interactions(term_rows[i][n_main:], dict(values), t.features[n_main:])
        out.append(
            Explanation(
                reasons=why,
                drivers_up=up,
                drivers_down=down,
                household=effects[i],
                commute=commute,
                filters_passed=filters,
                model_version=scores.model_version,
                sustain_logit=logits[i],
                base_logit=t.base,
                contributions=tuple(zip(t.features, term_rows[i], strict=True)),
                values=values,
                interactions=inter,
                occupation=named,
            )
        )
    return out
