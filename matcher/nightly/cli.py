"""`passgenau nightly`: the command of the nightly match lists."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.cli_base import app, domain_errors, open_store, state

if TYPE_CHECKING:
    from matcher.nightly.batch_search import NightlyContext
    from matcher.settings import Settings


def build_context(
    settings: Settings, store: Any, encoder: Any, scorer: Any, *, progress: bool
) -> NightlyContext:
    """The lookup service's parts, frozen for the batch run (see ``matcher.nightly.batch_search``)."""
    from matcher.nightly.batch_search import FrozenGrounder, NightlyContext
    from matcher.wiring import build_service

    service = build_service(settings, store, encoder, scorer=scorer, progress=progress)
    claimants = sorted(store.list_claimants(active_only=True), key=lambda c: c.id)
    vectors = encoder.encode_claimants(claimants, progress=progress)
    ns = settings.nightly
    return NightlyContext(
        claimants=tuple(claimants),
        claimant_vectors=vectors,
        vacancies=service.vacancies,
        vacancy_vectors=service.index.vectors(service.vacancies.ids.tolist()),
        geo=service.geo,
        scorer=service.scorer,
        grounder=FrozenGrounder.freeze(service.grounder, claimants),
        commute=settings.commute,
        ranking=settings.ranking,
        household=settings.household,
        today=settings.as_of or date.today(),
        k=ns.top_n * ns.candidate_factor,
        versions={
            "embedder": encoder.model_id,
            "index": service.index.version,
            "model": service.scorer.model_version,
        },
    )


@app.command()
@domain_errors
def nightly(
    engine: Annotated[
        str | None, typer.Option(help="local (this process) or ray (Ray Data; see --ray-address).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: data_dir/nightly).")] = None,
    run_id: Annotated[
        str | None, typer.Option(help="Run id; the same id resumes an interrupted run (default: today).")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster, e.g. ray://head:10001 (default: $RAY_ADDRESS or local).")
    ] = None,
    top_n: Annotated[int | None, typer.Option(min=1, max=200, help="Suggestions per claimant.")] = None,
    progress: Annotated[bool, typer.Option(help="Progress bar with ETA on stderr.")] = True,
) -> None:
    """Top N suggestions for every active claimant, capacity-aware, per case manager (CSV, Parquet, HTML).

    Resumable: run again with the same --run-id after an interruption. Prints the congestion of the
    vacancies before and after the capacity-aware allocation and a summary.
    """
    from matcher.domain import check_id
    from matcher.errors import PassgenauError
    from matcher.nightly.engines import make_engine
    from matcher.nightly.runner import NightlyRunner, summary_text
    from matcher.wiring import record_encoder
    from models.pair_scorer import load_scorer

    settings = state.settings
    updates: dict[str, Any] = {}
    if engine is not None:
        updates["engine"] = engine
    if ray_address is not None:
        updates["ray_address"] = ray_address
    if top_n is not None:
        updates["top_n"] = top_n
    ns = settings.nightly.model_copy(update=updates)
    if ns.engine not in ("local", "ray"):
        raise PassgenauError(f"--engine: {ns.engine!r} is not one of local, ray")
    settings = settings.model_copy(update={"nightly": ns})
    rid = run_id if run_id is not None else datetime.now(UTC).strftime("%Y-%m-%d")
    check_id(rid, "run_id")
    t0 = time.perf_counter()
    store = open_store(settings)
    scorer = load_scorer(settings)
    if scorer is None:
        typer.echo("note: no trained model yet (passgenau train): ranking by fit alone", err=True)
    ctx = build_context(settings, store, record_encoder(settings), scorer, progress=progress)
    prepare = time.perf_counter() - t0
    runner = NightlyRunner(
        ctx,
        store,
        ns,
        out_dir=out or ns.out_dir or settings.data_dir / "nightly",
        run_id=rid,
        engine=make_engine(ns.engine, address=ns.ray_address, workers=ns.ray_workers),
        progress=progress,
    )
    summary = runner.run()
    typer.echo(summary_text(summary))
    typer.echo(f"prepared (store, index, embeddings) in {prepare:.1f} s")
    typer.echo(json.dumps({"run_id": rid, "status": "complete"}))
