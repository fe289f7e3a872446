"""Writing a region: the CSV files the importer reads and truth.json."""

from __future__ import annotations

import csv
import json
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from matcher.codec import (
    CLAIMANT_COLUMNS,
    OUTCOME_COLUMNS,
    PROPOSAL_COLUMNS,
    PROTECTED_COLUMNS,
    VACANCY_COLUMNS,
    claimant_to_row,
    outcome_to_row,
    proposal_to_row,
    vacancy_to_row,
)
from matcher.csv_cells import safe_cell
from matcher.domain import (
    Claimant,
    ProtectedAttributes,
)
from training.synthetic.region import Region
from training.synthetic.summary import summary

log = logging.getLogger(__name__)


def _write_csv(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([safe_cell(r.get(k, "")) for k in header])
    os.replace(tmp, path)


def write_region(region: Region, out_dir: Path) -> dict[str, Any]:
    """Write the region's CSV files and truth.json into ``out_dir`` (each written to a temporary name
    and renamed into place). Returns {"files": {name: rows}, "summary": summary(region)}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    claimant_header = CLAIMANT_COLUMNS + PROTECTED_COLUMNS
    files: dict[str, int] = {}

    def claimants_rows(cs: list[Claimant], ps: list[ProtectedAttributes]) -> list[dict[str, str]]:
        pairs = sorted(zip(cs, ps, strict=True), key=lambda cp: cp[0].id)
        return [claimant_to_row(c, p) for c, p in pairs]

    jobs = [
        ("claimants.csv", claimant_header, claimants_rows(region.claimants, region.protected)),
        (
            "vacancies.csv",
            VACANCY_COLUMNS,
            [vacancy_to_row(v) for v in sorted(region.vacancies, key=lambda v: v.id)],
        ),
        (
            "outcomes.csv",
            OUTCOME_COLUMNS,
            [outcome_to_row(o) for o in sorted(region.outcomes, key=lambda o: o.id)],
        ),
        (
            "proposals.csv",
            PROPOSAL_COLUMNS,
            [proposal_to_row(p) for p in sorted(region.proposals, key=lambda p: p.id)],
        ),
        (
            "history_claimants.csv",
            claimant_header,
            # Former claimants and closed vacancies: in the register, never in today's lists.
            claimants_rows(
                [replace(c, active=False) for c in region.history_claimants], region.history_protected
            ),
        ),
        (
            "history_vacancies.csv",
            VACANCY_COLUMNS,
            [
                vacancy_to_row(replace(v, filled=True))
                for v in sorted(region.history_vacancies, key=lambda v: v.id)
            ],
        ),
    ]
    for name, header, rows in jobs:
        _write_csv(out_dir / name, header, rows)
        files[name] = len(rows)
    info = summary(region)
    doc = {**region.params, "realised": info, "files": files}
    tmp = out_dir / ".truth.json.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "truth.json")
    log.info("wrote region seed=%s to %s", region.seed, out_dir)
    return {"files": files, "summary": info}
