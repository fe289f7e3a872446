"""The explanation of one given claimant–vacancy pair, by the same steps a lookup takes.

A claimant notice names the reasons for a vacancy that was proposed, which need not be in the
claimant's current top k: the pair is judged against the filters, its similarity re-scored exactly,
scored and explained exactly as ``MatchService`` does for the pairs it shows.
"""

from __future__ import annotations

import numpy as np

from matcher.domain import Claimant
from matcher.explain import Explanation, explain_pairs
from matcher.service import MatchService
from matcher.similarity import exact_similarity


def explain_pair(service: MatchService, c: Claimant, vacancy_id: str) -> Explanation | None:
    """The pair's explanation on the service's current model and index; None when the vacancy is not
    (or no longer) among the service's open vacancies."""
    pos = service.vacancies.position.get(vacancy_id)
    if pos is None:
        return None
    result, dist = service.filter_vacancies(c)
    at = np.array([pos], dtype=np.intp)
    query = service.encoder.encode_claimant(c)
    sims = exact_similarity(query, service.index.vectors_at(at))
    pairs = service.pairs_for(c, result, dist, at, sims)
    scores = service.scorer.score(pairs, explain=True)
    return explain_pairs(pairs, scores, household=service.household)[0]
