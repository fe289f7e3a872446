from __future__ import annotations

from matcher.codec import claimant_from_snapshot, vacancy_from_snapshot
from matcher.domain import Contract, to_dict
from tests.factories import make_claimant, make_vacancy


def test_snapshots_round_trip() -> None:
    c, v = (
        make_claimant(),
        make_vacancy(contract=Contract.FIXED_TERM, contract_months=6, licences=frozenset({"B"})),
    )
    assert claimant_from_snapshot(to_dict(c)) == c
    assert vacancy_from_snapshot(to_dict(v)) == v
