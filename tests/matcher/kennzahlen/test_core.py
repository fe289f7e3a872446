"""The pure parts: suppression, calendar rules, the forecast interval."""

from __future__ import annotations

import math
from datetime import date

import pytest

from matcher.kennzahlen import cells
from matcher.kennzahlen.definitions import add_months, employed_after, forecast_resolved, months_between
from matcher.kennzahlen.forecast import interval


def test_counts_behind_fewer_than_five_claimants_are_suppressed_zero_included() -> None:
    assert cells.count(12, {"a", "b", "c", "d"}) == "< 5"
    assert cells.count(0, set()) == "< 5"
    assert cells.count(7, {"a", "b", "c", "d", "e"}) == 7


def test_a_share_needs_five_claimants_on_both_sides() -> None:
    five, four = {str(i) for i in range(5)}, {str(i) for i in range(4)}
    many = {str(i) for i in range(40)}
    assert cells.share(five, many, 5, 40) == 5 / 40
    assert cells.share(four, many, 4, 40) == "< 5"
    assert cells.share(five, four, 5, 4) == "< 5"
    assert cells.share(set(), set(), 0, 0) is None


@pytest.mark.parametrize(
    ("d", "k", "want"),
    [(date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2023, 8, 31), 6, date(2024, 2, 29)),
     (date(2025, 3, 15), 12, date(2026, 3, 15)), (date(2024, 12, 1), -11, date(2024, 1, 1))],
)  # fmt: skip
def test_add_months_clamps_to_the_month_end(d: date, k: int, want: date) -> None:
    assert add_months(d, k) == want


def test_employment_after_six_months_counts_an_end_on_that_day() -> None:
    assert employed_after(date(2024, 1, 10), date(2024, 7, 10), 6)
    assert not employed_after(date(2024, 1, 10), date(2024, 7, 9), 6)
    assert employed_after(date(2024, 1, 10), None, 6)


def test_a_forecast_is_resolved_after_the_hire_window_and_twelve_months() -> None:
    assert forecast_resolved(date(2024, 1, 1), date(2025, 4, 2))
    assert not forecast_resolved(date(2024, 1, 1), date(2025, 4, 1))


def test_months_between_is_inclusive() -> None:
    assert months_between(date(2024, 11, 30), date(2025, 2, 1)) == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]


def test_interval_is_the_normal_approximation_of_the_poisson_binomial() -> None:
    mean, lo, hi = interval([0.1, 0.5, 0.9, 0.2])
    sd = math.sqrt(0.09 + 0.25 + 0.09 + 0.16)
    assert mean == pytest.approx(1.7)
    assert lo == pytest.approx(1.7 - 1.959964 * sd) and hi == pytest.approx(1.7 + 1.959964 * sd)
    assert interval([1.0, 1.0]) == (2.0, 2.0, 2.0)


def test_plot_names_stay_inside_the_plots_folder_and_apart() -> None:
    from matcher.printable.kennzahlen_plots import plot_name

    def team(name: str) -> dict:
        return {"level": "team", "jobcenter": "JC-GOE", "team": name}

    assert plot_name(team("GOE-Mitte")) == "jc-goe-goe-mitte"
    evil = plot_name(team("../../etc/passwd"))
    assert "/" not in evil and ".." not in evil and evil.startswith("jc-goe-______etc_passwd-")
    assert plot_name(team("Süd Team")) != plot_name(team("S_d Team"))
    assert plot_name({"level": "jobcenter", "jobcenter": "JC-OHA", "team": None}) == "jc-oha"


def test_the_monthly_stock_counts_whoever_was_there_on_any_day_of_the_month() -> None:
    from matcher.kennzahlen.definitions import month_bounds
    from matcher.kennzahlen.facts import ClaimantFact, Unit

    u = Unit("JC", "T", "fm")
    feb = month_bounds("2024-02")
    assert feb == (date(2024, 2, 1), date(2024, 2, 29))

    def fact(**kw: object) -> ClaimantFact:
        return ClaimantFact("K1", u, False, **kw)  # type: ignore[arg-type]

    assert fact(activated=date(2024, 2, 29)).in_stock(*feb)  # activated on the last day
    assert not fact(activated=date(2024, 3, 1)).in_stock(*feb)
    assert fact().in_stock(*feb)  # activation not recorded: in every month while active
    assert fact(active=False, left=date(2024, 2, 1)).in_stock(*feb)  # left on the first day
    assert not fact(active=False, left=date(2024, 1, 31)).in_stock(*feb)
    assert not fact(active=False).in_stock(*feb)  # inactive, nothing recorded: in no month
    assert not fact(active=False, activated=date(2024, 3, 2), left=date(2024, 5, 1)).in_stock(*feb)
