"""The multilingual probe set: the shipped file is valid, the checks catch what they should, and the
metrics of ``evaluate_probe`` on a small taxonomy with the trigram embedder; ``passgenau eval probe``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.taxonomy import TitleEntry, TitleGrounder
from tests.fakes import TrigramEmbedder
from training.retrieval.multilingual import (
    LANGUAGES,
    PROBE_FILE,
    ProbeFileError,
    ProbeRow,
    evaluate_probe,
    read_probe,
    validate_probe,
)

KLDB = Path("/work/shared/data/kldb/kldb2010_v2020_gliederung.csv")


def _kldb_codes() -> set[str] | None:
    if not KLDB.exists():
        return None
    reader = csv.reader(io.StringIO(KLDB.read_text(encoding="utf-8-sig")), delimiter=";")
    next(reader)
    return {r[0].strip().zfill(5) for r in reader if len(r) > 1 and r[1].strip() == "5"}


def test_the_shipped_probe_set_is_valid() -> None:
    rows = read_probe(PROBE_FILE)
    assert len(rows) >= 110 and len({r.code for r in rows}) >= 110
    assert len({r.code[:1] for r in rows}) >= 8  # spread over the KldB Berufsbereiche
    assert validate_probe(rows, _kldb_codes()) == []


def _row(code: str = "51311", **titles: str) -> ProbeRow:
    base = {
        "de": "Lagerarbeiter",
        "en": "warehouse worker",
        "ar": "عامل مستودع",
        "uk": "працівник складу",
        "tr": "depo işçisi",
        "ru": "работник склада",
        "fa": "کارگر انبار",
    }
    return ProbeRow(code, "warehouse", base | titles)


def test_validate_names_every_problem() -> None:
    rows = [
        _row(),
        _row(
            "5131",
            de="Lagerhelfer",
            en="storeman",
            ar="",
            uk="працівник складy",
            tr="depocu",
            ru="кладовщик",
            fa="انباردار",
        ),
        _row(
            "99999",
            de="Kommissionierer",
            en="picker",
            ar="منتقي",
            uk="комплектувальник",
            tr="toplayıcı",
            ru="комплектовщик ї",
            fa="warehouse",
        ),
        _row(
            "51311", en="picker 2", ar="منتقي ٢", uk="підбирач", tr="depo işçisi", ru="сборщик", fa="جمع‌کننده"
        ),
        _row(
            "51312",
            de="Fachlagerist",
            en="storekeeper",
            ar="أمين مستودع",
            uk="объездчик",
            tr="depo sorumlusu",
            ru="кладовщик",
            fa="انبار دار",
        ),
    ]
    assert validate_probe(rows, {"51311", "51312"}) == [
        "row 3 (5131 Lagerhelfer): '5131' is not a five-digit KldB code",
        "row 3 (5131 Lagerhelfer): no ar title",
        "row 3 (5131 Lagerhelfer): uk title 'працівник складy' is not all in Cyrillic script",
        "row 4 (99999 Kommissionierer): 99999 is not a Berufsgattung of the KldB 2010",
        "row 4 (99999 Kommissionierer): ru title 'комплектовщик ї' has a Ukrainian-only letter",
        "row 4 (99999 Kommissionierer): fa title 'warehouse' is not all in Arabic script",
        "row 5 (51311 Lagerarbeiter): code and German title twice",
        "row 5 (51311 Lagerarbeiter): de title 'Lagerarbeiter' also in row 2 (51311 Lagerarbeiter)",
        "row 5 (51311 Lagerarbeiter): tr title 'depo işçisi' also in row 2 (51311 Lagerarbeiter)",
        "row 6 (51312 Fachlagerist): uk title 'объездчик' has a Russian-only letter",
        "row 6 (51312 Fachlagerist): ru title 'кладовщик' also in row 3 (5131 Lagerhelfer)",
    ]


def test_read_probe_refuses_another_header(tmp_path: Path) -> None:
    bad = tmp_path / "p.tsv"
    bad.write_text("kldb\tde\ten\n51311\tLager\twarehouse\n", encoding="utf-8")
    with pytest.raises(ProbeFileError, match="header must be"):
        read_probe(bad)


def _grounder() -> TitleGrounder:
    entries = [
        TitleEntry("51311", "Lagerhelfer", "curated"),
        TitleEntry("51311", "Lagerarbeiter", "curated"),
        TitleEntry("51312", "Fachkraft für Lagerlogistik", "curated"),
        TitleEntry("52122", "Berufskraftfahrer", "curated"),
        TitleEntry("52122", "LKW-Fahrer", "curated"),
        TitleEntry("29302", "Koch", "curated"),
    ]
    emb = TrigramEmbedder()
    vectors = emb.encode_passages([e.title for e in entries])
    return TitleGrounder(entries, vectors, emb.encode_queries, min_similarity=0.5, model_id=emb.model_id)


def test_evaluate_probe_scores_codes_groups_and_the_ratio_to_german() -> None:
    rows = [
        _row("51311", de="Lagerarbeiter", en="Lagerarbeiter in", ar="عامل مستودع"),
        _row("52122", de="LKW Fahrer", en="Fahrer", ar="سائق شاحنة"),
        _row("51313", de="Lager Spezialist", en="Lagerlogistik", ar="مستودع"),
        _row("29302", de="Koch", en="Köchin", ar="طباخ"),
    ]
    result = evaluate_probe(rows, _grounder(), ["de", "en", "ar"])
    assert result["rows"] == 4 and result["covered"] == 3
    de, en, ar = (result["languages"][x] for x in ("de", "en", "ar"))
    # German: the three covered codes come first; 51313 is not in the taxonomy, but its
    # Berufsgruppe 513 is the nearest (51311 Lagerarbeiter).
    assert (de["acc1"], de["acc5"], de["acc1_3"], de["acc5_3"]) == (0.75, 0.75, 1.0, 1.0)
    assert (en["acc1"], en["acc5"], en["acc1_3"], en["acc5_3"]) == (0.75, 0.75, 1.0, 1.0)
    # "Lagerarbeiter in" is grounded (above the floor 0.5), "Köchin" is found only below it.
    assert (de["grounded"], en["grounded"]) == (0.75, 0.5)
    # Arabic shares no trigram with any title; what it finds are hash collisions of the fake's 64
    # dimensions, never above the floor. Five ranks hold all four codes of the taxonomy.
    assert (ar["acc1"], ar["acc5"], ar["acc1_3"], ar["acc5_3"], ar["grounded"]) == (0.25, 0.75, 0.5, 1.0, 0.0)
    assert (ar["ratio_acc1"], ar["ratio_acc5"], de["ratio_acc5"]) == (0.3333, 1.0, 1.0)


def test_eval_probe_prints_a_table_and_one_json_line(monkeypatch: Any, tmp_path: Path) -> None:
    import matcher.cli.evaluation as evaluation

    monkeypatch.setattr(evaluation, "_embedder", lambda model: TrigramEmbedder())
    probe = tmp_path / "p.tsv"
    lines = PROBE_FILE.read_text(encoding="utf-8").splitlines()
    probe.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    args = [
        "--data-dir",
        str(tmp_path / "d"),
        "eval",
        "probe",
        "--taxonomy",
        "curated",
        "--probe",
        str(probe),
    ]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.splitlines()[-1])
    assert last["rows"] == 10 and last["taxonomy"] == "curated" and last["model"] == "trigram-64"
    assert set(last["languages"]) == set(LANGUAGES)
    assert last["languages"]["de"]["acc5"] > last["languages"]["ar"]["acc5"]
    bad = CliRunner().invoke(app, [*args[:4], "--taxonomy", "esco"])
    assert bad.exit_code == 2
