"""Generated regions: seeds matter, records are valid, the history is consistent."""

from __future__ import annotations

from matcher.domain import (
    Claimant,
    ProtectedAttributes,
    Vacancy,
)
from training.synthetic import generate_region


def test_another_seed_gives_other_data(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    other = generate_region(8, 400, 300, placements=1500)
    assert [c.profile_text for c in other.claimants] != [c.profile_text for c in region.claimants]


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
