"""One typed settings object, built once at an entry point (CLI or create_app) and passed down.

Environment variables use the prefix ``PASSGENAU_`` and ``__`` for nested sections, e.g.
``PASSGENAU_INDEX__NPROBE=32``. Never instantiate ``Settings()`` at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbedderSettings(BaseModel):
    # A local sentence-transformers folder, a built-in name ("multilingual-e5-small",
    # "all-MiniLM-L6-v2"), or a hub name where a hub is reachable.
    model: str = "multilingual-e5-small"
    threads: int = Field(2, ge=1, le=256)
    batch_size: int = Field(32, ge=1, le=4096)
    # "auto" picks the fastest backend whose vectors agree with fp32 (cosine >= 0.999).
    backend: str = "auto"


class IndexSettings(BaseModel):
    exact_below: int = Field(50_000, ge=1)  # IndexFlatIP under this many vacancies
    nprobe: int = Field(16, ge=1)
    recall_target: float = Field(0.98, gt=0, le=1)


class CommuteSettings(BaseModel):
    # §140(4) SGB III: daily round trip of up to 2.5 h is reasonable for more than 6 h work a day,
    # up to 2 h for 6 h or less.
    round_trip_minutes_long_day: int = 150
    round_trip_minutes_short_day: int = 120


class HouseholdSettings(BaseModel):
    """SGB II Regelbedarfe in euro a month (Regelbedarfsstufen 1-6), values for 2026."""

    year: int = 2026
    rbs1_single: float = 563.0  # alleinstehend / alleinerziehend
    rbs2_partner: float = 506.0  # each of two adult partners
    rbs3_adult_in_household: float = 451.0  # further adults (18-24 in the parents' household)
    rbs4_teen: float = 471.0  # 14-17
    rbs5_child: float = 390.0  # 6-13
    rbs6_infant: float = 357.0  # 0-5


class RankingSettings(BaseModel):
    max_per_employer: int = Field(3, ge=1)
    default_k: int = Field(20, ge=1, le=200)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PASSGENAU_", env_nested_delimiter="__")

    data_dir: Path = Path("./passgenau-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    import_error_limit: int = Field(50, ge=1)

    embedder: EmbedderSettings = EmbedderSettings()
    index: IndexSettings = IndexSettings()
    commute: CommuteSettings = CommuteSettings()
    household: HouseholdSettings = HouseholdSettings()
    ranking: RankingSettings = RankingSettings()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'passgenau.db').resolve()}"
