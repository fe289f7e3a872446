"""The nightly lists as files: per case manager CSV, Parquet and a printable HTML page, and the manifest.

Everything is written into a staging folder that replaces ``lists/`` only when complete, and every
single file (manifest, checkpoints) is written under a temporary name and renamed: a reader sees a
run's old files or its new ones, never half of them. The bytes depend only on the lists, not on
when or how often they were written, so a resumed run writes the same files.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from matcher.csv_cells import safe_cell
from matcher.explain import Explanation
from matcher.files import write_atomic
from matcher.household import HouseholdEffect
from matcher.store import NightlyRow

COLUMNS = (
    "claimant_id",
    "rank",
    "vacancy_id",
    "title",
    "employer",
    "municipality",
    "score",
    "p_match",
    "p_sustain",
    "similarity",
    "commute_minutes",
    "hours_per_week",
    "reasons",
)

_SAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def atomic_write_json(path: Path, obj: Any) -> None:
    write_atomic(path, (json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n").encode())


# The household effect's fields are plain numbers and text: a shallow dict equals dataclasses.asdict,
# whose recursive copy was 0.4 s (profiled) of a 3,000-claimant nightly run's 9,000 rows.
_HOUSEHOLD_KEYS = tuple(f.name for f in fields(HouseholdEffect))
_household_values = attrgetter(*_HOUSEHOLD_KEYS)
_DRIVER_KEYS = ("feature", "label", "value", "contribution")
_driver_values = attrgetter(*_DRIVER_KEYS)


def details_record(e: Explanation) -> dict[str, Any]:
    """A nightly row's stored explanation (``payload["details"]``), with the keys rows always had.

    The logit terms themselves are not stored (the drivers and the logit are); drivers carry no unit,
    so that stored rows and their readers stay as they were.
    """
    d: dict[str, Any] = {
        "model_version": e.model_version,
        "filters": list(e.filters_passed),
        "commute": {"minutes": round(e.commute.minutes, 1), "limit": e.commute.limit, "mode": e.commute.mode},
        "household": dict(zip(_HOUSEHOLD_KEYS, _household_values(e.household), strict=True)),
        "reasons": e.reason_texts,
    }
    if e.sustain_logit is not None:
        d["drivers"] = {
            "positive": [dict(zip(_DRIVER_KEYS, _driver_values(x), strict=True)) for x in e.drivers_up],
            "negative": [dict(zip(_DRIVER_KEYS, _driver_values(x), strict=True)) for x in e.drivers_down],
        }
        d["sustain_logit"] = e.sustain_logit
        d["base_logit"] = e.base_logit
    return d


def record_of(
    claimant_id: str, rank: int, vacancy_id: str, score: float, p: dict[str, Any]
) -> tuple[Any, ...]:
    """A list row's file columns (``COLUMNS`` order) from its payload."""
    return (
        claimant_id,
        rank,
        vacancy_id,
        p.get("title", ""),
        p.get("employer", ""),
        p.get("municipality", ""),
        round(score, 4),
        p.get("p_match"),
        p.get("p_sustain"),
        p.get("similarity"),
        p.get("commute_minutes"),
        p.get("hours_per_week"),
        "; ".join(p.get("details", {}).get("reasons", [])),
    )


def record(row: NightlyRow) -> dict[str, Any]:
    return dict(
        zip(
            COLUMNS, record_of(row.claimant_id, row.rank, row.vacancy_id, row.score, row.payload), strict=True
        )
    )


