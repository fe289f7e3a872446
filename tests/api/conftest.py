"""Fixtures for the API tests (also used by the web-page tests).

``api`` is a running app over a small seeded region (60 vacancies, 40 claimants: 30 of Jobcenter
``JC-GOE``, 10 of ``JC-OHA``) in a SQLite file under tmp_path, with the character-trigram encoder
(the real e5 path is covered by ``test_api_e5.py``) and a scorer bundle trained on the region's
history. ``api.client`` is a
``TestClient`` whose lifespan has run; ``api.tokens[name]`` are bearer secrets:

    cm        case_manager of JC-GOE        cm_oha    case_manager of JC-OHA
    lead      team_lead of JC-GOE           admin     admin (JC-GOE)
    batch     batch (JC-GOE)                revoked   case_manager of JC-GOE, revoked

``api.headers("cm")`` gives the Authorization header. ``api_ro`` is one app per test module for
tests that only read (cheaper); ``api`` is one per test.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from matcher.domain import Claimant, Vacancy
from matcher.settings import Settings
from matcher.store import Store
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.fakes import TrigramEmbedder
from training.synthetic import Region, generate_region

JC_A, JC_B = "JC-GOE", "JC-OHA"
SEED = 11


@dataclass
class ApiEnv:
    settings: Settings
    store: Store
    encoder: RecordEncoder
    client: TestClient
    tokens: dict[str, str]
    token_ids: dict[str, str]
    claimants: list[Claimant]
    vacancies: list[Vacancy]
    as_of: date
    extra: dict[str, object] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def ids(self, jobcenter: str) -> list[str]:
        return sorted(c.id for c in self.claimants if c.jobcenter == jobcenter)


def trigram_encoder(data_dir: Path) -> RecordEncoder:
    emb = TrigramEmbedder()
    return RecordEncoder(emb, EmbeddingCache(data_dir / "embeddings", emb.model_id, emb.dim))


def seed_store(
    data_dir: Path,
    *,
    claimants: int = 40,
    vacancies: int = 60,
    placements: int = 600,
    database_url: str | None = None,
    embedder_id: str = "trigram-64",
) -> tuple[Settings, Store, list[Claimant], list[Vacancy]]:
    """A synthetic region in a new store under ``data_dir``, with a scorer bundle trained on its
    history (about 2 s) made current, so lists carry reasons, drivers and household effects."""
    from matcher.geo import load_directory
    from models.bundle import write_bundle
    from training.dataset import FeatureContext
    from training.train import manifest_for, train_from_records

    if (claimants, vacancies, placements) == (40, 60, 600):
        region = _region()
    else:
        region = generate_region(SEED, claimants, vacancies, placements=placements)
    settings = Settings(data_dir=data_dir, as_of=region.reference_date, database_url=database_url)
    store = Store.open(settings.resolved_database_url)
    store.upsert_vacancies(region.vacancies)
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    ctx = FeatureContext(load_directory(), None, settings.commute, settings.household)
    res = train_from_records(
        region.outcomes, region.proposals, region.history_claimants, region.history_vacancies, ctx,
        compare=False,
    )  # fmt: skip
    write_bundle(
        settings.layout.scorer_bundles,
        {"match": res.match, "sustain": res.sustain},
        manifest_for(res, embedder_id),
    )
    return settings, store, region.claimants, region.vacancies


ROLES = {
    "cm": ("case_manager", JC_A),
    "cm_oha": ("case_manager", JC_B),
    "lead": ("team_lead", JC_A),
    "admin": ("admin", JC_A),
    "batch": ("batch", JC_A),
    "revoked": ("case_manager", JC_A),
}


# Colleagues known to the system (a token each, not used to sign in): they may confirm a proposal.
COLLEAGUES = {"Frau Schulz": ("case_manager", JC_A), "Herr Kaya": ("team_lead", JC_A),
              "Erika Mustermann": ("case_manager", JC_A), "Herr Yilmaz": ("case_manager", JC_B)}  # fmt: skip


def make_tokens(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    for name, (role, jc) in COLLEAGUES.items():
        create_token(store, name, role, jc)
    secrets, ids = {}, {}
    for who, (role, jc) in ROLES.items():
        token, secret = create_token(store, f"test-{who}", role, jc)
        secrets[who], ids[who] = secret, token.id
    store.revoke_token(ids["revoked"])
    return secrets, ids


@pytest.fixture(scope="session")
def api_region_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded data dir (database + embedding cache) made once; each app gets a copy."""
    root = tmp_path_factory.mktemp("api-seed") / "data"
    _, store, _, _ = seed_store(root)
    store.close()
    return root


@functools.cache
def _region() -> Region:
    """The seeded region every app is made from (its records are frozen): generated once per
    session, as it cost four fifths of each app's setup."""
    return generate_region(SEED, 40, 60, placements=600)


def _env(src: Path, dst: Path) -> Iterator[ApiEnv]:
    import shutil

    data_dir = Path(shutil.copytree(src, dst, symlinks=True))
    region = _region()
    settings = Settings(data_dir=data_dir, as_of=region.reference_date)
    store = Store.open(settings.resolved_database_url)
    tokens, token_ids = make_tokens(store)
    encoder = trigram_encoder(data_dir)
    app = create_app(settings, encoder=encoder, store=store)
    with TestClient(app) as client:
        yield ApiEnv(
            settings, store, encoder, client, tokens, token_ids, list(region.claimants), list(region.vacancies),
            region.reference_date,
        )  # fmt: skip
    store.close()


@pytest.fixture
def api(api_region_dir: Path, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from _env(api_region_dir, tmp_path / "data")


@pytest.fixture(scope="module")
def api_ro(api_region_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    yield from _env(api_region_dir, tmp_path_factory.mktemp("api-ro") / "data")
