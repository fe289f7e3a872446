"""The placement history: historic claimants and vacancies, proposals, hires and outcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

import training.synthetic.truth as T
from matcher.domain import (
    Claimant,
    Contract,
    Outcome,
    Proposal,
    ProtectedAttributes,
    Vacancy,
    to_dict,
)
from training.synthetic.claimants import make_claimants
from training.synthetic.places import (
    HOME_PLACES,
    PLACES,
)
from training.synthetic.truth_inputs import K
from training.synthetic.vacancies import make_vacancies

HISTORY_MONTHS = (48, 12)  # placements start in [ref − 48 months, ref − 12 months]
SHARE_ENDING_EARLY = 0.74  # among unsustained placements not ended by their contract: end < 6 months


def months_before(ref: date, months: int) -> date:
    y, m = divmod(ref.year * 12 + ref.month - 1 - months, 12)
    return date(y, m + 1, min(ref.day, 28))


_HOME_INDEX = {(p.postcode, p.name): i for i, p in enumerate(HOME_PLACES)}
_PLACE_INDEX = {(p.postcode, p.name): i for i, p in enumerate(PLACES)}


def _place_km() -> np.ndarray:
    hl = np.array([[p.lat, p.lon] for p in HOME_PLACES])
    pl = np.array([[p.lat, p.lon] for p in PLACES])
    return T.straight_km(hl[:, None, 0], hl[:, None, 1], pl[None, :, 0], pl[None, :, 1])


def _propose(
    rng: np.random.Generator,
    hc: list[Claimant],
    latent: list[tuple[str, ...]],
    hv: list[Vacancy],
    bucket_of: np.ndarray,
    n_buckets: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Case-manager proposals: mostly vacancies in the claimant's target occupations close to home and
    open at the time, some in related occupations, ~15 % at random. Returns claimant idx, vacancy idx,
    proposal day offsets (days after the vacancy was posted)."""
    n, slots, from_groups = len(hc), 48, 32
    km = _place_km()
    vplace = np.array([_PLACE_INDEX[(v.postcode, v.municipality)] for v in hv])
    vcode = np.array([int(v.kldb) if v.kldb else -1 for v in hv])
    vlevel = np.array([int(v.skill_level) for v in hv])
    # vacancies sorted by (bucket, 2-digit occupation area): contiguous groups
    g2 = vcode // 1000
    order = np.lexsort((np.arange(len(hv)), g2, bucket_of))
    keys = bucket_of[order] * 1000 + g2[order]
    uniq, start, size = np.unique(keys, return_index=True, return_counts=True)
    gid = {int(k): j for j, k in enumerate(uniq.tolist())}
    b_start = np.searchsorted(bucket_of[order], np.arange(n_buckets))
    b_size = np.searchsorted(bucket_of[order], np.arange(n_buckets), side="right") - b_start
    r = rng.random((n, 3))
    bucket = np.minimum((r[:, 0] * n_buckets).astype(np.int64), n_buckets - 1)
    codes = np.full((n, K), -1, np.int64)
    groups = np.full((n, K), -1, np.int64)
    for i, lat in enumerate(latent):
        for k, x in enumerate(lat[:K]):
            codes[i, k] = int(x)
            groups[i, k] = gid.get(int(bucket[i]) * 1000 + int(x) // 1000, -1)
    # candidate slots: most from the claimant's occupation areas, the rest anywhere in the bucket
    u = rng.random((n, slots, 2))
    which = groups[np.arange(n)[:, None], np.minimum((u[:, :, 0] * K).astype(np.int64), K - 1)]
    which = np.where(np.arange(slots)[None, :] < from_groups, which, -1)
    has = which >= 0
    g = np.where(has, which, 0)
    pos_g = start[g] + np.minimum((u[:, :, 1] * size[g]).astype(np.int64), size[g] - 1)
    bs, bz = b_start[bucket][:, None], np.maximum(b_size[bucket][:, None], 1)
    pos_b = bs + np.minimum((u[:, :, 1] * bz).astype(np.int64), bz - 1)
    cand = order[np.where(has, pos_g, pos_b)]
    vc = vcode[cand]
    aff = np.full(cand.shape, 0.015)
    for k in range(K):
        ck = codes[:, k : k + 1]
        ok = ck >= 0
        a_k = np.where(
            ck // 10 == vc // 10,
            1.0,
            np.where(ck // 100 == vc // 100, 0.35, np.where(ck // 1000 == vc // 1000, 0.1, 0.015)),
        )
        aff = np.maximum(aff, np.where(ok, a_k, 0.015))
    skill = np.array([int(c.skill_level) for c in hc])[:, None]
    aff = np.where(vc < 0, 0.2, aff) * np.where(vlevel[cand] > skill, 0.3, 1.0)
    home = np.array([_HOME_INDEX[(c.postcode, c.municipality)] for c in hc])[:, None]
    car = np.array([c.has_car for c in hc])[:, None]
    w = aff * (np.exp(-km[home, vplace[cand]] / np.where(car, 25.0, 12.0)) + 0.01)
    gumbel = -np.log(-np.log(rng.random(cand.shape)))
    rank = np.argsort(-(np.log(w) + gumbel), axis=1, kind="stable")
    n_picks = np.minimum(1 + (-np.log1p(-r[:, 1]) * 4.0).astype(np.int64), 12)
    picked = np.take_along_axis(cand, rank, axis=1)
    take = np.arange(slots)[None, :] < n_picks[:, None]
    # a proposal at random, as happens: replace the last pick of ~15 % of claimants
    rnd = r[:, 2] < 0.15
    last = np.clip(n_picks - 1, 0, slots - 1)
    rand_pos = b_start[bucket] + np.minimum(
        (r[:, 2] / 0.15 * b_size[bucket]).astype(np.int64), b_size[bucket] - 1
    )
    picked[np.flatnonzero(rnd), last[rnd]] = order[rand_pos[rnd]]
    ci_all = np.broadcast_to(np.arange(n)[:, None], picked.shape)[take]
    vi_all = picked[take]
    pair = np.unique(ci_all * len(hv) + vi_all)  # sorted by claimant, deduplicated
    ci, vi = pair // len(hv), pair % len(hv)
    lag = rng.integers(3, 41, size=ci.size)
    return ci, vi, lag


def make_history(
    rng: np.random.Generator,
    n_placements: int,
    ref: date,
    sustain_for: Callable[[Sequence[Vacancy]], T.SustainFn] | None = None,
) -> tuple[
    list[Claimant], list[ProtectedAttributes], list[Vacancy], list[Outcome], list[Proposal], np.ndarray
]:
    """Historic claimants, their protected attributes, historic vacancies, the placements (outcomes), the
    proposals behind them and the true P(sustain) of each placement (module doc).

    ``sustain_for`` swaps the outcome truth (an evaluation-only generator): given the historic
    vacancies it returns their P(sustain) function; default the project's ``truth.p_sustain_arrays``.
    It draws nothing from ``rng``, so the records and proposals stay those of the same seed."""
    lo, hi = months_before(ref, HISTORY_MONTHS[0]), months_before(ref, HISTORY_MONTHS[1])
    posted_lo, posted_hi = lo - timedelta(days=30), hi - timedelta(days=85)
    n_hv = max(2000, n_placements)
    hv = make_vacancies(rng, n_hv, "H-V", "H-E", posted_lo, posted_hi)
    n_buckets = max(1, (posted_hi - posted_lo).days // 91)
    bucket_of = np.array(
        [
            min((v.posted - posted_lo).days * n_buckets // ((posted_hi - posted_lo).days + 1), n_buckets - 1)
            for v in hv
        ]
    )
    va = T.vacancy_arrays(hv)
    p_sustain = T.p_sustain_arrays if sustain_for is None else sustain_for(hv)
    hc: list[Claimant] = []
    hp: list[ProtectedAttributes] = []
    placements: list[tuple[int, int, date]] = []  # (claimant idx, vacancy idx, proposal date)
    proposals: list[tuple[int, int, date, bool]] = []
    used = np.zeros(len(hv), np.int64)
    openings = np.array([v.openings for v in hv])
    posted_ord = np.array([v.posted.toordinal() for v in hv], np.int64)
    ps_parts: list[np.ndarray] = []
    ratio_parts: list[np.ndarray] = []
    chunk = int(n_placements / 0.7) + 50
    while len(placements) < n_placements:
        if hc:
            rate = max(len(placements) / len(hc), 0.05)
            chunk = int((n_placements - len(placements)) / rate) + 50
        cs, ps, latent = make_claimants(rng, chunk, "H-K", start=len(hc))
        ci, vi, lag = _propose(rng, cs, latent, hv, bucket_of, n_buckets)
        ca = T.claimant_arrays(cs)
        hired = rng.random(ci.size) < T.p_hire_arrays(ca, va, ci, vi)
        when_ord = posted_ord[vi] + lag
        new_c: list[int] = []
        new_v: list[int] = []
        done: set[int] = set()
        last = -1
        for j in np.lexsort((vi, when_ord, ci)).tolist():
            c, v = int(ci[j]), int(vi[j])
            if c != last:
                if len(placements) >= n_placements:
                    break
                last = c
                hc.append(cs[c])
                hp.append(ps[c])
            when = date.fromordinal(int(when_ord[j]))
            h = bool(hired[j] and c not in done and used[v] < openings[v])
            if h:
                done.add(c)
                used[v] += 1
                placements.append((len(hc) - 1, v, when))
                new_c.append(c)
                new_v.append(v)
            proposals.append((len(hc) - 1, v, when, h))
        ps_parts.append(p_sustain(ca, va, np.array(new_c, np.int64), np.array(new_v, np.int64)))
        ratio_parts.append(
            T.pair_terms(ca, va, np.array(new_c, np.int64), np.array(new_v, np.int64)).need_ratio
        )
    # Activated months_unemployed months before the first proposal (the spell's length then); a
    # derived date, no random draw, so every other record stays as it was.
    first: dict[int, date] = {}
    for c, _, when, _ in proposals:
        first[c] = min(when, first.get(c, when))
    hc = [replace(cl, activated=months_before(first[i], cl.months_unemployed)) for i, cl in enumerate(hc)]
    # outcomes
    ps_true = np.concatenate(ps_parts)
    ratio = np.concatenate(ratio_parts)
    u = rng.random((len(placements), 6))
    outcomes = []
    for j, (c, v, when) in enumerate(placements):
        vac, cl = hv[v], hc[c]
        start = when + timedelta(days=int(10 + u[j, 0] * 30))
        sustained = bool(u[j, 1] < ps_true[j])
        end: date | None
        if sustained:
            room = (ref - start).days - 366
            end = None if u[j, 2] < 0.5 or room < 30 else start + timedelta(days=366 + int(u[j, 3] * room))
            benefits = bool(u[j, 4] < (0.6 if ratio[j] < 1.0 else 0.03))
        else:
            m = vac.contract_months
            if vac.contract is Contract.FIXED_TERM and m is not None and m < 12 and u[j, 2] < 0.55:
                days = max(14, round(m * 30.44) - 1)
            elif u[j, 3] < SHARE_ENDING_EARLY:
                days = 14 + int(u[j, 5] * 168)
            else:
                days = 183 + int(u[j, 5] * 181)
            end = start + timedelta(days=days)
            benefits = bool(u[j, 4] < 0.8)
        outcomes.append(
            Outcome(
                id=f"O-{j + 1:06d}",
                claimant_id=cl.id,
                vacancy_id=vac.id,
                start=start,
                end=end,
                employed_12m=sustained,
                benefits_12m=benefits,
                claimant_snapshot=to_dict(cl),
                vacancy_snapshot=to_dict(vac),
            )
        )
    props = [
        Proposal(f"P-{k + 1:07d}", hc[c].id, hv[v].id, when, h) for k, (c, v, when, h) in enumerate(proposals)
    ]
    return hc, hp, hv, outcomes, props, ps_true
