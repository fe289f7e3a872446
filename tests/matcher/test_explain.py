"""matcher.explain on hand-made pairs: reasons, drivers, household, and the exact logit terms."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matcher.domain import Contract, Household, WageUnit
from matcher.explain import Driver, Interaction, Reason, drivers, explain_pairs, reasons
from matcher.explain_text import FEATURE_LABELS, FEATURE_UNITS
from matcher.filters import FILTERS
from matcher.household import assess
from matcher.pairs import LogitTerms, PairBatch, PairScores
from matcher.settings import HouseholdSettings
from models.features import FEATURES, RETIRED
from tests.factories import EMPLOYER, make_claimant, make_vacancy

S = HouseholdSettings()


def _reasons(**kw: object) -> list[tuple[str, int, str]]:
    args: dict[str, object] = dict(
        depth=5, minutes=28.4, limit=45.0, ends_need=False, childcare_clash=0.0, experience_years=0.0
    )
    c = kw.pop("c", make_claimant())
    v = kw.pop("v", make_vacancy())
    args.update(kw)
    return [(r.kind, r.sign, r.text) for r in reasons(c, v, **args)]  # type: ignore[arg-type]


def test_reasons_of_a_plain_pair() -> None:
    assert _reasons(experience_years=3.0) == [
        ("commute", 0, "Fahrzeit 28 von 45 Min. (ÖPNV)"),
        ("occupation", 1, "Beruf entspricht einem Wunschberuf"),
        ("hours", 0, "39 von 39 verfügbaren Std. pro Woche"),
        ("collective_agreement", 1, "Tarifbindung stützt die Dauer"),
        ("experience", 1, "3 Jahre Erfahrung im Beruf"),
    ]


def test_reasons_write_german_numbers_and_no_occupation_codes() -> None:
    c = make_claimant(available_hours=40.0)
    v = make_vacancy(hours_per_week=37.5)
    lines = dict((kind, text) for kind, _, text in _reasons(c=c, v=v, depth=5))
    assert lines["hours"] == "37,5 von 40 verfügbaren Std. pro Woche"
    assert lines["occupation"] == "Beruf entspricht einem Wunschberuf"
    assert not [t for _, _, t in _reasons(c=c, v=v, depth=0) if "KldB" in t]


def test_reasons_say_one_year_in_the_singular() -> None:
    for years, text in ((1.2, "1 Jahr Erfahrung im Beruf"), (3.0, "3 Jahre Erfahrung im Beruf")):
        assert _reasons(experience_years=years)[-1][2] == text
    assert _reasons(experience_years=0.9)[-1][0] == "collective_agreement"


def test_reasons_against_a_lasting_placement() -> None:
    temp = dataclasses.replace(EMPLOYER, temp_agency=True, collective_agreement=False)
    v = make_vacancy(employer=temp, contract=Contract.FIXED_TERM, contract_months=12, hours_per_week=30.0)
    c = make_claimant(has_car=True, available_hours=35.0)
    assert _reasons(c=c, v=v, depth=0, ends_need=True, childcare_clash=0.4) == [
        ("commute", 0, "Fahrzeit 28 von 45 Min. (Auto)"),
        ("occupation", -1, "Beruf weicht von den Wünschen ab"),
        ("hours", 0, "30 von 35 verfügbaren Std. pro Woche"),
        ("wage", 1, "Lohn beendet die Hilfebedürftigkeit"),
        ("temp_agency", -1, "Zeitarbeit senkt die Chance auf Dauer"),
        ("fixed_term", -1, "befristet auf 12 Monate senkt die Chance auf Dauer"),
        ("childcare", -1, "Arbeitszeit schwer mit der Kinderbetreuung vereinbar"),
    ]


@pytest.mark.parametrize(
    ("depth", "sign", "text"),
    [
        (4, 1, "Wunschberuf, anderes Anforderungsniveau"),
        (3, 0, "verwandter Beruf (gleiche Berufsgruppe)"),
        (2, 0, "Beruf aus derselben Berufshauptgruppe"),
        (1, 0, "Beruf aus demselben Berufsbereich"),
    ],
)
def test_occupation_line_by_depth(depth: int, sign: int, text: str) -> None:
    assert _reasons(depth=depth)[1] == ("occupation", sign, text)


def test_a_vacancy_without_occupation_code() -> None:
    assert _reasons(v=make_vacancy(kldb=None), depth=0)[1] == (
        "occupation",
        0,
        "Stelle ohne Berufskennziffer",
    )


def test_drivers_are_the_top_three_each_way_labelled() -> None:
    features = (
        "commute_over_limit",
        "temp_agency",
        "hourly_wage",
        "kldb_depth",
        "no_car",
        "fixed_term",
        "similarity",
    )
    terms = [0.5, -0.2, 0.0, 0.9, -0.7, -0.05, 0.1234]
    values = [0.61234, 1.0, 13.5, 5.0, 1.0, 0.0, 0.8]
    up, down = drivers(terms, values, features)
    assert up == (
        Driver("kldb_depth", FEATURE_LABELS["kldb_depth"], 5.0, "Stellen", 0.9),
        Driver("commute_over_limit", "Fahrzeit über der zumutbaren", 0.612, "Min.", 0.5),
        Driver("similarity", FEATURE_LABELS["similarity"], 0.8, "", 0.123),
    )
    assert [d.feature for d in down] == ["no_car", "temp_agency", "fixed_term"]
    assert down[0] == Driver("no_car", "ohne Auto (ÖPNV)", 1.0, "ja/nein", -0.7)
    assert drivers(terms, values, features, k=1) == (up[:1], down[:1])


def test_every_feature_has_a_label_and_a_unit() -> None:
    # Retired features too: a lookup logged with a bundle trained on them is still read (audit replay).
    assert set(FEATURE_LABELS) == set(FEATURE_UNITS) == set(FEATURES) | set(RETIRED)


def _batch() -> PairBatch:
    a = make_claimant(id="A", household=Household(adults=1, children_0_5=1, rent=550.0))
    b = make_claimant(id="B", has_car=True)
    vs = [
        make_vacancy(id="V1"),
        make_vacancy(id="V2", wage=3200.0, wage_unit=WageUnit.MONTH),
        make_vacancy(id="V3"),
    ]
    return PairBatch(
        claimants=[a, a, b],
        vacancies=vs,
        similarity=np.array([0.9, 0.8, 0.7]),
        depth=np.array([5, 0, 5], dtype=np.int8),
        commute_minutes=np.array([12.34, 40.0, 8.0]),
        commute_limit=np.array([75.0, 75.0, 30.0]),
        distance_km=np.array([3.0, 20.0, 4.0]),
    )


def test_explain_pairs_with_logit_terms() -> None:
    pairs = _batch()
    terms = np.array([[0.4, -0.1], [-0.3, 0.2], [0.0, 0.0]])
    values = np.array([[12.34, 5.0], [39.75, 0.0], [20.25, 5.0]])
    logit = -0.5 + terms.sum(axis=1)
    scores = PairScores(
        np.full(3, 0.5),
        1 / (1 + np.exp(-logit)),
        "m1",
        LogitTerms(("commute_minutes", "kldb_depth"), values, terms, logit, -0.5),
    )
    out = explain_pairs(pairs, scores, household=S)
    assert len(out) == 3
    for e, c, v, lg in zip(out, pairs.claimants, pairs.vacancies, logit.tolist(), strict=True):
        assert e.model_version == "m1" and e.filters_passed == FILTERS
        assert e.household == assess(c.household, v.monthly_wage, S)
        assert e.base_logit == -0.5 and e.sustain_logit == lg
        assert e.base_logit + sum(x for _, x in e.contributions) == pytest.approx(lg, abs=1e-12)
    first = out[0]
    assert first.commute.minutes == 12.34 and first.commute.limit == 75.0 and first.commute.mode == "public"
    assert out[2].commute.mode == "car"
    assert first.contributions == (("commute_minutes", 0.4), ("kldb_depth", -0.1))
    assert [d.feature for d in first.drivers_up] == ["commute_minutes"]
    assert [d.feature for d in first.drivers_down] == ["kldb_depth"]
    assert out[2].drivers_up == () and out[2].drivers_down == ()
    assert first.reasons[0] == Reason("commute", 0, "Fahrzeit 12 von 75 Min. (ÖPNV)")
    # The child under 6 and the 39-hour day job: a clash with childcare (A); none for B.
    assert "Arbeitszeit schwer mit der Kinderbetreuung vereinbar" in first.reason_texts
    assert "Arbeitszeit schwer mit der Kinderbetreuung vereinbar" not in out[2].reason_texts
    assert out[1].reasons[1] == Reason("occupation", -1, "Beruf weicht von den Wünschen ab")
    assert ("Lohn beendet die Hilfebedürftigkeit" in out[1].reason_texts) is out[1].household.ends_need


def test_explain_pairs_without_a_model_has_no_drivers() -> None:
    pairs = _batch()
    out = explain_pairs(pairs, PairScores(np.full(3, 0.5), np.ones(3), "fit-only"), household=S)
    for e in out:
        assert e.drivers_up == () and e.drivers_down == () and e.contributions == ()
        assert e.sustain_logit is None and e.base_logit is None
        assert e.reasons and e.household.text_de
    with pytest.raises(ValueError, match="2 scores for 3 pairs"):
        explain_pairs(pairs, PairScores(np.zeros(2), np.zeros(2), "x"), household=S)


def test_explain_pairs_with_a_pair_term() -> None:
    """A ga2m model's pair term ("a×b", its value column NaN) becomes a typed ``Interaction``; the
    drivers stay the features' own and the contributions still add up to the logit."""
    pairs = _batch()
    features = ("commute_minutes", "no_car", "commute_minutes×no_car")
    terms = np.array([[-0.2, -0.3, -0.45], [0.1, 0.0, 0.02], [0.0, 0.1, 0.0]])
    values = np.array([[55.0, 1.0, np.nan], [40.0, 0.0, np.nan], [8.0, 0.0, np.nan]])
    logit = -0.5 + terms.sum(axis=1)
    scores = PairScores(
        np.full(3, 0.5), 1 / (1 + np.exp(-logit)), "m1", LogitTerms(features, values, terms, logit, -0.5)
    )
    first = explain_pairs(pairs, scores, household=S)[0]
    assert first.interactions == (
        Interaction(("commute_minutes", "no_car"), ("Fahrzeit", "ohne Auto (ÖPNV)"), (55.0, 1.0), ("Min.", "ja/nein"), -0.45),
    )  # fmt: skip
    assert [d.feature for d in first.drivers_down] == ["no_car", "commute_minutes"]  # most negative first
    assert first.values == (("commute_minutes", 55.0), ("no_car", 1.0))
    assert first.contributions[-1] == ("commute_minutes×no_car", -0.45)
    assert first.base_logit + sum(x for _, x in first.contributions) == pytest.approx(logit[0], abs=1e-12)
