"""The hidden truth uses observable fields only, agrees between its vectorised and scalar forms
and has the documented directions."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from matcher.domain import (
    CEFR,
    Claimant,
    Contract,
    Employer,
    Household,
    PhysicalLoad,
    SizeBand,
    Vacancy,
    WageUnit,
)
from matcher.occupations import BY_CODE
from training.synthetic import truth as T
from training.synthetic import truth_inputs, truth_reference


def test_truth_takes_no_protected_attribute() -> None:
    names = truth_inputs.input_field_names()
    assert not names & truth_inputs.PROTECTED_NAMES
    for f in (T.p_hire, T.p_sustain, truth_reference.p_sustain_scalar):
        params = list(inspect.signature(f).parameters.values())
        assert [p.annotation for p in params] == ["Claimant", "Vacancy"]
    fields = {f.name for f in dataclasses.fields(Claimant)} | {f.name for f in dataclasses.fields(Vacancy)}
    assert not fields & truth_inputs.PROTECTED_NAMES


def test_vectorised_truth_equals_scalar_truth(big7) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    cs, vs = big7.claimants, big7.vacancies
    pairs = np.column_stack([rng.integers(0, len(cs), 400), rng.integers(0, len(vs), 400)])
    ps = T.true_p_sustain(cs, vs, pairs)
    ph = T.true_p_hire(T.claimant_arrays(cs), T.vacancy_arrays(vs), pairs)
    for j, (i, k) in enumerate(pairs.tolist()):
        assert ps[j] == pytest.approx(truth_reference.p_sustain_scalar(cs[i], vs[k]), abs=1e-12)
        assert ps[j] == pytest.approx(T.p_sustain(cs[i], vs[k]), abs=1e-12)
        assert ph[j] == pytest.approx(T.p_hire(cs[i], vs[k]), abs=1e-12)
    assert ps.min() > 0.0 and ps.max() < 1.0


def _with(v: Vacancy, **kw: object) -> Vacancy:
    return dataclasses.replace(v, **kw)  # type: ignore[arg-type]


def test_truth_has_the_documented_directions(big7) -> None:  # type: ignore[no-untyped-def]
    cs = big7.claimants[:300]
    base = next(v for v in big7.vacancies if v.contract is Contract.PERMANENT and not v.employer.temp_agency)
    plain = _with(
        base,
        employer=dataclasses.replace(
            base.employer, size_band=SizeBand.SMALL, collective_agreement=False, offers_training=False
        ),
    )

    def ps(v: Vacancy, claimants: list[Claimant] = cs) -> np.ndarray:
        return T.true_p_sustain(claimants, [v] * len(claimants))

    p0 = ps(plain)
    e = plain.employer
    assert (ps(_with(plain, employer=dataclasses.replace(e, temp_agency=True))) < p0).all()
    assert (ps(_with(plain, employer=dataclasses.replace(e, collective_agreement=True))) > p0).all()
    assert (ps(_with(plain, employer=dataclasses.replace(e, offers_training=True))) > p0).all()
    assert (ps(_with(plain, employer=dataclasses.replace(e, size_band=SizeBand.LARGE))) > p0).all()
    fixed12 = ps(_with(plain, contract=Contract.FIXED_TERM, contract_months=12))
    fixed6 = ps(_with(plain, contract=Contract.FIXED_TERM, contract_months=6))
    assert (fixed6 < fixed12).all() and (fixed12 < p0).all()
    # health restriction against heavy work; commute without car; childcare clash for single parents
    c = dataclasses.replace(
        cs[0], health_max_load=None, has_car=False, short_spells=0, household=Household(adults=1, rent=450.0)
    )
    heavy = _with(plain, physical_load=PhysicalLoad.HIGH)
    assert T.p_sustain(dataclasses.replace(c, health_max_load=PhysicalLoad.LOW), heavy) < T.p_sustain(
        c, heavy
    )
    assert T.p_sustain(dataclasses.replace(c, short_spells=3), plain) < T.p_sustain(c, plain)
    far = _with(plain, postcode="34117", municipality="Kassel", lat=51.3166, lon=9.4912)
    home = dataclasses.replace(c, postcode="37441", municipality="Bad Sachsa", lat=51.595, lon=10.5555)
    car = dataclasses.replace(home, has_car=True, licences=frozenset({"B"}))

    def lg(c: Claimant, v: Vacancy) -> float:
        return float(T.sustain_logit(T.claimant_arrays([c]), T.vacancy_arrays([v]), [0], [0])[0])

    assert lg(car, plain) - lg(car, far) < lg(home, plain) - lg(
        home, far
    )  # a long commute hurts more without car
    assert lg(home, far) < lg(home, plain)
    mum = dataclasses.replace(c, household=Household(adults=1, children_0_5=1, rent=550.0))
    couple = dataclasses.replace(c, household=Household(adults=2, children_0_5=1, rent=650.0))
    full = _with(plain, hours_per_week=40.0)
    part = _with(plain, hours_per_week=20.0)
    clash_single = lg(mum, part) - lg(mum, full)
    clash_couple = lg(couple, part) - lg(couple, full)
    assert clash_single > clash_couple > 0
    # hiring prefers the occupation the claimant wants
    want = dataclasses.replace(c, desired_kldb=(plain.kldb,), desired_occupations=(), experience=())
    other = dataclasses.replace(c, desired_kldb=("93682",), desired_occupations=(), experience=())
    assert T.p_hire(want, plain) > 5 * T.p_hire(other, plain)


def test_need_ratio_ends_need_for_a_single_full_time_job() -> None:
    o = BY_CODE["51312"]
    e = Employer("E-1", "Test GmbH", SizeBand.SMALL, "H")
    v = Vacancy(
        "V-1",
        e,
        "Lagerist",
        "",
        "51312",
        "37073",
        "Göttingen",
        51.5364,
        9.939,
        40.0,
        o.shifts[0],
        Contract.PERMANENT,
        None,
        17.0,
        WageUnit.HOUR,
        o.level,
    )
    single = Claimant(
        "K-1",
        "JC-GOE",
        "GOE-Mitte",
        "fm-001",
        "37073",
        "Göttingen",
        51.5364,
        9.939,
        frozenset(),
        False,
        None,
        (),
        (),
        "",
        o.level,
        CEFR.C2,
        40.0,
        True,
        None,
        0,
        0,
        household=Household(adults=1, rent=480.0),
    )
    family = dataclasses.replace(
        single, household=Household(adults=2, children_0_5=1, children_6_13=2, rent=900.0)
    )
    assert T.need_ratio(single, v) > 1.0 > T.need_ratio(family, v)
