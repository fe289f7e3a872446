"""One lookup, explained: a claimant's suggestions, or a vacancy's candidates.

``MatchService`` receives its collaborators (claimant source, catalogs, vector index, query
encoder, postcode directory, pair scorer) and does no I/O of its own beyond calling them. The
steps of a lookup: embed the claimant (cached), judge every vacancy against the hard filters in a
few vectorised comparisons, search the index among the eligible ones only, score the candidates,
rank them with the employer cap, and explain each result shown (``matcher.explain``). The pair
measurements (commute by mode, limit, match depth) are ``matcher.pairs``, shared with training.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.catalog import ClaimantCatalog, VacancyCatalog
from matcher.domain import Claimant, CommuteMode, Vacancy
from matcher.errors import UnknownClaimant, UnknownVacancy, ValidationError
from matcher.esco import wish_occupations
from matcher.explain import Explanation, explain_pairs
from matcher.filters import FILTERS, ClaimantTable, FilterResult, evaluate
from matcher.geo import PostcodeDirectory, haversine_km
from matcher.list_filters import ListFilter
from matcher.occupation import match_depth, match_depth_each
from matcher.pairs import (
    Grounder,
    LogitTerms,
    PairBatch,
    PairScores,
    claimant_codes,
    claimant_commute,
    commute_for,
    fetch_size,
)
from matcher.ranking import Ranked, rank
from matcher.search_text import fold
from matcher.settings import CommuteSettings, HouseholdSettings, RankingSettings
from matcher.similarity import nearest
from matcher.why_not import Refusal, refusals

# The pair types and measurements live in ``matcher.pairs``; many callers import them from here.
__all__ = [
    "ClaimantSource",
    "ClaimantsInMemory",
    "FitOnlyScorer",
    "Grounder",
    "LogitTerms",
    "Match",
    "MatchList",
    "MatchService",
    "PairBatch",
    "PairScorer",
    "PairScores",
    "QueryEncoder",
    "VectorIndex",
    "claimant_codes",
    "commute_for",
    "fetch_size",
]

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]


def _top(scores: npt.NDArray[np.float32], ids: npt.NDArray[np.str_], m: int) -> npt.NDArray[np.intp]:
    """Positions of the m highest ``scores``, descending, ties by id: the first m of the full sort
    by (score desc, id asc), from a partition and a sort of those at or above the m-th score."""
    n = scores.shape[0]
    if m < n:
        cut = np.partition(scores, n - m)[n - m]
        cand = np.flatnonzero(scores >= cut)
    else:
        cand = np.arange(n)
    return cand[np.lexsort((ids[cand], -scores[cand]))[:m]]


class ClaimantSource(Protocol):
    def get_claimant(self, claimant_id: str) -> Claimant: ...


class ClaimantsInMemory:
    """A ``ClaimantSource`` over records already loaded (batch runs, evaluations)."""

    def __init__(self, claimants: Sequence[Claimant]) -> None:
        self._by_id = {c.id: c for c in claimants}

    def get_claimant(self, claimant_id: str) -> Claimant:
        try:
            return self._by_id[claimant_id]
        except KeyError:
            raise UnknownClaimant(f"no claimant {claimant_id!r}") from None


class QueryEncoder(Protocol):
    model_id: str

    def encode_claimant(self, claimant: Claimant) -> F32: ...


class VectorIndex(Protocol):
    @property
    def version(self) -> str: ...

    @property
    def ids(self) -> npt.NDArray[np.str_]: ...

    def search(
        self, queries: F32, k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.float32], list[list[str]]]: ...

    def search_positions(
        self, queries: F32, k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """``search`` answering positions in ``ids`` order (the catalog's, see ``MatchService``)."""
        ...

    def vectors(self, ids: Sequence[str]) -> F32: ...

    def vectors_at(self, positions: npt.NDArray[np.int64]) -> F32: ...


class PairScorer(Protocol):
    model_version: str

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        """Probabilities for every pair; with ``explain`` also what the explanation needs of the model
        (an additive model's logit terms), else none. Probabilities do not depend on ``explain``."""
        ...


class FitOnlyScorer:
    """Ranks by fit alone: similarity, clipped to [0, 1], with no sustainability model (no drivers)."""

    model_version = "fit-only"

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        n = len(pairs.similarity)
        return PairScores(
            p_match=np.clip(pairs.similarity, 0.0, 1.0),
            p_sustain=np.ones(n),
            model_version=self.model_version,
        )


@dataclass(frozen=True)
class Match:
    rank: int
    claimant_id: str
    vacancy_id: str
    title: str
    employer: str
    municipality: str
    similarity: float
    match_depth: int
    commute_minutes: float
    commute_limit: float
    commute_mode: str
    distance_km: float
    hours_per_week: float
    p_match: float
    p_sustain: float
    score: float
    filters_passed: tuple[str, ...]
    explanation: Explanation | None = None


@dataclass(frozen=True)
class MatchList:
    kind: str  # "suggestions" for a claimant, "candidates" for a vacancy
    subject_id: str
    items: tuple[Match, ...]
    considered: int
    eligible: int
    excluded: dict[str, int]
    embedder_id: str
    index_version: str
    model_version: str
    # Vacancies passing every hard filter that the list controls left out, per control (a vacancy
    # failing two counts under both); empty for a list not narrowed (``matcher.list_filters``).
    narrowed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PairFacts:
    """One claimant and one vacancy: the commute by the claimant's mode and the filters it fails."""

    claimant_id: str
    vacancy_id: str
    commute_minutes: float  # one way
    commute_limit: float  # the claimant's own limit or the legal default
    commute_mode: str  # "car" or "public"
    distance_km: float
    failed: tuple[str, ...]  # names of the hard filters the pair fails (matcher.filters.FILTERS)
    refusals: tuple[Refusal, ...] = ()  # the failed filters in words, both values (matcher.why_not)


class MatchService:
    def __init__(
        self,
        *,
        claimants: ClaimantSource,
        vacancies: VacancyCatalog,
        index: VectorIndex,
        encoder: QueryEncoder,
        geo: PostcodeDirectory,
        scorer: PairScorer | None = None,
        grounder: Grounder | None = None,
        claimant_catalog: ClaimantCatalog | None = None,
        commute: CommuteSettings | None = None,
        ranking: RankingSettings | None = None,
        household: HouseholdSettings | None = None,
        today: date | None = None,
    ) -> None:
        if len(vacancies) != len(index.ids) or not np.array_equal(vacancies.ids, index.ids):
            raise ValueError("the vacancy catalog must be aligned with the index order")
        self.claimants = claimants
        self.vacancies = vacancies
        self.index = index
        self.encoder = encoder
        self.geo = geo
        self.scorer: PairScorer = scorer or FitOnlyScorer()
        self.grounder = grounder
        self.claimant_catalog = claimant_catalog
        self.commute = commute or CommuteSettings()
        self.ranking = ranking or RankingSettings()
        self.household = household or HouseholdSettings()
        self._today = today
        # A lookup scores the nearest ``fetch_size`` eligible vacancies; True: every eligible one
        # (the Förderempfehlung's market sample, ``with_every_eligible_scored``).
        self.score_every_eligible = False

    @property
    def today(self) -> date:
        return self._today or date.today()

    # The vacancy side (catalog and index, checked aligned by the constructor) is shared by these.
    def with_encoder(self, encoder: QueryEncoder) -> MatchService:
        """This service with another query encoder (a locked or a transient one)."""
        other = copy.copy(self)
        other.encoder = encoder
        return other

    def with_vacancies(self, catalog: VacancyCatalog) -> MatchService:
        """This service over another catalog of the index's vacancies, in the index's order (the
        Förderempfehlung's market sample: the same records with their expiry lifted)."""
        if len(catalog) != len(self.index.ids) or not np.array_equal(catalog.ids, self.index.ids):
            raise ValueError("the vacancy catalog must be aligned with the index order")
        other = copy.copy(self)
        other.vacancies = catalog
        return other

    def with_every_eligible_scored(self) -> MatchService:
        """This service with lookups that score every eligible vacancy, not only the nearest
        ``fetch_size`` by profile similarity (the same path, no truncation)."""
        other = copy.copy(self)
        other.score_every_eligible = True
        return other

    def with_claimants(self, catalog: ClaimantCatalog | None) -> MatchService:
        """This service with another claimant catalog for reverse matching (None: none)."""
        other = copy.copy(self)
        other.claimant_catalog = catalog
        return other

    # -- a claimant's suggestions ----------------------------------------------------------------
    def suggest(self, claimant_id: str, k: int) -> MatchList:
        return self.suggest_for(self.claimants.get_claimant(claimant_id), k)

    def filter_vacancies(self, c: Claimant) -> tuple[FilterResult, npt.NDArray[np.float64]]:
        """Every vacancy judged against the claimant's hard constraints, and the distances.

        The distance and commute are measured to each distinct vacancy place and gathered, the other
        filters are the catalog's masks per requirement (``VacancyFilters``): the same numbers as
        ``evaluate`` over every vacancy (``filter_vacancies_plain``), at a cost that grows with the
        region's places, not its vacancies, apart from a few gathers."""
        cat = self.vacancies
        lat, lon, rur = self._place(c)
        places = cat.places
        d = np.asarray(haversine_km(lat, lon, places.lat, places.lon), dtype=np.float64)
        minutes = claimant_commute(c.has_car, d, np.maximum(places.rurality, rur))
        result = evaluate(
            ClaimantTable.from_claimants([c]),
            cat.table,
            minutes,
            today=self.today,
            commute=self.commute,
            masks=cat.filters,
            places=places.of,
        )
        return result, d[places.of]

    def filter_vacancies_plain(self, c: Claimant) -> tuple[FilterResult, npt.NDArray[np.float64]]:
        """``filter_vacancies`` computed over every vacancy, as before the places and masks: the
        reference the tests hold the fast path to."""
        cat = self.vacancies
        lat, lon, rur = self._place(c)
        dist = cat.distances_km(lat, lon)
        minutes = claimant_commute(c.has_car, dist, np.maximum(cat.rurality, rur))
        result = evaluate(
            ClaimantTable.from_claimants([c]), cat.table, minutes, today=self.today, commute=self.commute
        )
        return result, dist

    def pair_facts(self, c: Claimant, vacancy_id: str, *, sees_health: bool = True) -> PairFacts:
        """The commute from the claimant to an indexed vacancy, and the filters the pair fails, each
        in words with both values (``sees_health``: whether the claimant's health limit may be named)."""
        pos = self.vacancies.position.get(vacancy_id)
        if pos is None:
            raise UnknownVacancy(vacancy_id)
        result, dist = self.filter_vacancies(c)
        return self._facts(c, result, dist, pos, sees_health)

    def excluded_by(
        self, c: Claimant, name: str, *, limit: int, offset: int = 0, sees_health: bool = True
    ) -> tuple[int, list[tuple[Vacancy, PairFacts]]]:
        """How many indexed vacancies the hard filter ``name`` excludes for the claimant, and
        ``limit`` of them from ``offset`` (by vacancy id), each with every filter it fails."""
        if name not in FILTERS:
            raise ValidationError("filter", f"is not one of {', '.join(FILTERS)}")
        result, dist = self.filter_vacancies(c)
        pos = np.flatnonzero(~np.asarray(result.passes[name]))
        pos = pos[np.argsort(self.vacancies.ids[pos], kind="stable")]
        shown = pos[offset : offset + limit].tolist()
        return len(pos), [
            (self.vacancies.vacancies[p], self._facts(c, result, dist, p, sees_health)) for p in shown
        ]

    def find_for(
        self, c: Claimant, q: str, *, limit: int, sees_health: bool = True
    ) -> tuple[int, list[tuple[Vacancy, PairFacts]]]:
        """Indexed vacancies asked for by number or title ("Warum nicht diese Stelle?"): the one whose
        id is ``q``, else those whose title holds ``q`` (case, umlauts and accents folded, as the
        claimant search), by vacancy id; how many match, and ``limit`` of them with their facts."""
        cat = self.vacancies
        exact = cat.position.get(q.strip())
        if exact is not None:
            hits = [exact]
        else:
            needle = fold(q.strip())
            hits = sorted(cat.titled(needle), key=lambda i: str(cat.ids[i]))
        if not hits:
            return 0, []
        result, dist = self.filter_vacancies(c)
        return len(hits), [
            (cat.vacancies[p], self._facts(c, result, dist, p, sees_health)) for p in hits[:limit]
        ]

    def _facts(
        self, c: Claimant, result: FilterResult, dist: npt.NDArray[np.float64], pos: int, sees_health: bool
    ) -> PairFacts:
        vacancy_id = str(self.vacancies.ids[pos])
        failed = tuple(result.failed(pos))
        why = refusals(
            c,
            self.vacancies.vacancies[pos],
            failed,
            commute_minutes=float(result.commute_minutes[pos]),
            commute_limit=float(result.commute_limit[pos]),
            today=self.today,
            sees_health=sees_health,
        )
        return PairFacts(
            claimant_id=c.id,
            vacancy_id=vacancy_id,
            # Rounded as a list's items are, so the page shows the same figures in both places.
            commute_minutes=round(float(result.commute_minutes[pos]), 1),
            commute_limit=float(result.commute_limit[pos]),
            commute_mode=c.commute_mode.value,
            distance_km=round(float(dist[pos]), 1),
            failed=failed,
            refusals=tuple(why),
        )

    def suggest_for(self, c: Claimant, k: int, narrow: ListFilter | None = None) -> MatchList:
        """Suggestions for a claimant record (stored or ad hoc): never one that breaks a filter.

        ``narrow``: the list controls; they leave vacancies out of the search, the order of the
        rest stays expected lasting placements. ``eligible`` still counts the hard filters only."""
        result, dist = self.filter_vacancies(c)
        eligible = result.eligible
        n_eligible = int(np.count_nonzero(eligible))
        narrowed: dict[str, int] = {}
        if narrow is not None and narrow.active:
            cat = self.vacancies
            passes = narrow.passes(
                fixed_term=cat.fixed_term,
                temp_agency=cat.temp_agency,
                hours=cat.table.hours,
                commute_minutes=np.asarray(result.commute_minutes, dtype=np.float64),
            )
            narrowed = {name: int((eligible & ~mask).sum()) for name, mask in passes.items()}
            for mask in passes.values():
                eligible = eligible & mask
        n_search = int(np.count_nonzero(eligible))
        query = self.encoder.encode_claimant(c).reshape(1, -1)
        fetch = n_search if self.score_every_eligible else fetch_size(n_search, k)
        items: tuple[Match, ...] = ()
        model_version = self.scorer.model_version
        if fetch > 0:
            pos, sims = self._nearest(query, eligible, n_search, fetch)
            pairs = self.pairs_for(c, result, dist, pos.astype(np.intp), sims)
            items, model_version = self._ranked(pairs, k, positions=pos)
        return MatchList(
            kind="suggestions",
            subject_id=c.id,
            items=items,
            considered=len(self.vacancies),
            eligible=n_eligible,
            excluded=result.excluded_counts(),
            embedder_id=self.encoder.model_id,
            index_version=self.index.version,
            model_version=model_version,
            narrowed=narrowed,
        )

    # -- a vacancy's candidates ------------------------------------------------------------------
    def candidates(self, vacancy_id: str, k: int) -> MatchList:
        pos = self.vacancies.position.get(vacancy_id)
        if pos is None:
            raise UnknownVacancy(vacancy_id)
        if self.claimant_catalog is None:
            raise UnknownClaimant("no claimant catalog is loaded for reverse matching")
        cc = self.claimant_catalog
        v = self.vacancies.vacancies[pos]
        result, dist = self.filter_claimants(cc, pos)
        eligible = np.flatnonzero(result.eligible)
        vec = self.index.vectors_at(np.array([pos], dtype=np.int64))[0]
        # The eligible rows gathered when they are few, else one matrix-vector product over all
        # the contiguous claimant vectors (a gather of most of 20,000 rows copies up to 30 MB).
        fast = cc.vectors[eligible] @ vec if 4 * len(eligible) <= len(cc) else (cc.vectors @ vec)[eligible]
        eligible_ids = cc.table.ids[eligible]
        fetch = fetch_size(len(eligible), k)

        # Fast float32 search over the eligible claimants, then the nearest re-scored exactly and
        # cut on the exact similarity, ties by claimant id (``matcher.similarity``). The m best by
        # (fast score, id) are selected, not all eligible sorted: the same first m (``topk_row``).
        def search(m: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
            top = _top(fast, eligible_ids, m)
            return eligible[top], fast[top]

        chosen, sims = nearest(vec, fetch, len(eligible), search, lambda at: cc.vectors[at], cc.table.ids)
        claimants = [cc.claimants[i] for i in chosen]
        digits = self.vacancies.kldb_digits[pos : pos + 1]
        pairs = PairBatch(
            claimants=claimants,
            vacancies=[v] * len(chosen),
            similarity=sims,
            # The claimants' codes were grounded when they were written (``ClaimantCatalog.codes``).
            depth=match_depth_each([cc.codes[i] for i in chosen.tolist()], digits),
            commute_minutes=result.commute_minutes[chosen],
            commute_limit=result.commute_limit[chosen],
            distance_km=dist[chosen],
        )
        items, model_version = self._ranked(pairs, k, positions=None)
        return MatchList(
            kind="candidates",
            subject_id=vacancy_id,
            items=items,
            considered=len(cc),
            eligible=len(eligible),
            excluded=result.excluded_counts(),
            embedder_id=self.encoder.model_id,
            index_version=self.index.version,
            model_version=model_version,
        )

    def filter_claimants(self, cc: ClaimantCatalog, pos: int) -> tuple[FilterResult, npt.NDArray[np.float64]]:
        """Every claimant of ``cc`` judged against the vacancy at catalog position ``pos``, and the
        distances: the distance and commute by both modes to each distinct claimant place, then each
        claimant's by their mode (the numbers of ``filter_claimants_plain``, gathered)."""
        vt = self.vacancies.table.take(np.array([pos], dtype=np.intp))
        places = cc.places
        d = np.asarray(haversine_km(vt.lat[0], vt.lon[0], places.lat, places.lon), dtype=np.float64)
        rur = np.maximum(places.rurality, self.vacancies.rurality[pos])
        by_mode = np.stack([commute_for(CommuteMode.PUBLIC, d, rur), commute_for(CommuteMode.CAR, d, rur)], 1)
        minutes = by_mode.ravel()[places.of * 2 + cc.table.has_car]
        return evaluate(cc.table, vt, minutes, today=self.today, commute=self.commute), d[places.of]

    def filter_claimants_plain(
        self, cc: ClaimantCatalog, pos: int
    ) -> tuple[FilterResult, npt.NDArray[np.float64]]:
        """``filter_claimants`` over every claimant, as before the places (the tests' reference)."""
        vt = self.vacancies.table.take(np.array([pos], dtype=np.intp))
        dist = np.asarray(haversine_km(vt.lat[0], vt.lon[0], cc.table.lat, cc.table.lon), dtype=np.float64)
        rur = np.maximum(cc.rurality, self.vacancies.rurality[pos])
        minutes = claimant_commute(cc.table.has_car, dist, rur)
        return evaluate(cc.table, vt, minutes, today=self.today, commute=self.commute), dist

    def pairs_for(
        self,
        c: Claimant,
        result: FilterResult,
        dist: npt.NDArray[np.float64],
        pos: npt.NDArray[np.intp],
        sims: npt.NDArray[np.floating],
    ) -> PairBatch:
        """A claimant's searched vacancies (catalog positions, similarities) as candidate pairs.

        Shared by a lookup and the nightly batch search, which searches many claimants at once.
        """
        return PairBatch(
            claimants=[c] * len(pos),
            # Python ints index the tuple ~3x faster than numpy integers one by one.
            vacancies=[self.vacancies.vacancies[p] for p in pos.tolist()],
            similarity=np.asarray(sims, dtype=np.float64),
            # One claimant: its codes once, no grouping of the pairs by claimant (``match_depths``).
            depth=match_depth(claimant_codes(c, self.grounder), self.vacancies.kldb_digits[pos]),
            commute_minutes=result.commute_minutes[pos],
            commute_limit=result.commute_limit[pos],
            distance_km=dist[pos],
        )

    def rank_suggestions(
        self, pairs: PairBatch, scores: PairScores, k: int, positions: npt.NDArray[np.integer] | None = None
    ) -> list[Ranked]:
        """Top k of one claimant's scored candidates: by score, ties by vacancy id, employer cap.

        ``positions``: the pairs' vacancies as catalog positions, if the caller has them (the ids and
        employers are then the catalog's arrays, not read off each record).
        """
        if positions is None:
            ids = np.array([v.id for v in pairs.vacancies], dtype=str)
            group = np.array([v.employer.id for v in pairs.vacancies], dtype=str)
        else:
            ids, group = self.vacancies.ids[positions], self.vacancies.employer[positions]
        return rank(
            scores.p_match,
            scores.p_sustain,
            ids,
            k=k,
            group=group,
            max_per_group=self.ranking.max_per_employer,
        )

    # -- shared ----------------------------------------------------------------------------------
    def _nearest(
        self, query: F32, eligible: npt.NDArray[np.bool_], n_eligible: int, fetch: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Catalog positions and exact similarities of the ``fetch`` nearest eligible vacancies:
        the index's fast search finds them, ``matcher.similarity`` re-scores and cuts them."""

        # The catalog is aligned with the index (checked in the constructor): index positions are
        # catalog positions, so neither the candidates nor their vectors go through vacancy ids
        # (those id → position lookups were a third of ``nearest``'s time).
        def search(m: int) -> tuple[npt.NDArray[np.int64], F32]:
            sims, pos = self.index.search_positions(query, m, allowed=eligible)
            return pos[0], sims[0]

        return nearest(query[0], fetch, n_eligible, search, self.index.vectors_at, self.vacancies.ids)

    def _score(self, pairs: PairBatch, positions: npt.NDArray[np.integer] | None) -> PairScores:
        """The candidates' scores with the terms the explanation reads. One claimant's candidates by
        catalog position go to a scorer that reads them off the catalog's columns
        (``ModelScorer.score_lookup``: the same numbers, ~1 ms less of a lookup at 100,000 vacancies).
        Not for the Förderempfehlung's market sample, whose catalog is built per request (its
        columns would be too)."""
        lookup = getattr(self.scorer, "score_lookup", None)
        if positions is None or lookup is None or self.score_every_eligible:
            return self.scorer.score(pairs, explain=True)
        scores: PairScores = lookup(
            pairs.claimants[0], self.vacancies, np.asarray(positions, dtype=np.intp),
            similarity=pairs.similarity, depth=pairs.depth, commute_minutes=pairs.commute_minutes,
            commute_limit=pairs.commute_limit, explain=True,
        )  # fmt: skip
        return scores

    def _place(self, c: Claimant) -> tuple[float, float, float]:
        place = self.geo.lookup(c.postcode)
        lat = c.lat if c.lat is not None else place.lat
        lon = c.lon if c.lon is not None else place.lon
        return lat, lon, place.rurality

    def _ranked(
        self, pairs: PairBatch, k: int, positions: npt.NDArray[np.integer] | None
    ) -> tuple[tuple[Match, ...], str]:
        """The k shown of a claimant's candidates (``positions``: their catalog positions, whose ids
        and employers the ranking reads from the catalog's arrays) or of a vacancy's (None)."""
        # Rank on probabilities alone, then explain only the k shown: explanations (household
        # effects, reasons, drivers) cost most of the time and would be thrown away. The model's
        # numbers for them (an additive model's logit terms) come with the probabilities at no extra
        # cost, so the candidates are scored once and the k shown take their rows (a second
        # ``score`` of the k re-built their feature rows: ~0.5 ms of a ~4 ms lookup).
        scores = self._score(pairs, positions)
        if positions is not None:
            top = self.rank_suggestions(pairs, scores, k, positions)
        else:
            ids = np.array([c.id for c in pairs.claimants], dtype=str)
            top = rank(scores.p_match, scores.p_sustain, ids, k=k)
        at = [t.position for t in top]
        shown_pairs = pairs.take(at)
        # The claimant's ESCO occupations are named in a forward lookup (one claimant, whose wishes
        # the lookup grounded already); a vacancy's candidates would each need their wishes encoded.
        named = wish_occupations(self.grounder, shown_pairs.claimants) if positions is not None else None
        shown = explain_pairs(shown_pairs, scores.take(at), household=self.household, occupations=named)
        items = []
        for r, t in enumerate(top, start=1):
            i = t.position
            c, v = pairs.claimants[i], pairs.vacancies[i]
            items.append(
                Match(
                    rank=r,
                    claimant_id=c.id,
                    vacancy_id=v.id,
                    title=v.title,
                    employer=v.employer.name,
                    municipality=v.municipality,
                    similarity=round(float(pairs.similarity[i]), 4),
                    match_depth=int(pairs.depth[i]),
                    commute_minutes=round(float(pairs.commute_minutes[i]), 1),
                    commute_limit=float(pairs.commute_limit[i]),
                    commute_mode=c.commute_mode.value,
                    distance_km=round(float(pairs.distance_km[i]), 1),
                    hours_per_week=v.hours_per_week,
                    p_match=round(float(scores.p_match[i]), 4),
                    p_sustain=round(float(scores.p_sustain[i]), 4),
                    score=round(t.score, 4),
                    filters_passed=FILTERS,
                    explanation=shown[r - 1],
                )
            )
        return tuple(items), scores.model_version
