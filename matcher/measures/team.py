"""The nightly demand table: per team, how many claimants each measure would help most.

A claimant counts once, under the measure the Förderempfehlung offers first (the largest gain), or
under "none" when no measure is offered; a team lead reads it as the demand to buy courses for.
Cells under ``min_cell`` claimants are suppressed ("< 5"), zero included, as in the key figures
("none of the 7" says something about each of them), so that no cell points at a person. A row
with exactly one such cell would give it away as the team's total minus the others: there the
smallest shown cell is blanked too ("x").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NONE = "none"
BLANKED = "x"  # a cell hidden so that a small one cannot be computed from the row's total


@dataclass(frozen=True)
class TeamRow:
    jobcenter: str
    team: str
    claimants: int | str  # "< 5" when suppressed
    cells: tuple[int | str, ...]  # per measure key (``TeamTable.keys``), then "none"


@dataclass(frozen=True)
class TeamTable:
    keys: tuple[str, ...]  # measure keys in the table's order, then "none"
    labels: tuple[str, ...]  # their German labels
    rows: tuple[TeamRow, ...]
    min_cell: int


def _cell(n: int, min_cell: int) -> int | str:
    return n if n >= min_cell else f"< {min_cell}"


def _cells(counts: Sequence[int], min_cell: int) -> tuple[int | str, ...]:
    cells = [_cell(n, min_cell) for n in counts]
    small = [i for i, n in enumerate(counts) if n < min_cell]
    if len(small) == 1:
        shown = [i for i, n in enumerate(counts) if n >= min_cell]
        cells[min(shown, key=lambda i: (counts[i], i))] = BLANKED
    return tuple(cells)


def team_table(
    best: Iterable[tuple[str, str, str | None]],
    keys: Sequence[str],
    labels: Sequence[str],
    *,
    min_cell: int,
) -> TeamTable:
    """``best``: (jobcenter, team, best measure key or None) per claimant; rows by Jobcenter and team."""
    all_keys = (*keys, NONE)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for jobcenter, team, key in best:
        row = counts.setdefault((jobcenter, team), dict.fromkeys(all_keys, 0))
        row[key if key is not None else NONE] += 1
    rows = tuple(
        TeamRow(
            jobcenter=jc,
            team=team,
            claimants=_cell(sum(row.values()), min_cell),
            cells=_cells([row[k] for k in all_keys], min_cell),
        )
        for (jc, team), row in sorted(counts.items())
    )
    return TeamTable(all_keys, (*labels, "keine Maßnahme empfohlen"), rows, min_cell)
