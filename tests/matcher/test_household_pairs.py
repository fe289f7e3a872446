"""Pairs assessed together give ``assess_many``'s numbers bit for bit, whatever their order or mix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.domain import Household
from matcher.errors import ValidationError
from matcher.household import assess_effects, assess_many
from matcher.household_pairs import (
    WageTable,
    assess_gathered,
    assess_pairs,
    effects_of_few,
    effects_of_pairs,
    tax_situation,
)
from matcher.settings import HouseholdSettings

S = HouseholdSettings()

households = st.builds(
    Household,
    adults=st.integers(1, 4),
    children_0_5=st.integers(0, 3),
    children_6_13=st.integers(0, 3),
    children_14_17=st.integers(0, 2),
    rent=st.floats(0.0, 1500.0, allow_nan=False).map(lambda r: round(r, 2)),
)
wages = st.floats(0.0, 9000.0, allow_nan=False).map(lambda w: round(w, 2))


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(households, st.lists(wages, min_size=1, max_size=12)), min_size=1, max_size=8),
    st.randoms(),
)
def test_pairs_equal_one_household_at_a_time(groups, rnd) -> None:  # type: ignore[no-untyped-def]
    pairs = [(h, w) for h, ws in groups for w in ws]
    rnd.shuffle(pairs)  # the pairs of one household interleaved with others'
    homes = [h for h, _ in pairs]
    got = assess_pairs(homes, np.array([w for _, w in pairs]), S)
    for key in ("net", "countable", "remaining_need", "ends_need", "reduction"):
        for h, _ in groups:
            at = [i for i, home in enumerate(homes) if home is h]
            alone = assess_many(h, np.array([pairs[i][1] for i in at]), S)
            assert _bits(got[key][at]) == _bits(alone[key]), key


def test_effects_equal_assess_effects() -> None:
    a, b = Household(adults=1, children_0_5=2, rent=610.0), Household(adults=2, children_6_13=1, rent=820.5)
    homes = [a, b, a, b, b]
    gross = np.array([1450.0, 2300.0, 603.0, 0.0, 5100.25])
    got = effects_of_pairs(homes, gross, S)
    want_a = assess_effects(a, gross[[0, 2]], S)
    want_b = assess_effects(b, gross[[1, 3, 4]], S)
    assert got == [want_a[0], want_b[0], want_a[1], want_b[1], want_b[2]]


def test_tax_situation_names_what_net_pay_depends_on() -> None:
    assert tax_situation(Household(adults=1)) == (False, 0)
    assert tax_situation(Household(adults=2, children_0_5=2)) == (True, 0)  # a couple's earner
    assert tax_situation(Household(adults=1, children_6_13=3)) == (True, 3)  # single parent, 3 children


def test_bad_wage_and_misaligned_input_are_refused() -> None:
    with pytest.raises(ValidationError):
        assess_pairs([Household()], np.array([np.nan]), S)
    with pytest.raises(ValueError, match="2 households for 1 wages"):
        assess_pairs([Household(), Household()], np.array([1000.0]), S)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(households, min_size=1, max_size=5),
    st.lists(wages, min_size=1, max_size=40),
    st.randoms(),
)
def test_a_wage_table_gathers_the_assessment_of_its_wages(homes, gross, rnd) -> None:  # type: ignore[no-untyped-def]
    """``assess_gathered`` (net pay and countable income per tax situation, computed once over all
    wages and gathered) gives ``assess_many``'s numbers bit for bit, for one household (a lookup)
    and several (the nightly run), over a table asked more than once."""
    table = WageTable(np.array(gross))
    for _ in range(2):
        pos = np.array([rnd.randrange(len(gross)) for _ in range(25)], dtype=np.intp)
        which = np.array([rnd.randrange(len(homes)) for _ in range(25)], dtype=np.intp)
        got = assess_gathered(homes, which, pos, table, S)
        for k, h in enumerate(homes):
            at = np.flatnonzero(which == k)
            alone = assess_many(h, np.array(gross)[pos[at]], S)
            for key in ("countable", "remaining_need", "ends_need"):
                assert _bits(got[key][at]) == _bits(alone[key]), key


def test_a_wage_table_leaves_an_invalid_wage_to_the_rules() -> None:
    """A wage the rules refuse is refused when a lookup reaches it, not when the table is built."""
    h = Household(adults=1, rent=500.0)
    table = WageTable(np.array([1200.0, -5.0, 2400.0]))
    ok = assess_gathered([h], np.zeros(2, dtype=np.intp), np.array([0, 2]), table, S)
    assert _bits(ok["countable"]) == _bits(assess_many(h, np.array([1200.0, 2400.0]), S)["countable"])
    with pytest.raises(ValidationError):
        assess_gathered([h], np.zeros(1, dtype=np.intp), np.array([1]), table, S)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(households, wages), min_size=1, max_size=12), st.randoms())
def test_few_effects_equal_the_effects_of_pairs(pairs, rnd) -> None:  # type: ignore[no-untyped-def]
    """``effects_of_few`` (incomes looked up per tax situation and wage, once per process) gives
    ``effects_of_pairs``' records, asked twice (the second time from the memo), one household's
    pairs sharing its object as a lookup's do."""
    homes = [h for h, _ in pairs]
    gross = np.array([w for _, w in pairs])
    want = effects_of_pairs(homes, gross, S)
    assert effects_of_few(homes, gross, S) == want
    at = list(range(len(pairs)))
    rnd.shuffle(at)
    assert effects_of_few([homes[i] for i in at], gross[at], S) == [want[i] for i in at]


def test_few_effects_refuse_an_invalid_wage() -> None:
    with pytest.raises(ValidationError):
        effects_of_few([Household(adults=1, rent=400.0)], np.array([-1.0]), S)
