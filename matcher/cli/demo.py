"""`passgenau demo`: a generated region, imported, trained, indexed, matched and served, end to end."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.base import domain_errors, locator, state
from matcher.cli.lookups import lookup_service, print_list
from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.store import Store
    from models.encoding import RecordEncoder

# The files of a generated region in import order (vacancies before the outcomes that name them).
REGION_FILES = (
    ("vacancies", "history_vacancies.csv"),
    ("vacancies", "vacancies.csv"),
    ("claimants", "history_claimants.csv"),
    ("claimants", "claimants.csv"),
    ("outcomes", "outcomes.csv"),
    ("proposals", "proposals.csv"),
)


@domain_errors
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the demo region.")] = 2026,
    claimants: Annotated[int, typer.Option(min=1)] = 2000,
    vacancies: Annotated[int, typer.Option(min=1)] = 1500,
    placements: Annotated[int, typer.Option(min=1, help="Historic placements to learn from.")] = 6000,
    lookup: Annotated[bool, typer.Option(help="Train, index and match one claimant.")] = True,
    serve: Annotated[
        bool, typer.Option(help="End by serving the web page and API (needs the lookup steps).")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
) -> None:
    """Build a demo region into the data directory, run passgenau on it end to end, then serve it.

    The last step serves the case managers' page and the API until Ctrl+C and prints a demo token
    (a case manager of the first claimant's Jobcenter); --no-serve stops after the lookup.
    """
    from matcher.importer import import_file
    from training.synthetic import generate_region, summary, write_region

    services = state.services
    settings = services.settings
    t0 = time.perf_counter()
    region_dir = settings.layout.demo_region
    typer.echo(f"1. Generating the demo region (seed {seed}) into {region_dir} ...")
    # The demo's vacancies are current as of today (synth's default date is fixed for byte-identity).
    today = date.today()
    region = generate_region(
        seed=seed, claimants=claimants, vacancies=vacancies, placements=placements, reference_date=today
    )
    write_region(region, region_dir)
    info = summary(region)
    typer.echo(
        f"   {info['claimants']:,} claimants, {info['vacancies']:,} vacancies, "
        f"{info['placements']:,} placements ({info['share_employed_12m']:.0%} lasted 12 months, "
        f"{info['share_ended_within_6m']:.0%} ended within 6 months)"
    )
    typer.echo("2. Importing into the database (each file all or nothing) ...")
    store = services.store()
    locate = locator(services.geo)
    for kind, name in REGION_FILES:
        report = import_file(
            store,
            region_dir / name,
            kind,
            locate=locate,
            error_limit=settings.import_error_limit,
            profiles_changed=services.forget_profiles,
        )
        typer.echo(f"   {report}")
    typer.echo(f"   database: {json.dumps(store.counts(), sort_keys=True)}")
    typer.echo(f"   region built and imported in {time.perf_counter() - t0:.1f} s")
    if not lookup:
        return
    from training.train import train_from_store

    t1 = time.perf_counter()
    encoder = services.encoder()
    typer.echo("3. Training the match and sustainability models on the history ...")
    # The scorer is asked for only after this: the lookup below uses the bundle trained here.
    bundle = train_from_store(settings, store, encoder)
    metrics = json.loads((bundle / "manifest.json").read_text()).get("metrics", {})
    typer.echo(f"   {bundle.name}: {json.dumps(metrics, default=str)[:400]}")
    typer.echo("4. Embedding model and vacancy index ...")
    service = lookup_service(services)
    typer.echo(f"   model {services.encoder().model_id}")
    typer.echo(f"   ready in {time.perf_counter() - t1:.1f} s (index {service.index.version})")
    first = sorted(c.id for c in store.list_claimants(active_only=True))[0]
    typer.echo(f"5. Suggestions for claimant {first}:")
    print_list(service.suggest(first, 10), as_json=False)
    typer.echo(
        f"Demo done in {time.perf_counter() - t0:.1f} s. Data directory: {settings.layout.root.resolve()}"
    )
    if serve:
        serve_demo(settings, store, first, host, port, encoder=encoder)


def serve_demo(
    settings: Settings,
    store: Store,
    claimant_id: str,
    host: str,
    port: int,
    encoder: RecordEncoder | None = None,
) -> None:
    """Serve the page and API on the demo data with a fresh case-manager token for its Jobcenter
    (the store and the already loaded embedding model are reused)."""
    import uvicorn

    from api.app import create_app
    from api.auth import create_token

    jobcenter = store.get_claimant(claimant_id).jobcenter
    token, secret = create_token(store, "Demo-Fallmanagerin", "case_manager", jobcenter)
    shown = f"[{host}]" if ":" in host else host
    typer.echo("6. Serving the case managers' page and the API (Ctrl+C ends it):")
    typer.echo(f"   address: http://{shown}:{port}/")
    typer.echo(f"   demo token ({token.role}, Jobcenter {jobcenter}, {token.id}): {secret}")
    typer.echo(f"   then open claimant {claimant_id}: http://{shown}:{port}/kunden/{claimant_id}")
    from api.runtime import single_thread_blas

    single_thread_blas()  # as `passgenau serve` does (concurrent lookups on 2 cores)
    app_ = create_app(settings, encoder=encoder, store=store)
    uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)
