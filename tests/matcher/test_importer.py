"""All-or-nothing imports: every error path names file, line and field, and writes nothing."""

from __future__ import annotations

import csv
import dataclasses
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from matcher.codec import (
    CLAIMANT_COLUMNS,
    OUTCOME_COLUMNS,
    PROPOSAL_COLUMNS,
    PROTECTED_COLUMNS,
    claimant_to_row,
    outcome_to_row,
    proposal_to_row,
    vacancy_to_row,
)
from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    NationalityGroup,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    SkillLevel,
)
from matcher.errors import GeoError, ImportRejected
from matcher.importer import BA_SOURCE, MINIMUM_WAGE_2026, ba_employer_id, import_file, parse_file
from matcher.store import Store
from tests.matcher.test_store import make_claimant, make_employer, make_outcome, make_vacancy

PLACES = {
    "37073": (51.5327, 9.9356, "Göttingen"),
    "37079": (51.5561, 9.8940, "Göttingen"),
    "37520": (51.7286, 10.2522, "Osterode am Harz"),
    "37412": (51.6333, 10.2167, "Herzberg am Harz"),
    "01067": (51.0577, 13.7310, "Dresden"),
}


def locate(postcode: str) -> tuple[float, float, str]:
    try:
        return PLACES[postcode]
    except KeyError:
        raise GeoError(f"unknown postcode {postcode}") from None


def seeded_claimants(n: int, seed: int = 7) -> list[tuple[Claimant, ProtectedAttributes | None]]:
    rng = random.Random(seed)
    out: list[tuple[Claimant, ProtectedAttributes | None]] = []
    for i in range(n):
        postcode = rng.choice(sorted(PLACES))
        lat, lon, place = PLACES[postcode]
        c = make_claimant(
            i,
            postcode=postcode,
            municipality=place,
            lat=lat,
            lon=lon,
            jobcenter=rng.choice(["JC-GOE", "JC-OHA"]),
            available_hours=rng.choice([15.0, 20.0, 30.0, 39.0, 40.0]),
            skill_level=rng.choice(list(SkillLevel)),
            german_level=rng.choice(list(CEFR)),
            health_max_load=rng.choice([None, *PhysicalLoad]),
            months_unemployed=rng.randrange(0, 120),
            short_spells=rng.randrange(0, 5),
            # Every fourth without an activation day (an empty cell: not recorded).
            activated=None if i % 4 == 0 else date(2019, 12, 31) + timedelta(days=i),
            profile_text=f"Profil {i}: "
            + rng.choice(["Lager", "Pflege, Betreuung", 'Verkauf "Kasse"', "Bau; Abbruch"]),
            active=rng.random() < 0.9,
        )
        p = None
        if rng.random() < 0.5:
            p = ProtectedAttributes(
                claimant_id=c.id,
                sex=rng.choice(list(Sex)),
                nationality_group=rng.choice(list(NationalityGroup)),
                age_band=rng.choice(list(AgeBand)),
                severe_disability=rng.random() < 0.1,
            )
        out.append((c, p))
    return out


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, **kw: Any) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", **kw)
        writer.writeheader()
        writer.writerows(rows)
    return path


def claimants_csv(path: Path, items: list[tuple[Claimant, ProtectedAttributes | None]]) -> Path:
    columns = [*CLAIMANT_COLUMNS, *PROTECTED_COLUMNS]
    return write_csv(path, [claimant_to_row(c, p) for c, p in items], columns)


def rejected(store: Store, path: Path, kind: str, **kw: Any) -> ImportRejected:
    before = store.counts()
    with pytest.raises(ImportRejected) as err:
        import_file(store, path, kind, locate=locate, **kw)
    assert store.counts() == before, "a refused import must write nothing"
    return err.value


@pytest.fixture
def seeded_store(store: Store) -> Store:
    """A store with some rows already, so that 'nothing written' is checked against real counts."""
    store.upsert_vacancies([make_vacancy(i) for i in range(5)])
    store.upsert_claimants([(make_claimant(90_000 + i), None) for i in range(3)])
    return store


# --------------------------------------------------------------------------------------------------
# Claimants CSV


