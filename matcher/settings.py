"""One typed settings object, built once at an entry point (CLI or create_app) and passed down.

Environment variables use the prefix ``PASSGENAU_`` and ``__`` for nested sections, e.g.
``PASSGENAU_INDEX__NPROBE=32``. Never instantiate ``Settings()`` at import time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.layout import DataLayout


class EmbedderSettings(BaseModel):
    # "auto" (e5-small tuned on job titles once `passgenau models tune-embedder` built it into the
    # data directory, plain e5-small before), a local sentence-transformers folder, a built-in name
    # ("multilingual-e5-small", "e5-small-jobtitles", "all-MiniLM-L6-v2"), or a hub name where a
    # hub is reachable.
    model: str = "auto"
    threads: int = Field(2, ge=1, le=256)
    batch_size: int = Field(32, ge=1, le=4096)
    # "fp32", "bf16", "onnx" or "auto": the fastest of them whose vectors agree with fp32 (cosine >= 0.999).
    backend: str = "auto"


class RetrievalSettings(BaseModel):
    """How job titles are retrieved: ``matcher.lexical`` (BM25) and ``matcher.fusion`` (hybrid).

    Chosen on the dev split of the ESCO concepts (``passgenau eval heldout --split dev``), never on
    the test split that is reported (docs/benchmarks.md)."""

    method: str = Field("dense", pattern="^(dense|lexical|hybrid)$")
    bm25_k1: float = Field(1.2, gt=0, le=10)
    bm25_b: float = Field(0.3, ge=0, le=1)
    # BM25 k1 = 1.2, b = 0.3 and the fusion's weight 0.6 and k = 5 had the best MRR of the German
    # dev-split queries (`passgenau eval fusion-grid --split dev`, grids in docs/benchmarks.md).
    dense_weight: float = Field(0.6, ge=0, le=1)
    rrf_k: float = Field(5.0, gt=0, le=1000)


class GroundingSettings(BaseModel):
    """Grounding wishes to occupations (``matcher.taxonomy``, ``matcher.esco``)."""

    # With an ESCO import (``passgenau import taxonomy --esco``) a wish also grounds to its nearest
    # ESCO occupation, named on the claimant page. ``esco_kldb``: that occupation's KldB codes
    # (through the imported crosswalk) join the wish's codes for the match depth. Off: not measured
    # better (README, "ESCO grounding").
    esco_kldb: bool = False


class IndexSettings(BaseModel):
    exact_below: int = Field(50_000, ge=1)  # IndexFlatIP under this many vacancies
    nprobe: int = Field(16, ge=1)
    recall_target: float = Field(0.98, gt=0, le=1)
    # Index versions kept on disk: every vacancy change (API, import sync at start-up, index build)
    # saves one, and an audit entry can be replayed only while its version is kept.
    versions_kept: int = Field(10, ge=2, le=1000)
    # A server maps the float32 vectors of its index version read-only (np.memmap: the server
    # processes share those pages), and the faiss index's codes too (faiss IO_FLAG_MMAP_IFC: the
    # IVF's lists are views into the file, searched as fast as a private copy, bench/README.md
    # "API memory"): a private copy held another 154 MB per worker at 100,000 vacancies of dim 384,
    # resident whether searched or not. False reads the faiss index into memory.
    mmap_faiss: bool = True

    def build_options(self) -> dict[str, Any]:
        """The keyword arguments of ``FaissIndex.build``."""
        return self.model_dump(include={"exact_below", "nprobe", "recall_target"})


class CommuteSettings(BaseModel):
    # §140(4) SGB III: daily round trip of up to 2.5 h is reasonable for more than 6 h work a day,
    # up to 2 h for 6 h or less.
    round_trip_minutes_long_day: int = 150
    round_trip_minutes_short_day: int = 120


class PayrollSettings(BaseModel):
    """Employee social contributions and wage tax (Lohnsteuer), values for 2026. Rates are fractions."""

    minijob_limit: float = Field(603.0, ge=0)  # Geringfügigkeitsgrenze, euro a month
    midijob_upper: float = Field(2000.0, gt=0)  # upper end of the Übergangsbereich, euro a month
    bbg_health_monthly: float = Field(5812.50, gt=0)  # Beitragsbemessungsgrenze KV/PV
    bbg_pension_monthly: float = Field(8450.0, gt=0)  # Beitragsbemessungsgrenze RV/AV
    pension_rate: float = Field(0.093, ge=0, lt=1)  # employee half of 18.6 %
    unemployment_rate: float = Field(0.013, ge=0, lt=1)  # employee half of 2.6 %
    health_rate: float = Field(0.073, ge=0, lt=1)  # employee half of 14.6 %
    health_rate_reduced: float = Field(0.070, ge=0, lt=1)  # half of 14.0 %: Vorsorgepauschale only
    health_extra_average: float = Field(0.029, ge=0, lt=1)  # average Zusatzbeitrag; employee pays half
    care_rate: float = Field(0.018, ge=0, lt=1)  # employee half of 3.6 %
    care_childless_extra: float = Field(0.006, ge=0, lt=1)  # Kinderlosenzuschlag (over 23)
    vorsorge_cap_other: float = Field(1900.0, ge=0)  # KV+PV+AV part of the Vorsorgepauschale, a year
    grundfreibetrag: float = Field(12_348.0, ge=0)  # §32a EStG tariff 2026, euro a year
    tariff_zone2_end: float = 17_799.0
    tariff_zone3_end: float = 69_878.0
    tariff_zone4_end: float = 277_825.0
    tariff_zone2: tuple[float, float] = (914.51, 1400.0)  # (a·y + b)·y, y = (zvE − Grundfreibetrag)/10,000
    tariff_zone3: tuple[float, float, float] = (173.10, 2397.0, 1034.87)  # (a·z + b)·z + c
    tariff_zone4: tuple[float, float] = (0.42, 11_135.63)  # a·zvE − b
    tariff_zone5: tuple[float, float] = (0.45, 19_470.38)  # a·zvE − b
    werbungskosten: float = Field(1230.0, ge=0)  # Arbeitnehmer-Pauschbetrag, a year
    sonderausgaben: float = Field(36.0, ge=0)  # Sonderausgaben-Pauschbetrag, a year
    entlastungsbetrag: float = Field(4260.0, ge=0)  # §24b EStG single parents (tax class II), a year
    entlastungsbetrag_further_child: float = Field(240.0, ge=0)  # per further child, a year

    @model_validator(mode="after")
    def _midijob_above_minijob(self) -> PayrollSettings:
        if self.midijob_upper <= self.minijob_limit:
            raise ValueError("midijob_upper must be above minijob_limit")
        return self


class HouseholdSettings(BaseModel):
    """SGB II need and the income that meets it, euro a month; values for 2026.

    Regelbedarfsstufen 1-6, Kindergeld, the single-parent Mehrbedarf (§21(3) SGB II) and the
    earned-income allowances (Erwerbstätigenfreibeträge, §11b SGB II); payroll values nested.
    """

    year: int = 2026
    rbs1_single: float = 563.0  # alleinstehend / alleinerziehend
    rbs2_partner: float = 506.0  # each of two adult partners
    rbs3_adult_in_household: float = 451.0  # further adults (18-24 in the parents' household)
    rbs4_teen: float = 471.0  # 14-17
    rbs5_child: float = 390.0  # 6-13
    rbs6_infant: float = 357.0  # 0-5
    kindergeld: float = Field(259.0, ge=0)  # per child a month
    # §21(3) SGB II, shares of RBS1: 36 % (one child under 7, or two or three under 16), else 12 % a child.
    single_parent_share_high: float = Field(0.36, ge=0, le=1)
    single_parent_share_per_child: float = Field(0.12, ge=0, le=1)
    single_parent_share_max: float = Field(0.60, ge=0, le=1)
    # §11b SGB II: Grundabsetzbetrag, then 20 % / 30 % / 10 % of the gross wage in the bands up to
    # the given upper limits (the last one higher with a minor child in the household).
    allowance_base: float = Field(100.0, ge=0)
    allowance_bands: tuple[tuple[float, float], ...] = ((520.0, 0.20), (1000.0, 0.30), (1200.0, 0.10))
    allowance_last_upper_with_child: float = Field(1500.0, ge=0)
    payroll: PayrollSettings = PayrollSettings()


class RankingSettings(BaseModel):
    max_per_employer: int = Field(3, ge=1)
    default_k: int = Field(20, ge=1, le=200)
    # A claimant's list and what was already done with its vacancies (proposed, rejected, applied,
    # hired): "mark" shows them with their latest action, "hide" leaves them out (the next ones move up).
    handled: Literal["mark", "hide"] = "mark"


class GovernanceSettings(BaseModel):
    """Gates of ``passgenau retrain --promote`` and ``passgenau drift`` (exit code 3 when one refuses).

    Fairness defaults are those of ``training.fairness.FairnessLimits`` (a test keeps them equal);
    ``None`` for a gap reports it without gating.
    """

    # The new model's held-out AUC may be at most this much below the current model's on the same
    # rows (negative: the new one must beat it by that much).
    auc_tolerance: float = 0.01
    ece_limit: float | None = None  # largest held-out calibration error of the new model; None: not gated
    tpr_gap: float | None = Field(0.10, ge=0)
    fpr_gap: float | None = Field(0.10, ge=0)
    calibration_gap: float | None = Field(0.05, ge=0)
    selection_rate_gap: float | None = Field(None, ge=0)
    min_group_size: int = Field(30, ge=1)
    alpha: float | None = Field(0.05, gt=0, lt=1)
    psi_limit: float = Field(0.25, gt=0)  # drift: PSI above this for a feature or the score
    calibration_limit: float = Field(0.05, gt=0)  # drift: |mean predicted − observed| of new outcomes
    min_outcomes: int = Field(400, ge=1)  # drift: new outcomes needed before calibration is judged
    drift_pairs: int = Field(2000, ge=100)  # claimant × vacancy pairs sampled for the drift reference


class ApiSettings(BaseModel):
    """The HTTP service (``passgenau serve``)."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    default_k: int = Field(10, ge=1, le=100)
    # Roles that need the claimant's health restriction for their work (the case manager who talks
    # with the claimant and the team lead who reviews cases); admin and batch never read it.
    health_roles: tuple[str, ...] = ("case_manager", "team_lead")
    # Server processes of `passgenau serve` (api.workers): one per core. A lookup holds the GIL for
    # most of its time, so one process uses one core; each worker holds its own model and catalogs
    # (the index files are shared through mmap).
    workers: int = Field(2, ge=1, le=64)
    # How long a worker keeps an idle keep-alive connection open. Longer than the clients' own idle
    # expiry (httpx 5 s, a reverse proxy's upstream pool nginx 60 s), so that the client always closes
    # first. At uvicorn's default of 5 s, equal to httpx's, a request sent on a connection the server
    # is closing at that moment is reset: the likely cause of the load bench's rare client ReadErrors
    # (bench/README.md; not proven by a count, they are ~1 in 5,000 requests).
    keep_alive_seconds: float = Field(65.0, gt=0, le=3600)
    # Name the answering worker's process id in an X-Passgenau-Worker header (tests, load bench).
    worker_header: bool = False