def _csv(records: Sequence[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    # RFC 4180 line ends: Python 3.11's writer quotes a cell holding a CR only when the line end has
    # one, and an unquoted CR would split the row in a spreadsheet.
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows({k: safe_cell(v) for k, v in r.items()} for r in records)
    return buf.getvalue().encode("utf-8")


def _parquet(records: Sequence[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("claimant_id", pa.string()),
            ("rank", pa.int16()),
            ("vacancy_id", pa.string()),
            ("title", pa.string()),
            ("employer", pa.string()),
            ("municipality", pa.string()),
            ("score", pa.float64()),
            ("p_match", pa.float64()),
            ("p_sustain", pa.float64()),
            ("similarity", pa.float64()),
            ("commute_minutes", pa.float64()),
            ("hours_per_week", pa.float64()),
            ("reasons", pa.string()),
        ]
    )
    table = pa.Table.from_pylist(list(records), schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _html(jobcenter: str, case_manager: str, run_id: str, records: Sequence[dict[str, Any]]) -> bytes:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="de"><head><meta charset="utf-8">',
        f"<title>Vorschläge {e(case_manager)} – Lauf {e(run_id)}</title>",
        "<style>body{font:11pt sans-serif;margin:1.5cm}h2{page-break-before:always;font-size:12pt}"
        "h2:first-of-type{page-break-before:avoid}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
        "small{color:#555}@media print{a{color:inherit}}</style></head><body>",
        f"<h1>Vermittlungsvorschläge – {e(jobcenter)} / {e(case_manager)}</h1>",
        f"<p><small>Lauf {e(run_id)}</small></p>",
    ]
    current = None
    for r in records:
        if r["claimant_id"] != current:
            if current is not None:
                parts.append("</table>")
            current = r["claimant_id"]
            parts.append(f"<h2>Kundin/Kunde {e(str(current))}</h2>")
            parts.append(
                "<table><tr><th>#</th><th>Stelle</th><th>Arbeitgeber, Ort</th>"
                "<th>Erfolgsaussicht</th><th>Gründe</th></tr>"
            )
        parts.append(
            f"<tr><td>{r['rank']}</td><td>{e(str(r['title']))}<br><small>{e(str(r['vacancy_id']))}"
            f"</small></td><td>{e(str(r['employer']))}, {e(str(r['municipality']))}</td>"
            f"<td>{_percent_de(r['score'])}</td><td>{e(str(r['reasons']))}</td></tr>"
        )
    if current is not None:
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _percent_de(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def _name(part: str) -> str:
    return _SAFE.sub("_", part) or "_"


def group_by_case_manager(rows: Sequence[NightlyRow]) -> dict[tuple[str, str], list[NightlyRow]]:
    groups: dict[tuple[str, str], list[NightlyRow]] = {}
    for r in rows:
        groups.setdefault((r.jobcenter, r.case_manager), []).append(r)
    return groups


def write_lists(
    run_dir: Path,
    run_id: str,
    rows: Sequence[NightlyRow],
    *,
    html_pages: bool = True,
    on_file: Callable[[int], None] | None = None,
) -> list[str]:
    """Write ``run_dir/lists/<jobcenter>/<case manager>.{csv,parquet,html}``; return the file names.

    ``rows`` must be sorted by claimant and rank. ``on_file(i)`` is called after the i-th file
    (the kill points of the resume test).
    """
    groups = {
        key: [tuple(record(r).values()) for r in group] for key, group in group_by_case_manager(rows).items()
    }
    return write_records(run_dir, run_id, groups, html_pages=html_pages, on_file=on_file)


@dataclass(frozen=True)
class ListGroup:
    """One case manager's rows as file records (``COLUMNS`` order), sorted by claimant and rank."""

    run_id: str
    jobcenter: str
    case_manager: str
    records: list[tuple[Any, ...]]
    html_pages: bool = True


def list_files(group: ListGroup) -> list[tuple[str, bytes]]:
    """A case manager's files (suffix, bytes): CSV, Parquet and, unless switched off, the HTML page.
    Their bytes depend on the records alone (any process may make them)."""
    records = [dict(zip(COLUMNS, r, strict=True)) for r in group.records]
    outputs = [(".csv", _csv(records)), (".parquet", _parquet(records))]
    if group.html_pages:
        outputs.append((".html", _html(group.jobcenter, group.case_manager, group.run_id, records)))
    return outputs


def write_records(
    run_dir: Path,
    run_id: str,
    groups: dict[tuple[str, str], list[tuple[Any, ...]]],
    *,
    html_pages: bool = True,
    on_file: Callable[[int], None] | None = None,
    make: Callable[[list[ListGroup]], Iterable[list[tuple[str, bytes]]]] | None = None,
) -> list[str]:
    """``write_lists`` of the rows' file records (``COLUMNS`` order), grouped by (jobcenter, case
    manager), each group sorted by claimant and rank. ``make``: ``list_files`` of every group, in
    order (the runner's engine makes them in its processes); this process writes them."""
    staging = run_dir / "lists.staging"
    final = run_dir / "lists"
    old = run_dir / "lists.old"
    for stale in (staging, old):
        if stale.exists():
            shutil.rmtree(stale)
    staging.mkdir(parents=True)
    written: list[str] = []
    todo = [ListGroup(run_id, jc, cm, records, html_pages) for (jc, cm), records in sorted(groups.items())]
    made = make(todo) if make is not None else map(list_files, todo)
    for group, outputs in zip(todo, made, strict=True):
        base = staging / _name(group.jobcenter) / _name(group.case_manager)
        for suffix, data in outputs:
            path = base.parent / f"{base.name}{suffix}"
            write_atomic(path, data)
            written.append(str(path.relative_to(staging)))
            if on_file is not None:
                on_file(len(written))
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    if old.exists():
        shutil.rmtree(old)
    return sorted(written)
