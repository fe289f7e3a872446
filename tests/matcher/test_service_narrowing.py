"""MatchService's list controls, the excluded vacancies of one filter and "why not" by number or
title, on test_service's seven vacancies (four of a temp agency, one with too many hours, one too far)."""

from __future__ import annotations

import pytest

from matcher.domain import Contract
from matcher.errors import ValidationError
from matcher.list_filters import ListFilter
from matcher.service import MatchService
from tests.matcher.test_service import service  # noqa: F401 (fixture)


def test_narrowing_leaves_out_and_keeps_the_order(service: MatchService) -> None:  # noqa: F811
    c = service.claimants.get_claimant("K0")
    full = service.suggest_for(c, 5)
    assert [m.vacancy_id for m in full.items] == ["V1", "V2", "V3", "V5"] and full.narrowed == {}
    no_temp = service.suggest_for(c, 5, ListFilter(temp_agency=False))
    # V5 is the one eligible vacancy of a direct employer; the hard-filter count is unchanged.
    assert [m.vacancy_id for m in no_temp.items] == ["V5"]
    assert (no_temp.eligible, no_temp.narrowed) == (5, {"temp_agency": 4})
    only_temp = service.suggest_for(c, 5, ListFilter(temp_agency=True))
    assert [m.vacancy_id for m in only_temp.items] == ["V1", "V2", "V3"]  # the employer cap still holds
    assert service.suggest_for(c, 5, ListFilter(contract=Contract.FIXED_TERM)).items == ()
    assert service.suggest_for(c, 5, ListFilter(hours_max=10.0)).narrowed == {"hours": 5}


def test_the_vacancies_one_filter_excludes(service: MatchService) -> None:  # noqa: F811
    c = service.claimants.get_claimant("K0")
    total, rows = service.excluded_by(c, "hours", limit=10)
    assert total == 1 and [(v.id, f.failed) for v, f in rows] == [("V6", ("hours",))]
    assert rows[0][1].refusals[0].vacancy_value == "45 Std. pro Woche"
    total, rows = service.excluded_by(c, "commute", limit=10)
    assert (total, [v.id for v, _ in rows]) == (1, ["V7"])
    assert service.excluded_by(c, "commute", limit=10, offset=1) == (1, [])
    with pytest.raises(ValidationError) as err:
        service.excluded_by(c, "weather", limit=10)
    assert err.value.field == "filter"


def test_why_not_by_number_or_title(service: MatchService) -> None:  # noqa: F811
    c = service.claimants.get_claimant("K0")
    total, rows = service.find_for(c, "V6", limit=5)
    assert (total, [(v.id, f.failed) for v, f in rows]) == (1, [("V6", ("hours",))])
    # Every vacancy is titled "Lagerhelfer (m/w/d)": folded, by id, cut at the limit, total kept.
    total, rows = service.find_for(c, "LAGERHELFER", limit=3)
    assert (total, [v.id for v, _ in rows]) == (7, ["V1", "V2", "V3"])
    assert [f.failed for _, f in rows] == [(), (), ()]
    assert service.find_for(c, "Bäcker", limit=3) == (0, [])


def test_the_title_search_finds_each_title_once_in_either_folding() -> None:
    from matcher.catalog import VacancyCatalog
    from matcher.geo import load_directory
    from tests.factories import make_vacancy

    titles = ["Verkäufer (m/w/d)", "Bäckereifachverkäuferin", "Lagerhelfer", "Verkaeufer Lager", "José Café"]
    cat = VacancyCatalog.build(
        [make_vacancy(id=f"V{i}", title=t) for i, t in enumerate(titles)], load_directory()
    )
    assert cat.titled("verkaeufer") == [0, 1, 3]
    assert cat.titled("verkaufer") == [0, 1]  # the bare vowel of the umlaut
    assert cat.titled("lager") == [2, 3]
    assert cat.titled("cafe") == [4] and cat.titled("(m/w/d)") == [0]
    assert cat.titled("helfer\nverk") == [] and cat.titled("") == []


def test_the_joined_search_equals_folding_each_title() -> None:
    from matcher.catalog import VacancyCatalog
    from matcher.geo import load_directory
    from matcher.search_text import fold, forms
    from tests.api.conftest import _region

    vs = _region().vacancies
    cat = VacancyCatalog.build(vs, load_directory())
    words = {fold(w) for v in vs for w in v.title.split() if len(w) > 3}
    assert len(words) > 50
    for w in sorted(words):
        assert cat.titled(w) == [i for i, v in enumerate(vs) if any(w in f for f in forms(v.title))], w
