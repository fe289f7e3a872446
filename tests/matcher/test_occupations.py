"""The curated occupations: real KldB 2010 codes, consistent levels, plausible wages, resolvable titles."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matcher.domain import SkillLevel
from matcher.occupations import BY_CODE, OCCUPATIONS, female, normalise_title, resolve_title

KLDB_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "kldb" / "kldb2010_v2020_gliederung.csv"
MINIMUM_WAGE_2026 = 13.90


def test_at_least_100_distinct_codes() -> None:
    assert len(BY_CODE) == len(OCCUPATIONS) >= 100


@pytest.mark.skipif(not KLDB_CSV.exists(), reason="KldB reference file not available")
def test_every_code_exists_in_kldb_2010() -> None:
    with KLDB_CSV.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    five = {r[0].strip() for r in rows[1:] if r and len(r[0].strip()) == 5}
    assert len(five) > 1000
    missing = sorted(o.kldb for o in OCCUPATIONS if o.kldb not in five)
    assert not missing, missing


def test_levels_wages_and_requirements_are_plausible() -> None:
    for o in OCCUPATIONS:
        assert o.level == SkillLevel(int(o.kldb[4]))
        assert MINIMUM_WAGE_2026 <= o.wage <= 30, o
        assert 0 <= o.temp <= 1 and 0 <= o.pt <= 1
        assert o.shifts and o.keywords and o.synonyms
    helpers = [o.wage for o in OCCUPATIONS if o.level == SkillLevel.HELPER]
    skilled = [o.wage for o in OCCUPATIONS if o.level == SkillLevel.SKILLED]
    assert sum(helpers) / len(helpers) < sum(skilled) / len(skilled)
    assert BY_CODE["52122"].licences == ("CE",)  # Berufskraftfahrer


def test_every_title_and_synonym_resolves_to_its_own_code() -> None:
    for o in OCCUPATIONS:
        for name in o.names:
            assert resolve_title(name) == o.kldb, name
            assert resolve_title(f"{name} (m/w/d) in Vollzeit") == o.kldb, name


def test_title_normalisation_and_variants() -> None:
    assert normalise_title("Lagerhelfer/in (m/w/d)") == "lagerhelfer"
    assert female("Verkäufer") == "Verkäuferin"
    assert female("Hotelfachmann") == "Hotelfachfrau"
    assert resolve_title("Verkäuferin") == "62102"
    assert resolve_title("MFA") == "81102"
    assert resolve_title("Staplerfahrer") == "52531"
    assert resolve_title("egal, Hauptsache Arbeit") is None