class NightlySettings(BaseModel):
    """``passgenau nightly``: the morning lists of every active claimant (see matcher/nightly)."""

    top_n: int = Field(10, ge=1, le=200)  # suggestions per claimant
    candidate_factor: int = Field(3, ge=1, le=20)  # each claimant's top K = factor × N enter the allocation
    capacity_factor: float = Field(3.0, gt=0)  # c: a vacancy with m openings is in at most c × m lists
    chunk_size: int = Field(256, ge=1, le=100_000)  # claimants per checkpointed chunk
    engine: str = Field("local", pattern="^(local|ray)$")
    # Forked processes of the local engine; a chunk is mostly single-threaded numpy, so on 2 cores 2
    # processes use both (bench/nightly_bench.py --processes). 1: every chunk in this process.
    processes: int = Field(1, ge=1, le=64)
    ray_address: str | None = None  # the head, HOST:PORT (GCS port); None: $RAY_ADDRESS, else a local Ray
    ray_workers: int = Field(2, ge=1)  # concurrent chunk workers on Ray
    out_dir: Path | None = None  # default: data_dir/nightly


class MeasureSpec(BaseModel):
    """One measure of the Förderempfehlung: what it is called, what pays for it, how long it takes.

    What it changes in the claimant's record is the rule of its ``key`` (``matcher.measures.rules``);
    the README's "Förderempfehlung" section gives the source of every duration and legal basis."""

    key: Literal[
        "licence_b", "licence_ce", "german_plus1", "german_b2", "qualification_plus1", "childcare", "car",
        "commute_allowance",
    ]  # fmt: skip
    label: str  # German, as the page names it
    instrument: str  # the instrument's name, German
    legal_basis: str
    months: float = Field(gt=0, le=60)  # typical duration; for German courses per CEFR level
    per_level: bool = False  # ``months`` counts per German level step (courses end a level at a time)