def test_thousand_claimants_csv_import_round_trip(store: Store, tmp_path: Path) -> None:
    items = seeded_claimants(1000)
    report = import_file(store, claimants_csv(tmp_path / "kunden.csv", items), "claimants", locate=locate)
    assert (report.kind, report.format, report.rows, report.inserted, report.updated) == (
        "claimants",
        "csv",
        1000,
        1000,
        0,
    )
    assert store.list_claimants(active_only=False) == [c for c, _ in items]
    assert store.get_protected() == {c.id: p for c, p in items if p is not None}


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("postcode", "3752", "postcode"),
        ("available_hours", "-5", "available_hours"),
        ("german_level", "B3", "german_level"),
        ("has_car", "vielleicht", "has_car"),
        ("activated", "2024-02-30", "activated"),
        ("activated", "1899-12-31", "activated"),
    ],
)
def test_one_bad_row_in_a_thousand_refuses_the_file(
    seeded_store: Store, tmp_path: Path, column: str, value: str, field: str
) -> None:
    items = seeded_claimants(1000)
    rows = [claimant_to_row(c, p) for c, p in items]
    rows[616][column] = value
    path = write_csv(tmp_path / "kunden.csv", rows, [*CLAIMANT_COLUMNS, *PROTECTED_COLUMNS])
    err = rejected(seeded_store, path, "claimants")
    assert err.total_bad == 1
    (row_error,) = err.errors
    assert (row_error.file, row_error.line, row_error.field) == (str(path), 618, field)  # header is line 1
    assert value in row_error.reason
    assert f"{path}:618: {field}:" in str(err)


def test_unknown_column_is_refused_on_line_one(seeded_store: Store, tmp_path: Path) -> None:
    rows = [claimant_to_row(c, p) | {"shoe_size": "43"} for c, p in seeded_claimants(1000)]
    path = write_csv(tmp_path / "kunden.csv", rows, [*CLAIMANT_COLUMNS, "shoe_size"])
    err = rejected(seeded_store, path, "claimants")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [(1, "shoe_size", "unknown column")]


def test_extra_cell_in_one_row_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    path = claimants_csv(tmp_path / "kunden.csv", seeded_claimants(1000))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[500] = lines[500].rstrip("\r\n") + ",surplus\r\n"
    path.write_text("".join(lines), encoding="utf-8", newline="")
    err = rejected(seeded_store, path, "claimants")
    assert [(e.line, e.field) for e in err.errors] == [(501, "row")]
    assert "header has" in err.errors[0].reason


def test_missing_required_column_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    columns = [c for c in CLAIMANT_COLUMNS if c != "available_hours"]
    path = write_csv(tmp_path / "kunden.csv", [claimant_to_row(c) for c, _ in seeded_claimants(20)], columns)
    err = rejected(seeded_store, path, "claimants")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (1, "available_hours", "required column is missing")
    ]


def test_duplicate_id_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    rows = [claimant_to_row(c) for c, _ in seeded_claimants(30)]
    rows[20]["id"] = rows[4]["id"]
    err = rejected(seeded_store, write_csv(tmp_path / "kunden.csv", rows), "claimants")
    assert [(e.line, e.field) for e in err.errors] == [(22, "id")]
    assert "first on line 6" in err.errors[0].reason


def test_latin1_bytes_are_refused_naming_the_line(seeded_store: Store, tmp_path: Path) -> None:
    path = claimants_csv(tmp_path / "kunden.csv", seeded_claimants(10))
    data = path.read_bytes().split(b"\n")
    data[3] = data[3].replace(b"Team 2 U25", "Team für U25".encode("latin-1"))
    assert b"f\xfcr" in data[3]
    path.write_bytes(b"\n".join(data))
    err = rejected(seeded_store, path, "claimants")
    assert [(e.line, e.field) for e in err.errors] == [(4, "encoding")]
    assert "0xfc" in err.errors[0].reason


