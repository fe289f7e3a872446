"""`passgenau eval`: retrieval quality of an embedding model, ranking quality on a generated
region, and the ESCO development set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.cli.base import domain_errors, state

eval_app = typer.Typer(help="Quality evaluation.", no_args_is_help=True)


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
    embedder = build_embedder(model or e.model, settings.layout.root, e.threads, e.batch_size, e.backend)
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


@eval_app.command("measures")
@domain_errors
def eval_measures(
    seed: Annotated[int, typer.Option(help="Seed of the freshly generated region.")],
    claimants: Annotated[int | None, typer.Option(min=1, help="Current claimants of the region.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Current vacancies of the region.")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="Claimants whose measures are compared.")] = None,
    placements: Annotated[int | None, typer.Option(min=1, help="Historic placements to train on.")] = None,
) -> None:
    """Förderempfehlung against the truth: each measure's gain by the model and by the generator.

    The last line is one JSON object: top1_agreement, spearman, claimants.
    """
    from training.evaluate_measures import evaluate_measures, format_measures_report

    kwargs: dict[str, Any] = {}
    for name, value in (("claimants", claimants), ("vacancies", vacancies), ("sample", sample),
                        ("placements", placements)):  # fmt: skip
        if value is not None:
            kwargs[name] = value
    result = evaluate_measures(seed, settings=state.settings, **kwargs)
    typer.echo(format_measures_report(result))


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
