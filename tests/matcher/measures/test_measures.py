"""The Förderempfehlung's core: the rules, the market sample, the estimate through the lookup."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

import matcher.service as service_module
from matcher.catalog import VacancyCatalog
from matcher.domain import CEFR, Household, Shifts, SkillLevel
from matcher.filters import evaluate
from matcher.geo import load_directory
from matcher.measures import apply_measure, estimate_measures, market_sample, market_service
from matcher.measures.estimate import baseline, estimate_one, expected_lasting
from matcher.service import MatchService
from matcher.settings import MeasureSettings
from tests.factories import EMPLOYER, make_claimant, make_vacancy
from tests.matcher.test_service import AxisEncoder, ExactIndex, Store, unit

TODAY = date(2026, 11, 1)
S = MeasureSettings()
SPEC = {m.key: m for m in S.table}


def _service(claimant_ids: tuple[str, ...] = ("K0",)) -> MatchService:
    tarif = dataclasses.replace(EMPLOYER, id="E2", name="Spedition Süd", collective_agreement=True)
    vacancies = [
        make_vacancy(id="V1"),  # open to everyone
        make_vacancy(id="V2", licences=frozenset({"CE"}), employer=tarif),  # needs CE
        make_vacancy(id="V3", german_level=CEFR.B2),  # needs B2
        make_vacancy(id="V4", hours_per_week=39.0, shifts=Shifts.TWO_SHIFT),  # shift work
        make_vacancy(id="V5", posted=date(2025, 6, 1)),  # older than the market sample
        make_vacancy(id="V6", expires=date(2026, 10, 15)),  # expired, but in the sample
        make_vacancy(id="V7", skill_level=SkillLevel.SKILLED),
    ]
    vectors = np.stack([unit(1, 0.1 * i, 0, 0) for i in range(1, len(vacancies) + 1)])
    geo = load_directory()
    return MatchService(
        claimants=Store([make_claimant(id=i) for i in claimant_ids]),
        vacancies=VacancyCatalog.build(vacancies, geo),
        index=ExactIndex([v.id for v in vacancies], vectors),
        encoder=AxisEncoder(),
        geo=geo,
        today=TODAY,
    )


@pytest.fixture(scope="module")
def market() -> MatchService:
    return market_service(_service(), S.market_months)


def test_market_sample_keeps_the_order_lifts_expiry_and_drops_old_postings() -> None:
    vs = [make_vacancy(id="A", expires=date(2026, 10, 15)), make_vacancy(id="B", posted=date(2025, 6, 1))]
    out = market_sample(vs, TODAY, 12)
    assert [v.id for v in out] == ["A", "B"]
    assert out[0].expires is None and not out[0].filled and out[1].filled


def test_a_measure_changes_only_its_own_fields() -> None:
    c = make_claimant(
        licences=frozenset(),
        german_level=CEFR.A2,
        available_hours=25.0,
        shifts_ok=False,
        max_commute_minutes=40,
        household=Household(adults=1, children_0_5=1, rent=450.0),
    )
    fields = {
        "licence_b": {"licences"},
        "german_plus1": {"german_level"},
        "german_b2": {"german_level"},
        "qualification_plus1": {"skill_level"},
        "childcare": {"available_hours", "shifts_ok"},
        "commute_allowance": {"max_commute_minutes"},
    }
    for key, expected in fields.items():
        applied = apply_measure(c, SPEC[key], S)
        assert applied is not None, key
        new, changes = applied
        diff = {f.name for f in dataclasses.fields(c) if getattr(c, f.name) != getattr(new, f.name)}
        assert diff == expected, key
        assert {ch.field for ch in changes} == expected, key
    assert apply_measure(c, SPEC["german_b2"], S)[0].german_level is CEFR.B2  # type: ignore[index]
    # Without class B neither CE nor a car applies.
    assert apply_measure(c, SPEC["licence_ce"], S) is None
    assert apply_measure(c, SPEC["car"], S) is None


def test_licence_b_for_a_holder_of_b_gains_exactly_nothing_and_is_not_offered(market: MatchService) -> None:
    c = make_claimant(id="K0", licences=frozenset({"B"}))
    report = estimate_measures(market, c, S)
    b = next(e for e in report.estimates if e.key == "licence_b")
    assert (b.applies, b.gain, b.gain_per_month, b.offered, b.newly_eligible) == (False, 0.0, 0.0, False, 0)
    assert "ändert nichts" in b.summary and "schon vorhanden" in b.summary
    assert b not in report.offered


def test_a_changed_record_that_moves_no_filter_and_no_feature_gains_exactly_zero(
    market: MatchService,
) -> None:
    # A CE holder has B through CE (§6(3) FeV): writing B into the record changes the record, but
    # no filter and no feature; the lookup runs again and must give the same list.
    c = make_claimant(id="K0", licences=frozenset({"CE"}))
    changed = dataclasses.replace(c, licences=frozenset({"CE", "B"}))
    base = baseline(market, c, S.k)
    e = estimate_one(market, base, SPEC["licence_b"], changed, (), S)
    assert e.gain == 0.0 and e.newly_eligible == 0 and not e.offered
    assert "nicht empfohlen" in e.summary


def test_ce_opens_the_vacancy_that_needs_it_with_figures_in_german(market: MatchService) -> None:
    c = make_claimant(id="K0", licences=frozenset({"B"}))
    report = estimate_measures(market, c, S)
    ce = next(e for e in report.estimates if e.key == "licence_ce")
    assert ce.applies and ce.newly_eligible == 1 and ce.newly_permanent_collective == 1
    assert [o.vacancy_id for o in ce.opened] == ["V2"] and ce.opened[0].rank is not None
    assert ce.gain > 0 and ce.offered and ce.gain_per_month == round(ce.gain / 4, 4)
    assert ce.summary.startswith("Mit „Führerschein C/CE")
    assert "1 weitere Stelle in Frage, darunter 1 unbefristete mit Tarif" in ce.summary
    assert "+0," in ce.summary  # German decimal comma
    # The market sample: V5 (posted 17 months ago) is out, V6 (expired) is in.
    assert report.market_vacancies == 6
    assert report.offered[0].gain >= report.offered[-1].gain


def test_the_estimate_is_deterministic_and_leaves_the_claimant_alone(market: MatchService) -> None:
    c = make_claimant(id="K0", licences=frozenset(), german_level=CEFR.A2, available_hours=30.0)
    before = dataclasses.replace(c)
    first, second = estimate_measures(market, c, S), estimate_measures(market, c, S)
    assert first == second and c == before


class Spy(MatchService):
    calls: list[str]

    def suggest_for(self, c, k):  # type: ignore[no-untyped-def]
        self.calls.append(c.id)
        return super().suggest_for(c, k)


def test_the_counterfactual_runs_the_lookup_and_a_filter_change_changes_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    svc = market_service(_service(), S.market_months)
    spy = Spy.__new__(Spy)
    spy.__dict__.update(svc.__dict__)
    spy.calls = []
    c = make_claimant(id="K0", licences=frozenset({"B"}), german_level=CEFR.B1)
    report = estimate_measures(spy, c, S)
    applied = sum(e.applies for e in report.estimates)
    assert len(spy.calls) == 1 + applied  # the record as it is, then one lookup per measure
    assert report.expected_before == expected_lasting(svc.suggest_for(c, S.k))

    # A stricter hours filter (at most 30 hours) in the one filter function both go through.
    def stricter(ct, vt, minutes, **kw):  # type: ignore[no-untyped-def]
        out = evaluate(ct, vt, minutes, **kw)
        out.passes["hours"] = out.passes["hours"] & (vt.hours <= 30.0)
        return out

    monkeypatch.setattr(service_module, "evaluate", stricter)
    assert svc.suggest_for(c, S.k).items == ()  # every vacancy asks 39 hours
    stricter_report = estimate_measures(svc, c, S)
    assert stricter_report.expected_before == 0.0 and stricter_report.offered == ()
    assert report.offered != ()


def test_the_market_sample_scores_every_eligible_vacancy_not_only_the_nearest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A live lookup scores the nearest ``fetch_size`` eligible vacancies; here one.
    monkeypatch.setattr(service_module, "fetch_size", lambda n, k: min(n, 1))
    live, market = _service(), market_service(_service(), S.market_months)
    c = make_claimant(id="K0", licences=frozenset({"B"}), german_level=CEFR.B1)
    assert len(live.suggest_for(c, S.k).items) == 1
    eligible = int(np.count_nonzero(market.filter_vacancies(c)[0].eligible))
    # All four scored; the employer cap lists three of one employer's vacancies.
    assert eligible == 4 and len(market.suggest_for(c, S.k).items) == 3
