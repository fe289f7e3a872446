"""`passgenau nightly`: the nightly match lists, and the frozen lookup parts the batch runs on."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.cli.base import domain_errors, scorer_or_note, state
from matcher.errors import PassgenauError

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.domain import Claimant
    from matcher.nightly.batch_search import NightlyContext
    from matcher.nightly.runner import RunSummary
    from matcher.service import MatchService
    from matcher.settings import NightlySettings


def build_context(
    services: Services,
    *,
    progress: bool,
    nightly: NightlySettings | None = None,
    service: MatchService | None = None,
) -> NightlyContext:
    """The lookup service's parts, frozen for the batch run (see ``matcher.nightly.batch_search``).

    ``nightly`` (default: the settings' section) gives the list length the candidates are cut to.
    """
    from matcher.nightly.batch_search import FrozenGrounder, NightlyContext

    settings = services.settings
    store, encoder = services.store(), services.encoder()
    service = service or services.match_service(progress=progress)
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
        str | None, typer.Option(help="local (this process) or ray (Ray actors; see --ray-address).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: data_dir/nightly).")] = None,
    run_id: Annotated[
        str | None, typer.Option(help="Run id; the same id resumes an interrupted run (default: today).")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray cluster head, HOST:PORT (its GCS port; default: $RAY_ADDRESS or local)."),
    ] = None,
    top_n: Annotated[int | None, typer.Option(min=1, max=200, help="Suggestions per claimant.")] = None,
    processes: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Forked processes of the local engine (default nightly.processes)."),
    ] = None,
    measures: Annotated[
        bool, typer.Option(help="Also the per-team table of the Förderempfehlung (foerderbedarf.*).")
    ] = True,
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
    if processes is not None:
        updates["processes"] = processes
    ns = services.settings.nightly.model_copy(update=updates)
    if ns.engine not in ("local", "ray"):
        raise PassgenauError(f"--engine: {ns.engine!r} is not one of local, ray")
    rid = run_id if run_id is not None else datetime.now(UTC).strftime("%Y-%m-%d")
    check_id(rid, "run_id")
    t0 = time.perf_counter()
    store = services.store()
    scorer_or_note(services)
    service = services.match_service(progress=progress)
    ctx = build_context(services, progress=progress, nightly=ns, service=service)
    prepare = time.perf_counter() - t0
    runner = NightlyRunner(
        ctx,
        store,
        ns,
        out_dir=out or services.layout.nightly,
        run_id=rid,
        engine=make_engine(ns.engine, address=ns.ray_address, workers=ns.ray_workers, processes=ns.processes),
        progress=progress,
    )
    summary = runner.run()
    typer.echo(summary_text(summary))
    if measures:
        t1 = time.perf_counter()
        path = write_team_demand(services, service, ctx.claimants, summary)
        typer.echo(f"Förderbedarf nach Team: {path} ({time.perf_counter() - t1:.1f} s)")
    typer.echo(f"prepared (store, index, embeddings) in {prepare:.1f} s")
    typer.echo(json.dumps({"run_id": rid, "status": "complete"}))


def write_team_demand(
    services: Services, service: MatchService, claimants: Sequence[Claimant], summary: RunSummary
) -> Path:
    """The run's per-team table of the Förderempfehlung: ``foerderbedarf.json`` and ``.html`` in the
    run folder (written whole, replaced atomically; recomputed identically when a run is resumed)."""
    from matcher.files import write_atomic
    from matcher.printable.foerderbedarf import foerderbedarf_page
    from matcher.usecases.measures import TransientQueries, team_demand

    s = services.settings.measures
    table = team_demand(service.with_encoder(TransientQueries(services.encoder())), claimants, s)
    body = {
        "run_id": summary.run_id,
        "market_months": s.market_months,
        "min_cell": table.min_cell,
        "measures": [{"key": k, "label": lab} for k, lab in zip(table.keys, table.labels, strict=True)],
        "teams": [
            {
                "jobcenter": r.jobcenter,
                "team": r.team,
                "claimants": r.claimants,
                "best": dict(zip(table.keys, r.cells, strict=True)),
            }
            for r in table.rows
        ],
    }
    write_atomic(
        summary.run_dir / "foerderbedarf.json",
        (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode(),
    )
    html_path = summary.run_dir / "foerderbedarf.html"
    write_atomic(html_path, foerderbedarf_page(table, summary.run_id, s.market_months).encode())
    # The table read every active claimant's record once more: one audit entry, pseudonymous.
    services.store().add_audit(
        who="passgenau nightly",
        action="nightly.measures",
        model_version=summary.manifest["versions"].get("model"),
        index_version=summary.manifest["versions"].get("index"),
        payload={"run_id": summary.run_id, "claimants": len(claimants)},
    )
    return html_path