DEFAULT_MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(
        key="licence_b",
        label="Führerschein Klasse B",
        instrument="Vermittlungsbudget (Förderung des Führerscheins im Einzelfall)",
        legal_basis="§ 16 Abs. 1 SGB II i. V. m. § 44 SGB III",
        months=3,
    ),
    MeasureSpec(
        key="licence_ce",
        label="Führerschein C/CE mit Berufskraftfahrer-Grundqualifikation",
        instrument="Bildungsgutschein (Weiterbildung Berufskraftfahrer/in, beschleunigte Grundqualifikation)",
        legal_basis="§ 16 Abs. 1 SGB II i. V. m. § 81 SGB III; § 4 BKrFQG",
        months=4,
    ),
    MeasureSpec(
        key="german_plus1",
        label="Deutschkurs: eine Niveaustufe höher",
        instrument="Berufssprachkurs (Integrationskurs bis B1)",
        legal_basis="§ 45a AufenthG, DeuFöV (bis B1: § 43 AufenthG)",
        months=5,
        per_level=True,
    ),
    MeasureSpec(
        key="german_b2",
        label="Deutschkurs bis B2",
        instrument="Berufssprachkurs (Integrationskurs bis B1)",
        legal_basis="§ 45a AufenthG, DeuFöV (bis B1: § 43 AufenthG)",
        months=5,
        per_level=True,
    ),
    MeasureSpec(
        key="qualification_plus1",
        label="Qualifizierung: eine Anforderungsstufe höher (Teilqualifizierung / Umschulung)",
        instrument="Bildungsgutschein",
        legal_basis="§ 16 Abs. 1 SGB II i. V. m. §§ 81, 180 Abs. 4 SGB III",
        months=24,
    ),
    MeasureSpec(
        key="childcare",
        label="Kinderbetreuung (Ganztagsplatz, Randzeiten)",
        instrument="Kommunale Eingliederungsleistung: Betreuung minderjähriger Kinder",
        legal_basis="§ 16a Nr. 1 SGB II; § 24 SGB VIII",
        months=3,
    ),
    MeasureSpec(
        key="car",
        label="Zuschuss zum eigenen Auto",
        instrument="Vermittlungsbudget (Kfz-Beihilfe im Einzelfall)",
        legal_basis="§ 16 Abs. 1 SGB II i. V. m. § 44 SGB III",
        months=1,
    ),
    MeasureSpec(
        key="commute_allowance",
        label="Fahrkostenbeihilfe (Pendeln im gesetzlich zumutbaren Umfang)",
        instrument="Vermittlungsbudget (Fahrkosten)",
        legal_basis="§ 16 Abs. 1 SGB II i. V. m. § 44 SGB III; § 140 Abs. 4 SGB III",
        months=1,
    ),
)


