"""Deprecated: the composition root is ``matcher.bootstrap``; these names remain until the CLI moves."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.bootstrap import IndexSync, Services, indexable_vacancies
from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.index import FaissIndex
    from matcher.service import MatchService, PairScorer
    from matcher.store import Store
    from models.encoding import RecordEncoder

__all__ = ["IndexSync", "indexable_vacancies"]


def index_root(settings: Settings) -> Path:
    return settings.layout.vacancy_index


def open_store(settings: Settings) -> Store:
    return Services(settings).store()


def record_encoder(settings: Settings) -> RecordEncoder:
    return Services(settings).encoder()


def build_grounder(settings: Settings, encoder: RecordEncoder, *, progress: bool = False) -> Any:
    return Services(settings, encoder=encoder).grounder(progress=progress)


def sync_vacancy_index(
    settings: Settings,
    store: Store,
    encoder: RecordEncoder,
    *,
    rebuild: bool = False,
    progress: bool = False,
    vacancies: Any = None,
) -> tuple[FaissIndex, IndexSync]:
    services = Services(settings, store=store, encoder=encoder)
    return services.sync_index(rebuild=rebuild, progress=progress, vacancies=vacancies)


def build_service(
    settings: Settings,
    store: Store,
    encoder: RecordEncoder,
    *,
    scorer: PairScorer | None = None,
    with_claimants: bool = False,
    progress: bool = False,
) -> MatchService:
    services = Services(settings, store=store, encoder=encoder, scorer=scorer)
    return services.match_service(with_claimants=with_claimants, progress=progress)
