"""The second generator: seeded to the bit, the project's records and hires, its own outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluate_alt import history_p, observed_p, paired_auc_gap
from training.synthetic import REFERENCE_DATE
from training.synthetic import truth as T
from training.synthetic.claimants import make_claimants
from training.synthetic.histories import make_history
from training.synthetic_alt import generate_alt_region
from training.synthetic_alt.truth import AltGroundTruth


@pytest.fixture(scope="module")
def alt3():  # type: ignore[no-untyped-def]
    return generate_alt_region(3, 20, 20, placements=150)


def test_alt_region_is_seeded_and_exact(alt3) -> None:  # type: ignore[no-untyped-def]
    r = alt3
    assert sum(o.employed_12m for o in r.outcomes) == 64 and len(r.outcomes) == 150
    assert float(r.outcome_p_sustain.mean()) == pytest.approx(0.424167, abs=1e-6)
    assert r.params["truth"]["placements_by_hidden_type"] == {
        "strained": 69,
        "ordinary": 43,
        "supportive": 38,
    }
    assert r.truth.version == "truth-alt-1"
    # seed 3 here is not the project's region of seed 3 (whose current claimants come from this stream)
    rc = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(3)[0]))
    project = make_claimants(rc, 20, "K-")[0]
    assert [c.postcode for c in project] != [c.postcode for c in r.claimants]


def test_the_outcome_truth_is_swapped_without_touching_the_records() -> None:
    def history(sustain_for):  # type: ignore[no-untyped-def]
        return make_history(np.random.default_rng(11), 120, REFERENCE_DATE, sustain_for)

    hc, _, hv, out, props, ps = history(None)
    hc2, _, hv2, out2, props2, ps2 = history(AltGroundTruth(11).sustain_for)
    assert [c.id for c in hc] == [c.id for c in hc2] and [v.id for v in hv] == [v.id for v in hv2]
    assert [(p.claimant_id, p.vacancy_id, p.hired) for p in props] == [
        (p.claimant_id, p.vacancy_id, p.hired) for p in props2
    ]
    assert [(o.claimant_id, o.vacancy_id, o.start) for o in out] == [
        (o.claimant_id, o.vacancy_id, o.start) for o in out2
    ]
    assert np.corrcoef(ps, ps2)[0, 1] < 0.9 and (ps != ps2).all()


def test_the_observed_fields_bound_on_held_out_rows(alt3) -> None:  # type: ignore[no-untyped-def]
    r = alt3
    ids = [o.id for o in sorted(r.outcomes, key=lambda o: o.start)][-30:]
    y = np.array([next(o for o in r.outcomes if o.id == i).employed_12m for i in ids])
    p_obs = observed_p(r, ids)
    truth = dict(zip([o.id for o in r.outcomes], r.outcome_p_sustain.tolist(), strict=True))
    p_true = np.array([truth[i] for i in ids])
    # the project's truth on the same placements, as a stand-in for a model
    c_pos = {c.id: k for k, c in enumerate(r.history_claimants)}
    v_pos = {v.id: k for k, v in enumerate(r.history_vacancies)}
    by_id = {o.id: o for o in r.outcomes}
    p_proj = T.true_p_sustain(
        r.history_claimants,
        r.history_vacancies,
        np.array([[c_pos[by_id[i].claimant_id], v_pos[by_id[i].vacancy_id]] for i in ids]),
    )
    assert int(y.sum()) == 13
    assert float(p_obs.mean()) == pytest.approx(0.469744, abs=1e-6)
    assert float(p_true.mean()) == pytest.approx(0.445575, abs=1e-6)
    gap = paired_auc_gap(y, p_obs, p_proj, seed=3)
    assert {k: round(v, 4) for k, v in gap.items()} == {"gap": 0.0045, "lo": -0.0741, "hi": 0.0724}
    gap = paired_auc_gap(y, p_true, p_obs, seed=3)
    assert {k: round(v, 4) for k, v in gap.items()} == {"gap": 0.0181, "lo": -0.0556, "hi": 0.1005}


def test_the_employer_history_bound_moves_the_prior_by_bayes_rule(alt3) -> None:  # type: ignore[no-untyped-def]
    r = alt3
    by_start = [o for o in sorted(r.outcomes, key=lambda o: o.start)]
    hold, older = [o.id for o in by_start[-30:]], by_start[:-30]
    none, seen = history_p(r, hold, [], [])
    assert none == pytest.approx(observed_p(r, hold), abs=1e-12) and seen == 0.0
    p, seen = history_p(r, hold, [o.id for o in older], [o.employed_12m for o in older])
    assert seen == pytest.approx(0.3, abs=1e-12)  # 9 of the 30 held-out rows
    assert float(np.abs(p - none).max()) == pytest.approx(0.055783, abs=1e-6)
