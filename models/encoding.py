"""Records to vectors: render the German text, then embed it through the cache.

Claimants are embedded as queries and vacancies as passages (e5 is asymmetric), so the cache key
carries the kind as well as the text's hash: the same text embedded both ways gives two vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant, Vacancy
from matcher.text import content_hash, render_claimant, render_vacancy
from models.cache import EmbeddingCache
from models.embedder import Embedder

F32 = npt.NDArray[np.float32]


def claimant_key(c: Claimant) -> str:
    return content_hash("query\n" + render_claimant(c))


def vacancy_key(v: Vacancy) -> str:
    return content_hash("passage\n" + render_vacancy(v))


def profile_keys_to_drop(earlier: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> set[str]:
    """The cache keys of ``earlier`` profiles that no profile in ``keep`` still uses."""
    return {claimant_key(c) for c in earlier} - {claimant_key(c) for c in keep}


class RecordEncoder:
    """Embeds claimants and vacancies, computing only what the cache does not hold yet."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        if cache.model_id != embedder.model_id or cache.dim != embedder.dim:
            raise ValueError("the cache belongs to another embedding model")
        self.embedder = embedder
        self.cache = cache
        self.model_id = embedder.model_id
        self.dim = embedder.dim

    def encode_claimants(self, claimants: Sequence[Claimant], *, progress: bool = False) -> F32:
        return self.cache.embed(
            [claimant_key(c) for c in claimants],
            [render_claimant(c) for c in claimants],
            self.embedder.encode_queries,
            progress=progress,
            desc="claimants",
        )

    def encode_vacancies(self, vacancies: Sequence[Vacancy], *, progress: bool = False) -> F32:
        return self.cache.embed(
            [vacancy_key(v) for v in vacancies],
            [render_vacancy(v) for v in vacancies],
            self.embedder.encode_passages,
            progress=progress,
            desc="vacancies",
        )

    def encode_claimant(self, claimant: Claimant) -> F32:
        vec: F32 = self.encode_claimants([claimant])[0]
        return vec

    def encode_transient(self, claimant: Claimant) -> F32:
        """A profile's vector without adding it to the cache (an ad-hoc profile that is never stored
        must leave nothing behind that no erasure could reach); a cached one is reused."""
        key = claimant_key(claimant)
        vectors, found = self.cache.get([key])
        if bool(found[0]):
            vec: F32 = vectors[0]
            return vec
        out: F32 = np.asarray(self.embedder.encode_queries([render_claimant(claimant)]), dtype=np.float32)[0]
        return out
