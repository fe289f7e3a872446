"""The second truth: its own interaction cells (not the project's), an exact observed-fields
expectation, hidden types drawn per employer and independent of order."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matcher.domain import Employer, Household, Shifts, SizeBand
from tests.factories import EMPLOYER, make_claimant, make_vacancy
from training.synthetic import truth as T
from training.synthetic_alt import hidden as H
from training.synthetic_alt import truth as A

ZERO = np.zeros(1, np.int64)


def _alt_ordinary(c, v) -> float:  # type: ignore[no-untyped-def]
    """The second truth's logit at an ordinary workplace (the hidden type's middle value)."""
    return float(A.type_logits(T.claimant_arrays([c]), A.alt_vacancies(1, [v]), ZERO, ZERO)[0, 1])


def _project(c, v) -> float:  # type: ignore[no-untyped-def]
    return float(T.sustain_logit(T.claimant_arrays([c]), T.vacancy_arrays([v]), ZERO, ZERO)[0])


def _did(f, with_child, without_child, shift, day) -> float:  # type: ignore[no-untyped-def]
    """Difference in differences: what shift work costs a parent of a young child beyond others."""
    return (f(with_child, shift) - f(with_child, day)) - (f(without_child, shift) - f(without_child, day))


def test_young_child_times_shift_work_is_the_alt_truths_own_interaction() -> None:
    mum = make_claimant(household=Household(adults=1, children_0_5=1, rent=550.0))
    alone = make_claimant(household=Household(adults=1, rent=550.0))
    shift, day = make_vacancy(shifts=Shifts.TWO_SHIFT), make_vacancy(shifts=Shifts.DAY)
    # second truth: − 1.3 × 1.25 (single parent), all of it in the combination
    assert _did(_alt_ordinary, mum, alone, shift, day) == pytest.approx(-1.625, abs=1e-12)
    # the project's truth: − 0.7 · care 1 · clash 0.8 (shifts) · single 1, × scale 1.4
    assert _did(_project, mum, alone, shift, day) == pytest.approx(-0.784, abs=1e-12)
    # a supportive workplace leaves 40 % of the penalty
    logits = A.type_logits(
        T.claimant_arrays([mum, alone]),
        A.alt_vacancies(1, [shift, day]),
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 1]),
    )
    did = (logits[0] - logits[1]) - (logits[2] - logits[3])
    assert did == pytest.approx([-1.625, -1.625, -0.65], abs=1e-12)


def test_a_long_commute_costs_mostly_without_a_car() -> None:
    near = make_vacancy()
    far = make_vacancy(postcode="37520", municipality="Osterode am Harz", lat=51.7286, lon=10.2522)
    walker = make_claimant(has_car=False)
    driver = make_claimant(has_car=True)
    ca = T.claimant_arrays([walker, driver])
    minutes = A.commute_minutes(ca, T.vacancy_arrays([far]), np.array([0, 1]), np.array([0, 0]))
    assert minutes[0] > 60 and minutes[1] < 50
    walk = _alt_ordinary(walker, near) - _alt_ordinary(walker, far)
    drive = _alt_ordinary(driver, near) - _alt_ordinary(driver, far)
    assert walk == pytest.approx(1.2, abs=1e-12)  # the step beyond 60 minutes
    assert drive == pytest.approx(0.0, abs=1e-12)  # under 50 minutes by car: nothing


def test_observed_expectation_is_the_prior_weighted_sum_and_matches_sampling() -> None:
    employers = [
        Employer(f"E{i}", "x", band, "H", collective_agreement=ca, offers_training=tr)
        for i, (band, ca, tr) in enumerate(
            [(SizeBand.MICRO, False, False), (SizeBand.LARGE, True, True), (SizeBand.SMALL, True, False)]
        )
    ]
    vs = [make_vacancy(id=f"V{i}", employer=e) for i, e in enumerate(employers)]
    ca = T.claimant_arrays([make_claimant()])
    av = A.alt_vacancies(7, vs)
    ci, vi = np.zeros(3, np.int64), np.arange(3)
    exact = A.p_sustain_observed(ca, av, ci, vi)
    by_type = 1 / (1 + np.exp(-A.type_logits(ca, av, ci, vi)))
    assert exact == pytest.approx((by_type * av.prior).sum(axis=1), abs=1e-15)
    assert av.prior.sum(axis=1) == pytest.approx(1.0, abs=1e-15)
    assert av.prior[0, 0] > av.prior[2, 0] > av.prior[1, 0]  # the large tariff employer: least strained
    rng = np.random.default_rng(3)
    draws = np.array([rng.choice(3, 200_000, p=p) for p in av.prior])
    mc = np.take_along_axis(np.broadcast_to(by_type[:, None, :], (3, 200_000, 3)), draws[:, :, None], 2)
    assert mc.mean(axis=(1, 2)) == pytest.approx(exact, abs=2e-3)


def test_hidden_types_are_per_employer_seeded_and_order_free() -> None:
    es = [dataclasses.replace(EMPLOYER, id=f"E{i}") for i in range(400)]
    vs = [make_vacancy(id=f"V{i}", employer=e) for i, e in enumerate(es)]
    prior, kind = H.vacancy_types(5, vs)
    _, rev = H.vacancy_types(5, vs[::-1])
    assert (rev[::-1] == kind).all()
    assert np.bincount(kind, minlength=3).tolist() == [63, 122, 215]  # prior × 400: 79, 121, 200
    assert prior[0].round(4).tolist() == [0.1978, 0.3022, 0.5]  # medium, tariff, no training
    _, other = H.vacancy_types(6, vs)
    assert (other != kind).any()
    twice = [make_vacancy(id="A", employer=es[0]), make_vacancy(id="B", employer=es[0])]
    assert H.vacancy_types(5, twice)[1].tolist() == [kind[0], kind[0]]


def test_alt_truth_reads_no_protected_attribute() -> None:
    from training.synthetic.truth_inputs import PROTECTED_NAMES

    names = {f.name for f in dataclasses.fields(A.AltVacancies)}
    assert not names & PROTECTED_NAMES