class MeasureSettings(BaseModel):
    """The Förderempfehlung (``matcher.measures``): which measure would open the most lasting jobs."""

    table: tuple[MeasureSpec, ...] = DEFAULT_MEASURES
    # The market a measure is judged on outlives it: the vacancies posted in these last months (a
    # six-month course ends when today's vacancies are gone), each judged as if open.
    market_months: int = Field(12, ge=1, le=60)
    k: int = Field(10, ge=1, le=50)  # the top list whose expected lasting placements are compared
    shown: int = Field(3, ge=1, le=10)  # measures the page offers
    opened_listed: int = Field(10, ge=0, le=50)  # newly eligible vacancies listed per measure
    # A measure is offered only above this gain in expected lasting placements (below it: "changes
    # nothing worth a measure"); the figures are the model's, rounded to 4 decimals.
    min_gain: float = Field(0.01, ge=0)
    full_time_hours: float = Field(39.0, gt=0, le=48)  # what a full-day childcare place frees
    # The nightly per-team table: cells under this many claimants are suppressed.
    min_cell: int = Field(5, ge=1)

    @model_validator(mode="after")
    def _keys_once(self) -> MeasureSettings:
        keys = [m.key for m in self.table]
        if len(set(keys)) != len(keys):
            raise ValueError("each measure key may appear once in the table")
        return self


class KennzahlenSettings(BaseModel):
    """``passgenau report kennzahlen`` and the team-lead page: which teams each team lead leads
    (token name → teams of their Jobcenter); a lead not named here leads the teams they hold a
    caseload in."""

    team_leads: dict[str, tuple[str, ...]] = {}


class Settings(BaseSettings):
    # "null" in an environment variable sets an optional value to None (e.g. a fairness limit that
    # is reported but not gated).
    model_config = SettingsConfigDict(
        env_prefix="PASSGENAU_", env_nested_delimiter="__", env_parse_none_str="null"
    )

    data_dir: Path = Path("./passgenau-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    import_error_limit: int = Field(50, ge=1)
    # The day lookups judge vacancies as open or expired on; None = today. Set for replays and tests.
    as_of: date | None = None

    embedder: EmbedderSettings = EmbedderSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    grounding: GroundingSettings = GroundingSettings()
    index: IndexSettings = IndexSettings()
    commute: CommuteSettings = CommuteSettings()
    household: HouseholdSettings = HouseholdSettings()
    ranking: RankingSettings = RankingSettings()
    governance: GovernanceSettings = GovernanceSettings()
    nightly: NightlySettings = NightlySettings()
    api: ApiSettings = ApiSettings()
    kennzahlen: KennzahlenSettings = KennzahlenSettings()
    measures: MeasureSettings = MeasureSettings()

    @property
    def layout(self) -> DataLayout:
        """Every path under the data directory."""
        return DataLayout(self.data_dir, self.nightly.out_dir)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.layout.database.resolve()}"