def test_bom_semicolons_and_quoted_line_breaks_are_read(store: Store, tmp_path: Path) -> None:
    items = seeded_claimants(12)
    items[3] = (dataclasses.replace(items[3][0], profile_text="Zeile eins\nZeile zwei; mit Semikolon"), None)
    path = tmp_path / "kunden.csv"
    write_csv(
        path,
        [claimant_to_row(c, p) for c, p in items],
        [*CLAIMANT_COLUMNS, *PROTECTED_COLUMNS],
        delimiter=";",
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = import_file(store, path, "claimants", locate=locate)
    assert report.inserted == 12
    assert store.list_claimants(active_only=False) == sorted((c for c, _ in items), key=lambda c: c.id)

    # Line numbers stay physical after a record that spans two lines.
    rows = [claimant_to_row(c, p) for c, p in items]
    rows[5]["postcode"] = "ABCDE"
    write_csv(path, rows, [*CLAIMANT_COLUMNS, *PROTECTED_COLUMNS], delimiter=";")
    err = rejected(store, path, "claimants")
    assert [(e.line, e.field) for e in err.errors] == [(8, "postcode")]


def test_locate_fills_places_and_unknown_postcode_is_a_row_error(seeded_store: Store, tmp_path: Path) -> None:
    a, b = make_claimant(1, postcode="37520", lat=None, lon=None, municipality=""), make_claimant(2)
    rows = [claimant_to_row(a), claimant_to_row(b)]
    import_file(seeded_store, write_csv(tmp_path / "ok.csv", rows), "claimants", locate=locate)
    assert seeded_store.get_claimant(a.id) == dataclasses.replace(
        a, lat=51.7286, lon=10.2522, municipality="Osterode am Harz"
    )

    rows[1].update(postcode="99999", lat="", lon="")
    err = rejected(seeded_store, write_csv(tmp_path / "bad.csv", rows), "claimants")
    assert [(e.line, e.field) for e in err.errors] == [(3, "postcode")]
    assert "unknown postcode 99999" in err.errors[0].reason


def test_error_list_is_capped_but_counted(seeded_store: Store, tmp_path: Path) -> None:
    rows = [claimant_to_row(c) for c, _ in seeded_claimants(100)]
    for row in rows[:60]:
        row["available_hours"] = "99"
    err = rejected(seeded_store, write_csv(tmp_path / "kunden.csv", rows), "claimants", error_limit=50)
    assert len(err.errors) == 50 and err.total_bad == 60
    assert "and 10 more bad rows" in str(err)


def test_reimport_updates_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    items = seeded_claimants(50)
    path = claimants_csv(tmp_path / "kunden.csv", items)
    first = import_file(store, path, "claimants", locate=locate)
    assert (first.inserted, first.updated) == (50, 0)
    changed = dataclasses.replace(items[7][0], available_hours=12.0, team="Team 5")
    items[7] = (changed, items[7][1])
    items.append((make_claimant(777), None))
    second = import_file(store, claimants_csv(path, items), "claimants", locate=locate)
    assert (second.inserted, second.updated) == (1, 50)
    assert store.counts()["claimants"] == 51
    assert store.get_claimant(changed.id) == changed


# --------------------------------------------------------------------------------------------------
# JSON Lines


def test_vacancies_jsonl_round_trip_with_native_types(store: Store, tmp_path: Path) -> None:
    items = [make_vacancy(i, make_employer(i % 3), openings=1 + i % 4) for i in range(25)]
    lines = []
    for v in items:
        row: dict[str, Any] = vacancy_to_row(v)
        row.update(
            hours_per_week=v.hours_per_week,
            wage=v.wage,
            openings=v.openings,
            licences=sorted(v.licences),
            filled=v.filled,
            employer_collective_agreement=v.employer.collective_agreement,
            lat=v.lat,
            lon=v.lon,
            skill_level=int(v.skill_level),
        )
        lines.append(json.dumps(row, ensure_ascii=False))
    path = tmp_path / "stellen.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    report = import_file(store, path, "vacancies", locate=locate)
    assert (report.format, report.inserted) == ("jsonl", 25)
    assert store.list_vacancies() == items


def test_outcomes_jsonl_keep_snapshots(store: Store, tmp_path: Path) -> None:
    items = [make_outcome(i) for i in range(5)]
    path = tmp_path / "verbleib.json"  # .json holding one object a line is JSON Lines
    rows = [
        outcome_to_row(o) | {"claimant_snapshot": o.claimant_snapshot, "employed_12m": False} for o in items
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert import_file(store, path, "outcomes", locate=locate).format == "jsonl"
    back = store.list_outcomes()
    assert back == items
    assert [o.claimant_snapshot for o in back] == [o.claimant_snapshot for o in items]
    assert [o.vacancy_snapshot for o in back] == [o.vacancy_snapshot for o in items]


def test_bad_json_line_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    rows = [json.dumps(vacancy_to_row(make_vacancy(i))) for i in range(4)]
    rows[2] = rows[2][:-10]  # truncated
    rows.insert(1, "")  # blank lines count as lines
    rows.append("[1, 2]")
    path = tmp_path / "stellen.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [(4, "json"), (6, "json")]
    assert "not valid JSON" in err.errors[0].reason and "JSON object" in err.errors[1].reason


def test_jsonl_unknown_key_and_wrong_type(seeded_store: Store, tmp_path: Path) -> None:
    good = vacancy_to_row(make_vacancy(1))
    rows = [good | {"id": "V1", "colour": "blue"}, good | {"id": "V2", "wage": [13]}, good | {"id": "V3"}]
    path = tmp_path / "stellen.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [(1, "colour"), (2, "wage")]


# --------------------------------------------------------------------------------------------------
# Outcomes and proposals CSV


def test_proposals_csv_import_and_bad_id(store: Store, tmp_path: Path) -> None:
    items = [
        Proposal(
            id=f"P{i}", claimant_id=f"K{i % 7}", vacancy_id=f"V{i % 11}", proposed=date(2025, 1, 1 + i % 28)
        )
        for i in range(40)
    ]
    items[3] = dataclasses.replace(items[3], hired=True)
    path = write_csv(tmp_path / "proposals.csv", [proposal_to_row(p) for p in items], list(PROPOSAL_COLUMNS))
    assert import_file(store, path, "proposals", locate=locate).inserted == 40
    assert sorted(store.list_proposals(), key=lambda p: int(p.id[1:])) == items

    rows = [proposal_to_row(p) for p in items]
    rows[9]["claimant_id"] = "K 9"
    err = rejected(store, write_csv(tmp_path / "bad.csv", rows), "proposals")
    assert [(e.line, e.field) for e in err.errors] == [(11, "claimant_id")]


def test_outcomes_csv_validates_dates_and_label(seeded_store: Store, tmp_path: Path) -> None:
    rows = [outcome_to_row(make_outcome(i)) for i in range(6)]
    rows[1]["employed_12m"] = "true"  # ended after five months: cannot count as employed 12 months later
    rows[4]["start"] = "2024-13-01"
    err = rejected(
        seeded_store, write_csv(tmp_path / "outcomes.csv", rows, list(OUTCOME_COLUMNS)), "outcomes"
    )
    assert [(e.line, e.field) for e in err.errors] == [(3, "employed_12m"), (6, "start")]


# --------------------------------------------------------------------------------------------------
# Bundesagentur für Arbeit Jobsuche JSON


BA_SAMPLE: dict[str, Any] = {
    "stellenangebote": [
        {
            "hashId": "WBTAiM10b25rJgZqiLhVIHzAF9e0rnV_DXdsRZtlb54=",
            "beruf": "Fachkraft - Lagerlogistik",
            "titel": "Fachkraft für Lagerlogistik (m/w/d) im Zweischichtbetrieb",
            "refnr": "10000-1184867112-S",
            "arbeitgeber": "Harzer Logistik GmbH & Co. KG",
            "aktuelleVeroeffentlichungsdatum": "2026-01-08",
            "eintrittsdatum": "2026-02-01",
            "arbeitsort": {
                "plz": "37520",
                "ort": "Osterode am Harz",
                "region": "Niedersachsen",
                "land": "Deutschland",
                "koordinaten": {"lat": 51.7291, "lon": 10.2507},
            },
            "modifikationsTimestamp": "2026-01-08T10:12:33.913",
            "kundennummerHash": None,
        },
        {
            "beruf": "Verkäufer/in",
            "titel": "Verkäufer (m/w/d) Teilzeit",
            "refnr": "10001-1000123456-S",
            "arbeitgeber": "Bäckerei Sonnenschein",
            "aktuelleVeroeffentlichungsdatum": "2026-01-10",
            "arbeitsort": {"plz": 1067, "ort": "Dresden"},
            "arbeitszeitmodelle": ["TEILZEIT"],
            "externeUrl": "https://example.com/job/123",
        },
        {
            "beruf": "Helfer/in - Lagerwirtschaft",
            "refnr": "10000-1184867999-S",
            "arbeitgeber": "harzer   logistik gmbh & co. kg",
            "aktuelleVeroeffentlichungsdatum": "2026-01-09",
            "arbeitsort": {"plz": "37412"},
        },
    ],
    "maxErgebnisse": "3",
    "page": "1",
    "size": "25",
    "facetten": [],
}


def test_ba_jobsuche_import_with_documented_defaults(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "jobsuche.json"
    path.write_text(json.dumps(BA_SAMPLE, ensure_ascii=False, indent=2), encoding="utf-8")
    report = import_file(store, path, "vacancies", locate=locate)
    assert (report.format, report.rows, report.inserted) == ("ba-jobsuche", 3, 3)

    lager = store.get_vacancy("10000-1184867112-S")
    assert lager.title == "Fachkraft für Lagerlogistik (m/w/d) im Zweischichtbetrieb"
    assert (lager.postcode, lager.municipality, lager.lat, lager.lon) == (
        "37520",
        "Osterode am Harz",
        51.7291,
        10.2507,
    )
    assert (lager.wage, lager.wage_unit.value, lager.hours_per_week) == (MINIMUM_WAGE_2026, "hour", 39.0)
    assert (lager.kldb, lager.source, lager.posted, lager.expires) == (
        None,
        BA_SOURCE,
        date(2026, 1, 8),
        None,
    )
    assert "Eintritt ab 2026-02-01" in lager.description

    verkauf = store.get_vacancy("10001-1000123456-S")
    assert verkauf.postcode == "01067"  # the integer plz loses its leading zero; restored
    assert (verkauf.lat, verkauf.lon, verkauf.municipality) == (51.0577, 13.7310, "Dresden")  # from locate
    assert verkauf.hours_per_week == 20.0

    helfer = store.get_vacancy("10000-1184867999-S")
    assert helfer.title == "Helfer/in - Lagerwirtschaft"  # no titel: the beruf
    assert helfer.municipality == "Herzberg am Harz"
    # The same employer, spelt differently, is one employer.
    assert helfer.employer.id == lager.employer.id == ba_employer_id("Harzer Logistik GmbH & Co. KG")
    assert lager.employer.name == helfer.employer.name  # one employer row, the file's last spelling
    assert store.counts()["employers"] == 2

    again = import_file(store, path, "vacancies", locate=locate)
    assert (again.inserted, again.updated) == (0, 3)


def test_ba_jobsuche_errors_name_the_list_index_and_ba_field(seeded_store: Store, tmp_path: Path) -> None:
    sample = json.loads(json.dumps(BA_SAMPLE))
    offers = sample["stellenangebote"]
    del offers[1]["arbeitsort"]["plz"]
    offers[2]["arbeitsort"]["plz"] = "99999"
    offers.append(dict(offers[0]))  # duplicate refnr
    offers.append({"refnr": "ä ö ü", "arbeitgeber": "X", "titel": "Y", "arbeitsort": {"plz": "3752"}})
    path = tmp_path / "jobsuche.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [
        (1, "arbeitsort.plz"),
        (2, "arbeitsort.plz"),
        (3, "refnr"),
        (4, "refnr"),
    ]
    assert "unknown postcode 99999" in err.errors[1].reason


def test_ba_jobsuche_file_is_not_claimants(seeded_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "jobsuche.json"
    path.write_text(json.dumps(BA_SAMPLE), encoding="utf-8")
    err = rejected(seeded_store, path, "claimants")
    assert err.errors[0].field == "stellenangebote"


def test_parse_file_is_a_dry_run(tmp_path: Path) -> None:
    path = tmp_path / "jobsuche.json"
    path.write_text(json.dumps(BA_SAMPLE), encoding="utf-8")
    parsed = parse_file(path, "vacancies", locate=locate)
    assert [v.id for v in parsed.records] == [o["refnr"] for o in BA_SAMPLE["stellenangebote"]]
    with pytest.raises(ImportRejected, match="kind"):
        parse_file(path, "employers", locate=locate)


# --------------------------------------------------------------------------------------------------
# Issue 16: what an adversarial probe slipped through the importer


def _ba_file(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _ba_offers(**changes: Any) -> dict[str, Any]:
    """BA_SAMPLE with the first offer changed."""
    doc = json.loads(json.dumps(BA_SAMPLE))
    doc["stellenangebote"][0].update(changes)
    return doc


def test_ba_employer_name_over_the_shared_limit_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    """Defect 9: a name of 201 characters was imported, then failed the API's response model (500)."""
    err = rejected(
        seeded_store, _ba_file(tmp_path / "ba.json", _ba_offers(arbeitgeber="A" * 201)), "vacancies"
    )
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (0, "arbeitgeber", "longer than 200 characters")
    ]
    report = import_file(
        seeded_store,
        _ba_file(tmp_path / "ok.json", _ba_offers(arbeitgeber="A" * 200)),
        "vacancies",
        locate=locate,
    )
    assert report.inserted == 3


def test_ba_coordinates_far_from_the_postcode_are_refused(seeded_store: Store, tmp_path: Path) -> None:
    """Defect 10: Vienna's coordinates for a postcode in Osterode am Harz were stored as given."""
    vienna = {"plz": "37520", "ort": "Osterode am Harz", "koordinaten": {"lat": 48.2082, "lon": 16.3738}}
    err = rejected(seeded_store, _ba_file(tmp_path / "ba.json", _ba_offers(arbeitsort=vienna)), "vacancies")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (0, "arbeitsort.koordinaten", "the coordinates lie 587 km from the postcode's places (at most 20 km)")
    ]


def test_claimant_coordinates_far_from_the_postcode_are_refused(seeded_store: Store, tmp_path: Path) -> None:
    near = make_claimant(1, postcode="37073", municipality="Göttingen", lat=51.60, lon=9.95)  # 7.5 km off
    far = make_claimant(2, postcode="37073", municipality="Göttingen", lat=48.2082, lon=16.3738)
    swapped = make_claimant(3, postcode="37073", municipality="Göttingen", lat=9.9356, lon=51.5327)
    err = rejected(seeded_store, claimants_csv(tmp_path / "k.csv", [(near, None), (far, None), (swapped, None)]),
                   "claimants")  # fmt: skip
    assert [(e.line, e.field) for e in err.errors] == [(3, "lat"), (4, "lat")]
    assert "km from the postcode's places" in err.errors[0].reason
    assert "48.2" not in err.errors[0].reason  # the message names the distance, not the coordinates
    assert import_file(seeded_store, claimants_csv(tmp_path / "ok.csv", [(near, None)]), "claimants",
                       locate=locate).inserted == 1  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("vacancies", "posted", "0001-01-01"),
        ("vacancies", "posted", "9999-12-31"),
        ("vacancies", "expires", "9999-12-31"),
        ("outcomes", "start", "0001-01-01"),
        ("outcomes", "end", "9999-12-31"),
        ("proposals", "proposed", "9999-12-31"),
        ("proposals", "proposed", "2004-12-31"),
    ],
)
def test_implausible_dates_are_refused(
    seeded_store: Store, tmp_path: Path, kind: str, field: str, value: str
) -> None:
    """Defect 10: 0001-01-01 and 9999-12-31 were taken as dates."""
    if kind == "vacancies":
        rows, columns = [vacancy_to_row(make_vacancy(i)) for i in range(3)], None
    elif kind == "outcomes":
        rows, columns = [outcome_to_row(make_outcome(i)) for i in range(3)], list(OUTCOME_COLUMNS)
        if field == "end":
            rows[1]["employed_12m"] = "true"  # a long placement: only the date is wrong
    else:
        rows = [proposal_to_row(Proposal(f"P{i}", "K00001", "V00001", date(2026, 1, 5))) for i in range(3)]
        columns = list(PROPOSAL_COLUMNS)
    rows[1][field] = value
    err = rejected(seeded_store, write_csv(tmp_path / f"{kind}.csv", rows, columns), kind)
    assert [(e.line, e.field) for e in err.errors] == [(3, field)]
    assert "2005-01-01" in err.errors[0].reason or "after posted" in err.errors[0].reason


