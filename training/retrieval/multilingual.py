"""The multilingual probe set: occupation titles in German and six claimant languages, grounded by
the product's grounder (``matcher.taxonomy.TitleGrounder``), scored per language.

The set (``training/retrieval/probe/titles.tsv``, its sources in the README beside it) has one
occupation per row: its five-digit KldB 2010 code, an area, and the title in ``de`` and in each of
``en ar uk tr ru fa`` as a person would write their job. Every title is grounded as a claimant's
wish is (``TitleGrounder.ranked``: nearest distinct codes, best first, ties by code) and scored:

* **Acc@k**: the row's code is among the first k distinct codes;
* **Acc@k (3-digit)**: a code of the row's Berufsgruppe (its first three digits) is among them;
* **grounded**: the row's code is among what the product stores for a wish (``TitleGrounder.nearest``:
  up to ``per_text`` codes above the similarity floor);
* **ratio**: a language's Acc@5 over the German Acc@5 of the same rows and grounder.

Rows whose code the taxonomy lacks (the curated list has about 125 codes) count as misses; ``covered``
says how many rows the taxonomy can answer at all.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

LANGUAGES = ("de", "en", "ar", "uk", "tr", "ru", "fa")
COLUMNS = ("kldb", "area", *LANGUAGES)
PROBE_FILE = Path(__file__).parent / "probe" / "titles.tsv"
KS = (1, 5)

# The script a title must be written in: the share of its letters in that script.
_SCRIPT = {"ar": "ARABIC", "fa": "ARABIC", "uk": "CYRILLIC", "ru": "CYRILLIC"}
_LATIN = ("de", "en", "tr")
_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")


class Grounder(Protocol):
    """What the probe needs of ``matcher.taxonomy.TitleGrounder``."""

    codes: Any

    def ranked(self, text: str, n: int, floor: float = -1.0) -> list[tuple[str, str, float]]: ...

    def nearest(self, text: str) -> list[tuple[str, str, float]]: ...


@dataclass(frozen=True, slots=True)
class ProbeRow:
    code: str
    area: str
    titles: Mapping[str, str]


class ProbeFileError(ValueError):
    pass


def read_probe(path: Path = PROBE_FILE) -> list[ProbeRow]:
    """The probe rows (TSV with the header ``kldb area de en ar uk tr ru fa``)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise ProbeFileError(f"{path}: header must be {' '.join(COLUMNS)}, not {header}")
        rows = []
        for line, cells in enumerate(reader, start=2):
            if len(cells) != len(COLUMNS):
                raise ProbeFileError(f"{path}:{line}: {len(cells)} fields, expected {len(COLUMNS)}")
            rec = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
            rows.append(ProbeRow(rec["kldb"], rec["area"], {lang: rec[lang] for lang in LANGUAGES}))
    return rows


def _letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c).startswith("L")]


def _script_share(text: str, script: str) -> float:
    letters = _letters(text)
    if not letters:
        return 0.0
    return sum(unicodedata.name(c, "").startswith(script) for c in letters) / len(letters)


def validate_probe(rows: Sequence[ProbeRow], kldb_codes: Iterable[str] | None = None) -> list[str]:
    """Problems of the set, empty if none: codes of five digits (and in ``kldb_codes`` when given),
    every language filled, Arabic script for ar/fa, Cyrillic for uk/ru (and no letter only the other
    language has), Latin for de/en/tr, no title twice within a language, no code–German pair twice."""
    known = None if kldb_codes is None else set(kldb_codes)
    problems: list[str] = []
    seen: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    pairs: set[tuple[str, str]] = set()
    for i, row in enumerate(rows, start=2):
        where = f"row {i} ({row.code} {row.titles.get('de', '')})"
        if not (len(row.code) == 5 and row.code.isdigit()):
            problems.append(f"{where}: {row.code!r} is not a five-digit KldB code")
        elif known is not None and row.code not in known:
            problems.append(f"{where}: {row.code} is not a Berufsgattung of the KldB 2010")
        if not row.area:
            problems.append(f"{where}: no area")
        if (row.code, row.titles.get("de", "").casefold()) in pairs:
            problems.append(f"{where}: code and German title twice")
        pairs.add((row.code, row.titles.get("de", "").casefold()))
        for lang in LANGUAGES:
            title = row.titles.get(lang, "")
            if not title:
                problems.append(f"{where}: no {lang} title")
                continue
            script = _SCRIPT.get(lang, "LATIN")
            if _script_share(title, script) < 0.999:
                problems.append(f"{where}: {lang} title {title!r} is not all in {script.title()} script")
            if lang == "uk" and _RUSSIAN_ONLY & set(title):
                problems.append(f"{where}: uk title {title!r} has a Russian-only letter")
            if lang == "ru" and _UKRAINIAN_ONLY & set(title):
                problems.append(f"{where}: ru title {title!r} has a Ukrainian-only letter")
            key = title.casefold()
            if key in seen[lang]:
                problems.append(f"{where}: {lang} title {title!r} also in {seen[lang][key]}")
            seen[lang][key] = where
    return problems


def evaluate_probe(
    rows: Sequence[ProbeRow], grounder: Grounder, languages: Sequence[str] = LANGUAGES
) -> dict[str, Any]:
    """``{"rows", "covered", "languages": {lang: {acc1, acc5, acc1_3, acc5_3, grounded, ratio_acc5,
    ratio_acc1}}}`` over all rows; German first (the ratios are to German)."""
    langs = ["de", *[x for x in languages if x != "de"]]
    available = {str(c) for c in grounder.codes}
    depth = max(KS)
    per: dict[str, dict[str, float]] = {}
    for lang in langs:
        hits = {f"acc{k}": 0 for k in KS} | {f"acc{k}_3": 0 for k in KS} | {"grounded": 0}
        for row in rows:
            codes = [c for c, _, _ in grounder.ranked(row.titles[lang], depth)]
            for k in KS:
                hits[f"acc{k}"] += row.code in codes[:k]
                hits[f"acc{k}_3"] += any(c[:3] == row.code[:3] for c in codes[:k])
            hits["grounded"] += row.code in {c for c, _, _ in grounder.nearest(row.titles[lang])}
        n = len(rows)
        per[lang] = {key: round(v / n, 4) if n else 0.0 for key, v in hits.items()}
    for lang in langs:
        for k in KS:
            base = per["de"][f"acc{k}"]
            per[lang][f"ratio_acc{k}"] = round(per[lang][f"acc{k}"] / base, 4) if base else 0.0
    return {
        "rows": len(rows),
        "covered": sum(row.code in available for row in rows),
        "languages": per,
    }


def format_probe(result: Mapping[str, Any]) -> str:
    """The table (one line per language), then the JSON line."""
    head = ["lang", "Acc@1", "Acc@5", "Acc@1/3", "Acc@5/3", "grounded", "@5/de", "@1/de"]
    keys = ["acc1", "acc5", "acc1_3", "acc5_3", "grounded", "ratio_acc5", "ratio_acc1"]
    lines = [
        f"multilingual probe, {result['rows']} titles per language, {result['covered']} of their codes in "
        f"the taxonomy ({result.get('taxonomy', '?')}, {result.get('titles', '?')} titles), "
        f"model {result.get('model', '?')}",
        "  ".join(f"{h:>8}" for h in head),
    ]
    for lang, m in result["languages"].items():
        lines.append("  ".join(f"{c:>8}" for c in [lang, *(f"{m[k]:.4f}" for k in keys)]))
    lines.append(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines)
