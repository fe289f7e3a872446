"""The list controls on a claimant's suggestions through the API: up to 50, narrowed by contract,
temp agency, an hours band and a shorter commute; every item passes the controls, the order stays
expected lasting placements, ``narrowed`` counts what each control left out exactly, bad values
answer 422 naming the query field, and a narrowed lookup replays identically."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.domain import Contract
from tests.api.conftest import JC_A, ApiEnv


def _claimant(api: ApiEnv) -> str:
    return api.ids(JC_A)[0]


def _get(api: ApiEnv, query: str, who: str = "cm") -> Any:
    r = api.client.get(f"/claimants/{_claimant(api)}/suggestions?{query}", headers=api.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def _eligible(api: ApiEnv) -> list[str]:
    """The vacancies passing every hard filter for the claimant, asked pair by pair."""
    cid, out = _claimant(api), []
    for v in api.vacancies:
        r = api.client.get(f"/claimants/{cid}/vacancies/{v.id}", headers=api.headers("cm"))
        if r.status_code == 200 and r.json()["failed"] == []:
            out.append(v.id)
    return out


def test_up_to_fifty_in_the_order_of_expected_lasting_placements(api_ro: ApiEnv) -> None:
    body = _get(api_ro, "k=50")
    eligible = _eligible(api_ro)
    assert body["eligible"] == len(eligible) and len(body["suggestions"]) == min(50, len(eligible))
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    assert body["narrowed"] == {}
    # The first ten of fifty are the list of ten.
    ten = _get(api_ro, "k=10")["suggestions"]
    assert [s["vacancy_id"] for s in ten] == [s["vacancy_id"] for s in body["suggestions"][:10]]


@pytest.mark.parametrize(
    ("query", "control", "passes"),
    [
        ("contract=permanent", "contract", lambda v, s: v.contract is Contract.PERMANENT),
        ("contract=fixed_term", "contract", lambda v, s: v.contract is Contract.FIXED_TERM),
        ("temp_agency=false", "temp_agency", lambda v, s: not v.employer.temp_agency),
        ("temp_agency=true", "temp_agency", lambda v, s: v.employer.temp_agency),
        ("hours_min=20&hours_max=30", "hours", lambda v, s: 20 <= v.hours_per_week <= 30),
        ("max_commute=25", "max_commute", lambda v, s: s is None or s["commute_minutes"] <= 25),
    ],
)
def test_each_control_narrows_exactly(api_ro: ApiEnv, query: str, control: str, passes: Any) -> None:
    by_id = {v.id: v for v in api_ro.vacancies}
    body = _get(api_ro, f"k=50&{query}")
    items = body["suggestions"]
    assert all(passes(by_id[s["vacancy_id"]], s) for s in items)
    scores = [s["score"] for s in items]
    assert scores == sorted(scores, reverse=True)
    eligible = _eligible(api_ro)
    if control == "max_commute":
        cid = _claimant(api_ro)
        minutes = {vid: api_ro.client.get(f"/claimants/{cid}/vacancies/{vid}",
                                          headers=api_ro.headers("cm")).json()["commute_minutes"]
                   for vid in eligible}  # fmt: skip
        kept = [vid for vid in eligible if minutes[vid] <= 25]
    else:
        kept = [vid for vid in eligible if passes(by_id[vid], None)]
    assert body["narrowed"] == {control: len(eligible) - len(kept)}
    assert len(items) == min(50, len(kept))
    # The audit entry keeps the controls (the replay narrows the same way).
    entry = api_ro.store.get_audit(body["audit_id"])
    assert entry is not None and set(entry.payload["narrow"]) <= {"contract", "temp_agency", "hours_min",
                                                                  "hours_max", "max_commute"}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("contract=befristet", "contract"),
        ("temp_agency=vielleicht", "temp_agency"),
        ("hours_min=-1", "hours_min"),
        ("hours_max=100", "hours_max"),
        ("hours_min=30&hours_max=20", "hours_min"),
        ("max_commute=0", "max_commute"),
        ("max_commute=abc", "max_commute"),
        ("k=101", "k"),
    ],
)
def test_bad_controls_answer_422_naming_the_field(api_ro: ApiEnv, query: str, field: str) -> None:
    r = api_ro.client.get(f"/claimants/{_claimant(api_ro)}/suggestions?{query}", headers=api_ro.headers("cm"))
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [["query", field]]


def test_a_narrowed_lookup_replays_identically(api: ApiEnv) -> None:
    from matcher.bootstrap import Services
    from matcher.usecases.replay import replay

    body = _get(api, "k=20&contract=permanent&temp_agency=false&max_commute=40")
    assert body["narrowed"]
    result = replay(Services(api.settings, store=api.store, encoder=api.encoder), body["audit_id"])
    assert result.identical, result.differences()
    assert [i["vacancy_id"] for i in result.replayed] == [s["vacancy_id"] for s in body["suggestions"]]
