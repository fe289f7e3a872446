"""`passgenau eval heldout` on a small ESCO layout (lexical: no model), and fusion-grid's refusal to
choose settings on the reported split."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from matcher.cli import app
from training.retrieval.concepts import split_of

runner = CliRunner()


def _esco(root: Path) -> Path:
    test_ids = [f"occ{i}" for i in range(200) if split_of(f"occ{i}") == "test"][:2]
    rows = [
        (test_ids[0], "Koch/Köchin", ["Beikoch", "Küchenchef", "Speisenkoch"]),
        (test_ids[1], "Maurer/Maurerin", ["Hochbaumaurer", "Maurergeselle"]),
        ("occ0", "Bäcker/Bäckerin", ["Brotbäcker"]),
    ]
    for lang in ("de", "en"):
        (root / f"esco_{lang}").mkdir(parents=True)
        with open(root / f"esco_{lang}" / f"occupations_{lang}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["conceptUri", "preferredLabel", "altLabels"])
            for cid, pref, alts in rows:
                if lang == "en":
                    pref, alts = {"Koch/Köchin": ("cook", ["chef"]), "Maurer/Maurerin": ("mason", [])}.get(
                        pref, ("baker", [])
                    )
                w.writerow([f"http://data.europa.eu/esco/occupation/{cid}", pref, "\n".join(alts)])
    return root


def test_eval_heldout_prints_a_table_and_one_json_line(tmp_path: Path) -> None:
    data = _esco(tmp_path / "esco")
    out = tmp_path / "sets"
    args = ["--data-dir", str(tmp_path / "d"), "eval", "heldout", "--data", str(data), "--languages", "de,en"]
    result = runner.invoke(app, [*args, "--methods", "lexical", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.splitlines()[-1])
    assert last["split"] == "test" and last["model"] is None
    de = last["methods"]["lexical"]["de"]
    assert de["queries"] >= 2 and de["concepts"] == 2 and 0 < de["mrr"] <= 1
    assert {p.name for p in out.iterdir()} >= {
        "corpus.tsv",
        "queries_de.tsv",
        "qrels_de.txt",
        "queries_en.tsv",
    }


def test_fusion_grid_refuses_the_test_split(tmp_path: Path) -> None:
    data = _esco(tmp_path / "esco")
    args = ["--data-dir", str(tmp_path / "d"), "eval", "fusion-grid", "--data", str(data), "--split", "test"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "dev" in result.output
