"""ESCO grounding beside KldB (issue 14, item 4): the German ESCO occupations read and checked, their
KldB codes through the crosswalk, the nearest occupation of a wish, and its codes joining the match
depth only where the setting says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.errors import ImportRejected
from matcher.esco import (
    EscoGrounder,
    EscoLink,
    EscoMatch,
    EscoOccupation,
    kldb_of,
    label_texts,
    naming,
    read_crosswalk_links,
    read_esco,
    read_esco_csv,
    read_links,
    write_esco,
    write_links,
)
from matcher.taxonomy import TitleEntry, TitleGrounder

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
ESCO = SHARED / "esco_de" / "occupations_de.csv"
KLDB = SHARED / "kldb" / "kldb2010_v2020_gliederung.csv"
CROSSWALK = SHARED / "crosswalk" / "esco_kldb_occupations_DE_mapping_18.05.22.csv"
needs_shared = pytest.mark.skipif(not ESCO.exists(), reason="../shared/data is not beside the repository")
LKW = "http://data.europa.eu/esco/occupation/45037d43-a8f5-4f46-b332-b2935bc305f4"
U = "http://data.europa.eu/esco/occupation/"
HEADER = "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels\n"


@needs_shared
def test_the_german_esco_occupations_with_their_labels_and_kldb_codes() -> None:
    occupations = read_esco_csv(ESCO)
    assert len(occupations) == 3039  # ESCO v1.2
    assert len(label_texts(occupations)) == 18696
    lkw = next(o for o in occupations if o.uri == LKW)
    assert lkw.preferred == "Lastkraftwagenfahrer/Lastkraftwagenfahrerin" and lkw.isco == "8332"
    assert "LKW-Fahrer" in lkw.alternatives and "Fernkraftfahrerin" in lkw.alternatives
    codes = kldb_of(read_crosswalk_links(CROSSWALK))
    assert len(codes) == 2814
    assert codes[LKW] == ("52122",)  # Berufskraftfahrer/in (Güterverkehr/LKW)


def test_exact_and_close_matches_are_preferred_over_narrow_and_broad() -> None:
    links = [
        EscoLink(U + "a", "11111", "skos:narrowMatch"),
        EscoLink(U + "a", "22222", "skos:exactMatch"),
        EscoLink(U + "a", "33333", "skos:closeMatch"),
        EscoLink(U + "b", "44444", "skos:broadMatch"),
        EscoLink(U + "b", "55555", "skos:narrowMatch"),
    ]
    assert kldb_of(links) == {U + "a": ("22222", "33333"), U + "b": ("44444", "55555")}


@pytest.mark.parametrize(
    ("row", "line", "field"),
    [
        ("Occupation,http://example.org/x,8332,Fahrer,,\n", 4, "conceptUri"),
        (f"Occupation,{U}b,83,Fahrer,,\n", 4, "iscoGroup"),
        (f'Occupation,{U}b,8332,"",,\n', 4, "preferredLabel"),
        (f"Occupation,{U}a,8332,Fahrer,,\n", 4, "conceptUri"),  # the same concept twice
        (f"Occupation,{U}b,8332\n", 4, "row"),
    ],
)
def test_a_bad_esco_row_is_refused_with_its_line_and_field(
    tmp_path: Path, row: str, line: int, field: str
) -> None:
    # The first record spans two lines (alternative labels one a line): the line is where a record starts.
    f = tmp_path / "occ.csv"
    f.write_text(HEADER + f'Occupation,{U}a,8332,Fahrer,"LKW-Fahrer\nFernfahrer",\n' + row, encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_esco_csv(f)
    (err,) = info.value.errors
    assert (err.line, err.field) == (line, field)


def test_not_the_esco_file_is_refused_at_its_header(tmp_path: Path) -> None:
    f = tmp_path / "occ.csv"
    f.write_text("conceptUri,preferredLabel\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_esco_csv(f)
    assert info.value.errors[0].field == "header" and "conceptType" in info.value.errors[0].reason


def test_the_stored_files_round_trip(tmp_path: Path) -> None:
    occ = [EscoOccupation(U + "a", "Fahrer/Fahrerin", "8332", ("Fernfahrer", "LKW-Fahrer"))]
    links = [EscoLink(U + "a", "52122", "skos:exactMatch")]
    write_esco(occ, tmp_path / "t" / "esco.tsv")
    write_links(links, tmp_path / "t" / "esco_kldb.tsv")
    assert read_esco(tmp_path / "t" / "esco.tsv") == occ
    assert read_links(tmp_path / "t" / "esco_kldb.tsv") == links


# -- grounding -------------------------------------------------------------------------------------
OCC = [
    EscoOccupation(U + "lkw", "Lastkraftwagenfahrer/Lastkraftwagenfahrerin", "8332", ("LKW-Fahrer",)),
    EscoOccupation(U + "lager", "Lagerarbeiter/Lagerarbeiterin", "9333", ()),
]
TITLES = [TitleEntry("51311", "Lagerhelfer", "curated"), TitleEntry("52122", "Berufskraftfahrer", "curated")]
# Labels in order: LKW preferred, "LKW-Fahrer", Lager preferred.
LABEL_VECTORS = np.array([[0, 0, 1, 0], [0, 0, 0.6, 0.8], [1, 0, 0, 0]], dtype=np.float32)
QUERIES = {"kierowca": [0, 0, 0.6, 0.8], "Lager": [0.9, 0.43589, 0, 0]}


def _grounder(esco_kldb: bool, calls: list[str] | None = None) -> TitleGrounder:
    def encode(texts):
        if calls is not None:
            calls.extend(texts)
        return np.array([QUERIES[t] for t in texts], dtype=np.float32)

    # The crosswalk gives the truck drivers a code no title of the wish is near: 52183.
    esco = EscoGrounder(OCC, LABEL_VECTORS, {U + "lkw": ("52183",)}, min_similarity=0.8)
    titles = np.array([[1, 0, 0, 0], [0, 0, 1, 0]], dtype=np.float32)
    return TitleGrounder(TITLES, titles, encode, min_similarity=0.5, esco=esco, esco_kldb=esco_kldb)


def test_a_wish_grounds_to_its_esco_occupation_beside_its_codes() -> None:
    calls: list[str] = []
    g = _grounder(False, calls)
    assert g.nearest("kierowca") == [("52122", "Berufskraftfahrer", pytest.approx(0.6))]
    want = EscoMatch(U + "lkw", "Lastkraftwagenfahrer/Lastkraftwagenfahrerin", 1.0, "LKW-Fahrer", ("52183",))
    assert g.occupations("kierowca") == [want]
    assert g.occupations("Lager") == [EscoMatch(U + "lager", "Lagerarbeiter/Lagerarbeiterin", 0.9)]
    assert g.codes_for(["kierowca"]) == ["52122"]  # off: the ESCO codes do not count
    assert calls == ["kierowca", "Lager"]  # one encoding per wish, for the titles and ESCO


def test_with_esco_kldb_the_occupation_codes_join_the_wish_codes_under_another_key() -> None:
    on, off = _grounder(True), _grounder(False)
    assert on.nearest("kierowca") == [
        ("52122", "Berufskraftfahrer", pytest.approx(0.6)),
        ("52183", "LKW-Fahrer", 1.0),
    ]
    assert on.codes_for(["kierowca", "Lager"]) == ["51311", "52122", "52183"]
    assert on.key != off.key  # stored groundings of one never answer for the other
    plain = TitleGrounder(TITLES, off.vectors, off.encode_queries, min_similarity=0.5)
    assert plain.key == off.key and plain.occupations("kierowca") == []


# -- the import --------------------------------------------------------------------------------------
runner = CliRunner()


@needs_shared
def test_import_taxonomy_with_esco_writes_it_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    base = ["--data-dir", str(data), "import", "taxonomy", "--kldb", str(KLDB)]
    result = runner.invoke(app, [*base, "--crosswalk", str(CROSSWALK), "--esco", str(ESCO)])
    assert result.exit_code == 0, result.output
    assert "3,039 ESCO occupations (18,729 labels)" in result.output
    assert "2,809 ESCO occupations mapped to KldB codes" in result.output
    tax = data / "taxonomy"
    before = {p.name: p.read_bytes() for p in tax.iterdir()}
    assert sorted(before) == ["esco.tsv", "esco_kldb.tsv", "titles.tsv"]
    assert kldb_of(read_links(tax / "esco_kldb.tsv"))[LKW] == ("52122",)

    bad = tmp_path / "occ.csv"
    bad.write_text(HEADER + f"Occupation,{U}a,8332,Fahrer,,\nOccupation,{U}b,x,Koch,,\n", encoding="utf-8")
    result = runner.invoke(app, [*base, "--crosswalk", str(CROSSWALK), "--esco", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3: iscoGroup: 'x' is not a four-digit ISCO-08 group" in result.output
    assert {p.name: p.read_bytes() for p in tax.iterdir()} == before

    # Without --esco the import replaces the taxonomy as a whole: no ESCO from an earlier one stays.
    assert runner.invoke(app, base).exit_code == 0
    assert sorted(p.name for p in tax.iterdir()) == ["titles.tsv"]


def test_the_explanation_names_the_occupation_whose_codes_the_vacancy_shares_to_the_depth() -> None:
    lkw = EscoMatch(U + "lkw", "Lastkraftwagenfahrer/Lastkraftwagenfahrerin", 1.0, "", ("52122",))
    bus = EscoMatch(U + "bus", "Busfahrer/Busfahrerin", 0.9, "", ("52112",))
    assert naming([lkw, bus], "52112", 5) == bus
    assert naming([lkw, bus], "52183", 3) == lkw  # the first with the same Berufsgruppe
    assert naming([lkw, bus], "52183", 4) is None
    assert naming([lkw, bus], "52122", 2) is None  # a Berufshauptgruppe is too far to name one
    assert naming([lkw], None, 5) is None
    assert naming([EscoMatch(U + "x", "X", 1.0)], "52122", 5) is None  # no crosswalk: no codes
