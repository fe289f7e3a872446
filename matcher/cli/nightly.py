"""`passgenau nightly`: the nightly match lists, and the frozen lookup parts the batch runs on."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.cli.base import domain_errors, scorer_or_note, state
from matcher.errors import PassgenauError

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.nightly.batch_search import NightlyContext
    from matcher.settings import NightlySettings


def build_context(
    services: Services, *, progress: bool, nightly: NightlySettings | None = None
) -> NightlyContext:
    """The lookup service's parts, frozen for the batch run (see ``matcher.nightly.batch_search``).

    ``nightly`` (default: the settings' section) gives the list length the candidates are cut to.
    """
    from matcher.nightly.batch_search import FrozenGrounder, NightlyContext

    settings = services.settings
    store, encoder = services.store(), services.encoder()
    service = services.match_service(progress=progress)
    claimants = sorted(store.list_claimants(active_only=True), key=lambda c: c.id)
    vectors = encoder.encode_claimants(claimants, progress=progress)
    ns = nightly or settings.nightly
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
    from matcher.nightly.engines import make_engine
    from matcher.nightly.runner import NightlyRunner, summary_text

    services = state.services
    updates: dict[str, Any] = {}
    if engine is not None:
        updates["engine"] = engine
    if ray_address is not None:
        updates["ray_address"] = ray_address
    if top_n is not None:
        updates["top_n"] = top_n
    ns = services.settings.nightly.model_copy(update=updates)
    if ns.engine not in ("local", "ray"):
        raise PassgenauError(f"--engine: {ns.engine!r} is not one of local, ray")
    rid = run_id if run_id is not None else datetime.now(UTC).strftime("%Y-%m-%d")
    check_id(rid, "run_id")
    t0 = time.perf_counter()
    store = services.store()
    scorer_or_note(services)
    ctx = build_context(services, progress=progress, nightly=ns)
    prepare = time.perf_counter() - t0
    runner = NightlyRunner(
        ctx,
        store,
        ns,
        out_dir=out or services.layout.nightly,
        run_id=rid,
        engine=make_engine(ns.engine, address=ns.ray_address, workers=ns.ray_workers),
        progress=progress,
    )
    summary = runner.run()
    typer.echo(summary_text(summary))
    typer.echo(f"prepared (store, index, embeddings) in {prepare:.1f} s")
    typer.echo(json.dumps({"run_id": rid, "status": "complete"}))
