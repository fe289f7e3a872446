"""The command line as an administrator uses it: synth, import, stats, bad files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

runner = CliRunner()


def run(data_dir: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("region")
    result = run(out / "unused", "synth", "--seed", "7", "--claimants", "300", "--vacancies", "200",
                 "--placements", "1500", "--out", str(out / "r"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return out / "r"


def test_synth_twice_gives_the_same_bytes(region: Path, tmp_path: Path) -> None:
    result = run(tmp_path, "synth", "--seed", "7", "--claimants", "300", "--vacancies", "200",
                 "--placements", "1500", "--out", str(tmp_path / "again"))  # fmt: skip
    assert result.exit_code == 0
    names = sorted(p.name for p in region.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (region / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    summary = json.loads(result.output)
    assert 0.35 <= summary["share_employed_12m"] <= 0.45


def test_import_accepts_the_region_and_stats_counts_it(region: Path, tmp_path: Path) -> None:
    for kind, name in [
        ("vacancies", "vacancies.csv"),
        ("claimants", "claimants.csv"),
        ("outcomes", "outcomes.csv"),
    ]:
        result = run(tmp_path, "import", kind, str(region / name))
        assert result.exit_code == 0, result.output
    stats = json.loads(run(tmp_path, "stats", "--json").output)
    assert stats["claimants"] == 300 and stats["vacancies"] == 200 and stats["outcomes"] == 1500
    assert stats["claimant_protected"] == 300


def _claimants_csv(region: Path, target: Path, rows: int, mutate) -> None:
    with open(region / "claimants.csv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        data = list(reader)
        header = list(reader.fieldnames or [])
    # 1,000 distinct rows from the region's 300 by re-numbering ids.
    out = []
    for i in range(rows):
        row = dict(data[i % len(data)])
        row["id"] = f"K-{i:06d}"
        out.append(row)
    header, out = mutate(header, out)
    with open(target, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(out)


@pytest.mark.parametrize(
    ("field", "mutate", "line"),
    [
        ("postcode", lambda h, rows: (h, [*rows[:500], {**rows[500], "postcode": "3752"}, *rows[501:]]), 502),
        (
            "available_hours",
            lambda h, rows: (h, [*rows[:10], {**rows[10], "available_hours": "-5"}, *rows[11:]]),
            12,
        ),
        ("haarfarbe", lambda h, rows: ([*h, "haarfarbe"], [{**r, "haarfarbe": ""} for r in rows]), 1),
    ],
)
def test_a_bad_row_refuses_the_whole_file(
    region: Path, tmp_path: Path, field: str, mutate, line: int
) -> None:
    good = tmp_path / "good.csv"
    _claimants_csv(region, good, 1000, lambda h, rows: (h, rows))
    assert run(tmp_path, "import", "claimants", str(good)).exit_code == 0
    before = run(tmp_path, "stats", "--json").output
    bad = tmp_path / "bad.csv"
    _claimants_csv(region, bad, 1000, mutate)
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "claimants", str(bad)])
    assert result.exit_code == 2
    assert f"bad.csv:{line}: {field}" in result.output
    assert run(tmp_path, "stats", "--json").output == before


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "import", "claimants", str(tmp_path / "nope.csv")]
    )
    assert result.exit_code == 2
    assert "nope.csv: no such file" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A RecursionError in json.loads ended the import with a traceback and exit code 1.
        (
            '{"stellenangebote": [\n{"refnr": "1", "arbeitsort": ' + "[" * 200_000 + "]" * 200_000 + "}]}",
            "deep.json:2: stellenangebote[0].arbeitsort[0][0][0]...: nested more than 32 levels deep",
        ),
        # The second, empty list won: 0 imported, exit code 0, no word.
        (
            '{"stellenangebote": [{"refnr": "1"}],\n "stellenangebote": []}',
            "deep.json:2: stellenangebote: key 'stellenangebote' appears more than once",
        ),
    ],
    ids=["deep", "repeated-key"],
)
def test_unreadable_ba_json_exits_2_naming_file_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "vacancies", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"passgenau: error: import refused, nothing was written:\n{tmp_path}/{message}\n"