def test_ba_date_outside_the_plausible_range_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    doc = _ba_offers(aktuelleVeroeffentlichungsdatum="0001-01-01", eintrittsdatum="9999-12-31")
    err = rejected(seeded_store, _ba_file(tmp_path / "ba.json", doc), "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [(0, "eintrittsdatum")]
    doc = _ba_offers(aktuelleVeroeffentlichungsdatum="0001-01-01")
    err = rejected(seeded_store, _ba_file(tmp_path / "ba.json", doc), "vacancies")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (0, "aktuelleVeroeffentlichungsdatum", "0001-01-01 is outside 2005-01-01 to 2099-12-31")
    ]


def test_deeply_nested_ba_json_is_a_row_error_not_a_crash(seeded_store: Store, tmp_path: Path) -> None:
    """Defect 10: json.loads raised RecursionError (exit 1); now the file is refused naming line and path."""
    path = tmp_path / "deep.json"
    path.write_text(
        '{"stellenangebote": [\n{"refnr": "1",\n "x": ' + "[" * 100_000 + "]" * 100_000 + "}]}",
        encoding="utf-8",
    )
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (3, "stellenangebote[0].x[0][0][0]...", "nested more than 32 levels deep")
    ]


def test_deeply_nested_json_line_is_a_row_error(seeded_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    good = json.dumps({k: v for k, v in vacancy_to_row(make_vacancy(1)).items() if v != ""})
    path.write_text(good + '\n{"id": ' + "[" * 50_000 + "]" * 50_000 + "}\n", encoding="utf-8")
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [(2, "id[0][0][0][0][0]...")]


def test_repeated_stellenangebote_key_is_refused(seeded_store: Store, tmp_path: Path) -> None:
    """Defect 10: the second list (empty) silently replaced the first: 0 imported, no warning."""
    offers = json.dumps(BA_SAMPLE["stellenangebote"], ensure_ascii=False)
    path = tmp_path / "ba.json"
    path.write_text(f'{{\n"stellenangebote": {offers},\n"stellenangebote": []\n}}', encoding="utf-8")
    err = rejected(seeded_store, path, "vacancies")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (3, "stellenangebote", "key 'stellenangebote' appears more than once")
    ]
    # A key repeated inside an offer (which refnr?) is as ambiguous.
    path.write_text('{"stellenangebote": [\n{"refnr": "a", "refnr": "b"}]}', encoding="utf-8")
    assert [(e.line, e.field) for e in rejected(seeded_store, path, "vacancies").errors] == [
        (2, "stellenangebote[0].refnr")
    ]


