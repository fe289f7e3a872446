"""The chosen pairs as list rows: explained and encoded in fixed parts that the engine may spread
over its processes.

Explaining a chosen pair (scoring it again with its terms, reasons, drivers, household effect) and
encoding its stored record are per pair: a row depends on its pair alone, not on the others of its
part. The parts are fixed ranges of ``ROWS_PER_PART`` rows of the sorted chosen pairs, the same
on every engine and process count; each part is one ``scorer.score(explain=True)`` batch, as the
whole list was one batch before (the batch size changes no row's bits:
``tests/matcher/nightly/test_rows.py``).

What a part hands back is small and flat, because it crosses a process boundary: per row the
stored row with its payload already JSON text (``EncodedNightlyRow``, written by the store as it
is) and the row's record for the list files (``output.COLUMNS``, a tuple). Pickling the payload
dicts themselves cost as much as making them (~0.1 ms a row), and the store's JSON column would
have encoded each payload once more in the one process that writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.nightly.batch_search import NightlyContext, explain
from matcher.nightly.output import details_record, record_of
from matcher.records import EncodedNightlyRow, NightlyRow

I64 = npt.NDArray[np.int64]

# Rows explained together: large enough that the batch's numpy calls dominate their overhead, small
# enough that the parts spread evenly over the processes (214,234 rows at 100,000 claimants: 53 parts).
ROWS_PER_PART = 4096


@dataclass(frozen=True, slots=True)
class ListRow:
    """One chosen pair as the run writes it: to the database, and to its case manager's files."""

    stored: EncodedNightlyRow
    record: tuple[Any, ...]  # the file columns, ``output.COLUMNS`` order

    def row(self) -> NightlyRow:
        return self.stored.decoded()


@dataclass(frozen=True)
class Part:
    """Rows ``lo:hi`` of the sorted chosen pairs: their ``Candidates.take`` columns and list ranks."""

    run_id: str
    chosen: dict[str, Any]
    rank_in_list: I64


def list_order(claimant: I64, rank: I64) -> I64:
    """The order of the chosen pairs in the lists: by claimant (id order), then the pipeline's rank."""
    return np.lexsort((rank, claimant))


def ranks_in_list(claimant: I64) -> I64:
    """1, 2, … within each claimant's run of a claimant-sorted array."""
    return np.arange(len(claimant), dtype=np.int64) - np.searchsorted(claimant, claimant) + 1


def parts(run_id: str, chosen: dict[str, Any], size: int | None = None) -> Iterator[Part]:
    """The sorted chosen pairs (``Candidates.take`` columns) in fixed parts of ``size`` rows
    (``ROWS_PER_PART``)."""
    size = size or ROWS_PER_PART
    ranks = ranks_in_list(np.asarray(chosen["claimant"]))
    n = len(ranks)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        yield Part(run_id, {k: v[lo:hi] for k, v in chosen.items()}, ranks[lo:hi])


def encode_part(ctx: NightlyContext, part: Part) -> list[ListRow]:
    """A part's rows: each pair explained as a lookup explains what it shows, its payload encoded."""
    chosen = part.chosen
    explanations = explain(ctx, chosen)
    model_version = ctx.scorer.model_version
    claimants, vacancies = ctx.claimants, ctx.vacancies.vacancies
    # Plain Python values: indexing numpy arrays one scalar at a time is what would make this slow.
    cpos, vpos = chosen["claimant"].tolist(), chosen["vacancy"].tolist()
    p_match, p_sustain = chosen["p_match"].tolist(), chosen["p_sustain"].tolist()
    similarity, depth = chosen["similarity"].tolist(), chosen["depth"].tolist()
    minutes, limit = chosen["commute_minutes"].tolist(), chosen["commute_limit"].tolist()
    distance, rank, score = chosen["distance_km"].tolist(), chosen["rank"].tolist(), chosen["score"].tolist()
    out: list[ListRow] = []
    for j, rank_in_list in enumerate(part.rank_in_list.tolist()):
        c, v = claimants[cpos[j]], vacancies[vpos[j]]
        payload = {
            "title": v.title,
            "employer": v.employer.name,
            "municipality": v.municipality,
            "p_match": round(p_match[j], 4),
            "p_sustain": round(p_sustain[j], 4),
            "similarity": round(similarity[j], 4),
            "match_depth": depth[j],
            "commute_minutes": round(minutes[j], 1),
            "commute_limit": limit[j],
            "distance_km": round(distance[j], 1),
            "hours_per_week": v.hours_per_week,
            "candidate_rank": rank[j],
            "model_version": model_version,
            "details": details_record(explanations[j]),
        }
        # One encoding, the text the old path stored: it made the details plain by a JSON round trip
        # (numpy numbers as floats, tuples as lists) and the column encoded the payload once more;
        # ``default=float`` does the same to the same values in one pass.
        text = json.dumps(payload, default=float)
        stored = EncodedNightlyRow(
            part.run_id, c.id, rank_in_list, v.id, c.jobcenter, c.case_manager, score[j], text
        )
        out.append(ListRow(stored, record_of(c.id, rank_in_list, v.id, score[j], payload)))
    return out
