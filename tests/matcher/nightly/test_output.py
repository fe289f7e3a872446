"""Per-case-manager files: CSV and Parquet hold the same rows, HTML escapes, the folder swaps whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq

from matcher.nightly.output import write_lists
from matcher.store import NightlyRow


def row(claimant: str, rank: int, vacancy: str, cm: str, title: str = "Koch (m/w/d)") -> NightlyRow:
    payload = {
        "title": title,
        "employer": "Kantine <Nord>",
        "municipality": "Göttingen",
        "p_match": 0.5,
        "p_sustain": 0.4,
        "similarity": 0.71,
        "commute_minutes": 12.5,
        "hours_per_week": 30.0,
        "details": {"reasons": ["Fahrzeit 13 von 60 Min. (Auto)", "Beruf passt genau (KldB 29302)"]},
    }
    return NightlyRow("r1", claimant, rank, vacancy, "JC-A", cm, 0.2, payload)


def test_files_per_case_manager(tmp_path: Path) -> None:
    rows = [row("K1", 1, "V1", "cm.1"), row("K1", 2, "V2", "cm.1"), row("K2", 1, "V1", "cm-2", title="<b>")]
    (tmp_path / "lists.staging" / "junk").mkdir(parents=True)  # left by a killed run
    written = write_lists(tmp_path, "r1", rows)
    assert written == sorted(
        f"JC-A/{cm}.{ext}" for cm in ("cm.1", "cm-2") for ext in ("csv", "html", "parquet")
    )
    assert not (tmp_path / "lists.staging").exists()
    lists = tmp_path / "lists" / "JC-A"
    records = list(csv.DictReader(io.StringIO((lists / "cm.1.csv").read_text(encoding="utf-8"))))
    assert [(r["claimant_id"], r["rank"], r["vacancy_id"]) for r in records] == [
        ("K1", "1", "V1"),
        ("K1", "2", "V2"),
    ]
    assert records[0]["reasons"] == "Fahrzeit 13 von 60 Min. (Auto); Beruf passt genau (KldB 29302)"
    table = pq.read_table(lists / "cm.1.parquet").to_pylist()
    assert [(t["claimant_id"], t["rank"], t["vacancy_id"], t["reasons"]) for t in table] == [
        (r["claimant_id"], int(r["rank"]), r["vacancy_id"], r["reasons"]) for r in records
    ]
    page = (lists / "cm-2.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;" in page and "Kantine &lt;Nord&gt;" in page and "<b>" not in page and "20,0 %" in page
    # Written again with other rows: the whole folder is replaced, no file of the old set remains.
    write_lists(tmp_path, "r1", rows[:1])
    assert sorted(p.name for p in lists.iterdir()) == ["cm.1.csv", "cm.1.html", "cm.1.parquet"]


def test_csv_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    """Issue 16, defect 4: titles, employers and places from outside that a spreadsheet would run as
    a formula get a leading apostrophe in the CSV; the HTML and Parquet keep the text as it is."""
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tTab", "\rCR"]
    rows = []
    for i, text in enumerate(evil, start=1):
        r = row("K1", i, f"V{i}", "cm.1", title=text)
        rows.append(NightlyRow(r.run_id, r.claimant_id, r.rank, r.vacancy_id, r.jobcenter, r.case_manager,
                               -0.25, {**r.payload, "employer": text, "municipality": text}))  # fmt: skip
    write_lists(tmp_path, "r1", rows)
    lists = tmp_path / "lists" / "JC-A"
    records = list(csv.DictReader(io.StringIO((lists / "cm.1.csv").read_bytes().decode("utf-8"), newline="")))
    for rec, text in zip(records, evil, strict=True):
        assert (rec["title"], rec["employer"], rec["municipality"]) == ("'" + text,) * 3
        assert rec["score"] == "-0.25"  # a number is no formula: left as it is
    assert [t["title"] for t in pq.read_table(lists / "cm.1.parquet").to_pylist()] == evil