def test_ba_refnr_never_replaces_a_vacancy_of_another_source(seeded_store: Store, tmp_path: Path) -> None:
    """Defect 10: a refnr equal to an internal vacancy id overwrote that vacancy."""
    internal = seeded_store.get_vacancy("V00002")
    doc = _ba_offers(refnr="V00002")
    err = rejected(seeded_store, _ba_file(tmp_path / "ba.json", doc), "vacancies")
    assert [(e.line, e.field, e.reason) for e in err.errors] == [
        (0, "refnr", "'V00002' is the id of a vacancy not from the BA Jobsuche (source 'test')")
    ]
    assert seeded_store.get_vacancy("V00002") == internal
    # Nor does a CSV row replace a vacancy that came from the BA; a BA re-import updates its own.
    import_file(seeded_store, _ba_file(tmp_path / "ba.json", BA_SAMPLE), "vacancies", locate=locate)
    ba = seeded_store.get_vacancy("10000-1184867112-S")
    row = vacancy_to_row(make_vacancy(1, id="10000-1184867112-S"))
    err = rejected(seeded_store, write_csv(tmp_path / "v.csv", [row]), "vacancies")
    assert [(e.line, e.field) for e in err.errors] == [(2, "id")]
    assert seeded_store.get_vacancy("10000-1184867112-S") == ba
    again = import_file(seeded_store, _ba_file(tmp_path / "ba.json", BA_SAMPLE), "vacancies", locate=locate)
    assert (again.inserted, again.updated) == (0, 3)
