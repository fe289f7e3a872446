"""A synthetic region stored for the key figures, with shown-suggestion records whose outcomes are in.

The generator's history holds proposals and placements but no shown suggestions, so this builds
them: for each history claimant's first proposal (the only one whose hire is a plain Bernoulli draw
with the generator's true P(hire): later ones depend on earlier hires), a shown suggestion carrying
the truth's P(hire) (0 where the generator found the vacancy's openings already filled) and
P(sustainable) as ``p_match`` / ``p_sustain``, written through the store's
``add_lookup`` (the port the lookups use case writes lists with), and its "proposed" action (and
"hired" when the generator hired) through ``add_action`` (the port of the proposals use case). The
use case itself stamps actions with the clock; a history needs the proposal's own date, so the
fixture writes through the same ports with that date. History claimants go into the register as
inactive (they left it), so their proposals and placements are attributed to their team. A nightly
run with lists for the current claimants completes the records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np

import training.synthetic.truth as T
from matcher.domain import FeedbackAction
from matcher.records import NightlyRow, NightlyRun, ShownSuggestion, SuggestionAction
from matcher.store import Store
from training.synthetic import Region, generate_region

SEED = 17
LIST_SIZE = 100


@dataclass
class StoredRegion:
    region: Region
    store: Store
    as_of: date
    shown: list[ShownSuggestion]  # as given to the store, with the truth's probabilities
    nightly: NightlyRun
    nightly_rows: list[NightlyRow]
    url: str = ""  # the database's, for the command line


def at(d: date) -> datetime:
    return datetime.combine(d, time(9, 0), tzinfo=UTC)


def build(data_dir: Path, claimants: int = 300, vacancies: int = 150, placements: int = 1000) -> StoredRegion:
    region = generate_region(SEED, claimants, vacancies, placements=placements)
    url = f"sqlite:///{data_dir / 'kz.sqlite'}"
    return replace(populate(Store.open(url), region), url=url)


def populate(store: Store, region: Region) -> StoredRegion:
    """Store the region (records, history, shown suggestions with actions, a nightly run)."""
    store.upsert_vacancies(region.vacancies)
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    store.upsert_claimants(
        [
            (replace(c, active=False), p)
            for c, p in zip(region.history_claimants, region.history_protected, strict=True)
        ]
    )
    store.upsert_outcomes(region.outcomes)
    store.upsert_proposals(region.proposals)

    hc = {c.id: i for i, c in enumerate(region.history_claimants)}
    hv = {v.id: i for i, v in enumerate(region.history_vacancies)}
    # Replay the generator's order (its proposals list is in the order it decided hires) to know
    # whether a first proposal's vacancy still had an opening: if not, its true P(hire) was 0.
    openings = {v.id: v.openings for v in region.history_vacancies}
    used: dict[str, int] = {}
    firsts, room = {}, {}
    for p in region.proposals:
        if p.claimant_id not in firsts:
            firsts[p.claimant_id] = p
            room[p.claimant_id] = used.get(p.vacancy_id, 0) < openings[p.vacancy_id]
        if p.hired:
            used[p.vacancy_id] = used.get(p.vacancy_id, 0) + 1
    pairs = np.array([(hc[p.claimant_id], hv[p.vacancy_id]) for p in firsts.values()], np.int64)
    ph = T.true_p_hire(region.history_claimants, region.history_vacancies, pairs)
    ph = np.where([room[c] for c in firsts], ph, 0.0)
    psu = T.true_p_sustain(region.history_claimants, region.history_vacancies, pairs)
    shown: list[ShownSuggestion] = []
    items = list(zip(firsts.values(), ph, psu, strict=True))
    # Lists of up to LIST_SIZE suggestions (a vacancy's candidates may name many claimants): one
    # audit entry per list keeps the fixture fast.
    for k0 in range(0, len(items), LIST_SIZE):
        batch = items[k0 : k0 + LIST_SIZE]
        _add_list(store, region, hc, k0, batch, shown)

    as_of = region.reference_date
    as_of = region.reference_date
    run = NightlyRun(
        "run-1", at(as_of - timedelta(days=3)), at(as_of - timedelta(days=3)), "complete",
        {"congestion": {"before": {"max_exposure": 40, "gini_exposure": 0.61, "share_unseen": 0.3,
                                   "expected_lasting": 88.5},
                        "after": {"max_exposure": 9, "gini_exposure": 0.42, "share_unseen": 0.12,
                                  "expected_lasting": 84.25}}},
    )  # fmt: skip
    rows = []
    for i, c in enumerate(region.claimants):
        for rank in range(1 + i % 3):
            v = region.vacancies[(i + rank) % len(region.vacancies)]
            rows.append(NightlyRow("run-1", c.id, rank + 1, v.id, c.jobcenter, c.case_manager,
                                   0.01 * (1 + (i + rank) % 17), {"p_match": 0.05 * (1 + i % 7)}))  # fmt: skip
    run.manifest["by_unit"] = by_unit_of(region, rows)
    store.save_nightly_run(run, rows)
    # A run that never finished: its lists must not count.
    unfinished = NightlyRun("run-0", at(as_of - timedelta(days=4)), None, "running", {})
    store.save_nightly_run(unfinished, [replace(r, run_id="run-0") for r in rows[:50]])
    return StoredRegion(region, store, as_of, shown, run, rows)


def by_unit_of(region: Region, rows: list[NightlyRow]) -> list[dict]:
    """A manifest's ``by_unit`` for the fixture's run: the allocated lists are the rows; the
    unconstrained ones (which the fixture does not store) would have brought a made-up 0.004 more
    lasting placements and 0.01 more hires per claimant of every third case manager."""
    units: dict[tuple[str, str, str], dict] = {}
    for c in region.claimants:
        u = units.setdefault((c.jobcenter, c.team, c.case_manager), {
            "jobcenter": c.jobcenter, "team": c.team, "case_manager": c.case_manager, "claimants": 0,
            "without": {"listed": 0, "expected_hires": 0.0, "expected_lasting": 0.0},
            "with": {"listed": 0, "expected_hires": 0.0, "expected_lasting": 0.0}})  # fmt: skip
        u["claimants"] += 1
        mine = [r for r in rows if r.claimant_id == c.id]
        extra = sum(map(ord, c.case_manager)) % 3 == 0
        for side, more in (("with", 0.0), ("without", 1.0 if extra else 0.0)):
            u[side]["listed"] += bool(mine)
            u[side]["expected_hires"] += sum(r.payload["p_match"] for r in mine) + 0.01 * more
            u[side]["expected_lasting"] += sum(r.score for r in mine) + 0.004 * more
    return [units[k] for k in sorted(units)]


def _add_list(store: Store, region: Region, hc: dict[str, int], k0: int, batch: list, shown: list) -> None:
    given = []
    for j, (p, a, b) in enumerate(batch):
        k = k0 + j
        listed = p.proposed - timedelta(days=k % 23)  # the list came some days before the proposal
        given.append(ShownSuggestion(
            id="", lookup_id=0, kind="candidates", claimant_id=p.claimant_id, vacancy_id=p.vacancy_id,
            jobcenter=region.history_claimants[hc[p.claimant_id]].jobcenter, rank=j + 1,
            similarity=0.5, p_match=float(a), p_sustain=float(b), score=float(a * b),
            model_version="truth", index_version="idx", embedder_id=None, shown_at=at(listed),
        ))  # fmt: skip
    _, stored = store.add_lookup(
        who="fixture", action="lookup", claimant_id=None, model_version="truth",
        index_version="idx", payload={}, shown=given,
    )  # fmt: skip
    for (p, _, _), s in zip(batch, stored, strict=True):
        for action, day in [(FeedbackAction.PROPOSED, p.proposed)] + (
            [(FeedbackAction.HIRED, p.proposed + timedelta(days=7))] if p.hired else []
        ):
            store.add_action(
                SuggestionAction(None, s.id, p.claimant_id, p.vacancy_id, action, "fm-test", at(day), "truth",
                                 confirmed_by="fm-test" if action is FeedbackAction.PROPOSED else None)
            )  # fmt: skip
        shown.append(s)
