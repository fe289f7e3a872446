"""The synthetic region: determinism, realistic rates, valid records, real places, and a truth that
uses observable fields only and agrees between its vectorised and scalar forms."""

from __future__ import annotations

import csv
import dataclasses
import inspect
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matcher.codec import claimant_from_row, outcome_from_row, proposal_from_row, vacancy_from_row
from matcher.domain import (
    CEFR,
    Claimant,
    Contract,
    Employer,
    Household,
    PhysicalLoad,
    ProtectedAttributes,
    SizeBand,
    Vacancy,
    WageUnit,
)
from matcher.occupations import BY_CODE
from training import truth as T
from training.region import HOME_PLACES, PLACES
from training.synth import auc, generate_region, summary, write_region

GEONAMES = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo" / "geonames_postal_DE.txt"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    region = generate_region(7, 400, 300, placements=1500)
    out = tmp_path_factory.mktemp("small")
    write_region(region, out)
    return region, out


@pytest.fixture(scope="module")
def big7():  # type: ignore[no-untyped-def]
    return generate_region(7, 3000, 2000)


def test_same_seed_gives_identical_bytes(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, first = small
    write_region(generate_region(7, 400, 300, placements=1500), tmp_path)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert {"claimants.csv", "vacancies.csv", "outcomes.csv", "proposals.csv", "truth.json"} <= set(names)
    assert not [n for n in names if n.endswith(".tmp")]
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_data(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    other = generate_region(8, 400, 300, placements=1500)
    assert [c.profile_text for c in other.claimants] != [c.profile_text for c in region.claimants]


def test_files_round_trip_through_the_codec(small) -> None:  # type: ignore[no-untyped-def]
    region, out = small
    raw = (out / "claimants.csv").read_bytes()
    assert b"\r\n" not in raw
    with (out / "claimants.csv").open(encoding="utf-8", newline="") as f:
        parsed = [claimant_from_row(r) for r in csv.DictReader(f)]
    by_id = {c.id: (c, p) for c, p in zip(region.claimants, region.protected, strict=True)}
    assert len(parsed) == len(region.claimants)
    for c, p in parsed:
        assert (c, p) == by_id[c.id]
    with (out / "vacancies.csv").open(encoding="utf-8", newline="") as f:
        vacancies = {v.id: v for v in (vacancy_from_row(r) for r in csv.DictReader(f))}
    assert vacancies == {v.id: v for v in region.vacancies}
    with (out / "outcomes.csv").open(encoding="utf-8", newline="") as f:
        outcomes = [outcome_from_row(r) for r in csv.DictReader(f)]
    assert len(outcomes) == 1500
    assert outcomes[0].claimant_snapshot["id"] == outcomes[0].claimant_id
    assert outcomes[0].vacancy_snapshot["id"] == outcomes[0].vacancy_id
    with (out / "proposals.csv").open(encoding="utf-8", newline="") as f:
        proposals = [proposal_from_row(r) for r in csv.DictReader(f)]
    assert proposals == sorted(region.proposals, key=lambda p: p.id)
    doc = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert doc["seed"] == 7 and doc["generator_version"] and "share_employed_12m" in doc["realised"]


def test_records_are_valid_domain_records_with_distinct_ids(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    assert all(isinstance(c, Claimant) for c in region.claimants + region.history_claimants)
    assert all(isinstance(v, Vacancy) for v in region.vacancies + region.history_vacancies)
    assert all(isinstance(p, ProtectedAttributes) for p in region.protected)
    current = {c.id for c in region.claimants} | {v.id for v in region.vacancies}
    history = {c.id for c in region.history_claimants} | {v.id for v in region.history_vacancies}
    assert not current & history
    assert all(i.startswith(("H-K", "H-V")) for i in history)
    assert len({c.id for c in region.claimants}) == 400


def test_history_is_consistent(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    ref = region.reference_date
    hired = {(p.claimant_id, p.vacancy_id) for p in region.proposals if p.hired}
    assert hired == {(o.claimant_id, o.vacancy_id) for o in region.outcomes}
    assert 0.05 < len(hired) / len(region.proposals) < 0.4  # most proposals do not lead to a hire
    for o in region.outcomes:
        assert (ref - o.start).days >= 365  # every placement is labelled
        assert (ref - o.start).days <= 49 * 31
        if o.end is not None:
            assert o.end <= ref or o.employed_12m
    openings = {v.id: v.openings for v in region.history_vacancies}
    per_vacancy: dict[str, int] = {}
    for o in region.outcomes:
        per_vacancy[o.vacancy_id] = per_vacancy.get(o.vacancy_id, 0) + 1
    assert all(n <= openings[v] for v, n in per_vacancy.items())


@pytest.mark.skipif(not GEONAMES.exists(), reason="GeoNames file not available")
def test_every_postcode_is_real(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    known: dict[str, list[tuple[float, float]]] = {}
    with GEONAMES.open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            known.setdefault(cols[1], []).append((float(cols[9]), float(cols[10])))
    for p in PLACES:
        assert p.postcode in known, p
        assert min(abs(p.lat - a) + abs(p.lon - b) for a, b in known[p.postcode]) < 0.02, p
    used = {c.postcode for c in region.claimants} | {v.postcode for v in region.vacancies}
    assert used <= set(known)
    assert {c.postcode for c in region.claimants} <= {p.postcode for p in HOME_PLACES}


def test_some_profiles_are_not_german(big7) -> None:  # type: ignore[no-untyped-def]
    texts = [c.profile_text for c in big7.claimants]
    english = sum(t.startswith("Looking for") for t in texts) / len(texts)
    markers = ("iş arıyorum", "Szukam pracy", "Shukayu robotu", "Abhath 'an")
    other = sum(any(m in t for m in markers) for t in texts) / len(texts)
    assert 0.02 < english < 0.07
    assert 0.01 < other < 0.04
    assert 0.5 < sum(bool(c.desired_kldb) for c in big7.claimants) / len(texts) < 0.7


def test_truth_takes_no_protected_attribute() -> None:
    names = T.input_field_names()
    assert not names & T.PROTECTED_NAMES
    for f in (T.p_hire, T.p_sustain, T.p_sustain_scalar):
        params = list(inspect.signature(f).parameters.values())
        assert [p.annotation for p in params] == ["Claimant", "Vacancy"]
    fields = {f.name for f in dataclasses.fields(Claimant)} | {f.name for f in dataclasses.fields(Vacancy)}
    assert not fields & T.PROTECTED_NAMES


def test_vectorised_truth_equals_scalar_truth(big7) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    cs, vs = big7.claimants, big7.vacancies
    pairs = np.column_stack([rng.integers(0, len(cs), 400), rng.integers(0, len(vs), 400)])
    ps = T.true_p_sustain(cs, vs, pairs)
    ph = T.true_p_hire(T.claimant_arrays(cs), T.vacancy_arrays(vs), pairs)
    for j, (i, k) in enumerate(pairs.tolist()):
        assert ps[j] == pytest.approx(T.p_sustain_scalar(cs[i], vs[k]), abs=1e-12)
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


def test_auc_helper() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 11])
def test_outcome_rates_match_published_facts(seed: int, big7) -> None:  # type: ignore[no-untyped-def]
    region = big7 if seed == 7 else generate_region(seed, 3000, 2000)
    s = summary(region)
    assert s["placements"] == 12000
    assert 0.35 <= s["share_employed_12m"] <= 0.45
    assert 0.40 <= s["share_ended_within_6m"] <= 0.55
    assert 0.75 <= s["bayes_auc_sustain"] <= 0.82
    assert 0.25 <= s["share_temp_agency_helper_vacancies"] <= 0.40
    assert s["share_benefits_12m"] > 1 - s["share_employed_12m"] - 0.15
    assert set(s["claimants_by_jobcenter"]) == {"JC-GOE", "JC-OHA"}
    assert s["reference_date"] == date(2026, 11, 1).isoformat()
