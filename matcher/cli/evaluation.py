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
    method: Annotated[
        str | None, typer.Option(help="dense, lexical (BM25) or hybrid (default: the configured one).")
    ] = None,
) -> None:
    """Retrieval quality of titles against a corpus: MRR, MAP, Acc@1/5/10; the last line is one JSON
    object."""
    from training.retrieval import evaluate_retrieval, format_report, load_retrieval_set

    settings = state.settings
    how = method or settings.retrieval.method
    data = load_retrieval_set(queries, corpus, qrels)
    embedder = None if how == "lexical" else _embedder(model)
    bm25, fusion = _retrieval_params()
    metrics = evaluate_retrieval(
        data.queries, data.corpus, data.qrels, embedder, method=how, bm25=bm25, fusion=fusion
    )
    name = "bm25" if embedder is None else embedder.model_id
    typer.echo(format_report(metrics, title=f"{name} ({how}) on {queries.name}"))


def _embedder(model: str | None) -> Any:
    from models.embedder import build_embedder

    settings = state.settings
    e = settings.embedder
    return build_embedder(model or e.model, settings.layout.root, e.threads, e.batch_size, e.backend)


def _retrieval_params() -> tuple[Any, Any]:
    from matcher.fusion import FusionParams
    from matcher.lexical import BM25Params

    r = state.settings.retrieval
    return BM25Params(r.bm25_k1, r.bm25_b), FusionParams(r.dense_weight, r.rrf_k)


@eval_app.command("heldout")
@domain_errors
def eval_heldout(
    data: Annotated[Path, typer.Option(help="Folder with esco_de/, esco_en/ and esco_multi/.")],
    split: Annotated[str, typer.Option(help="test (reported), dev (for choosing settings).")] = "test",
    languages: Annotated[
        str, typer.Option(help="Comma-separated query languages; de is always in.")
    ] = "de,en",
    methods: Annotated[
        str, typer.Option(help="Comma-separated: dense, lexical, hybrid.")
    ] = "dense,lexical,hybrid",
    model: Annotated[str | None, typer.Option(help="Embedding model (default: the configured one).")] = None,
    max_queries: Annotated[int, typer.Option(min=1, help="Queries per language at most.")] = 2000,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Also write the sets here (eval retrieval's files).")
    ] = None,
) -> None:
    """Job titles of held-out ESCO concepts (split by concept) → German ESCO labels, per language and
    method: MRR, MAP, Acc@1/5/10 and the ratio to German → German; the last line is one JSON object."""
    from training.retrieval.heldout import load_heldout, write_heldout
    from training.retrieval.report import evaluate_heldout, format_heldout

    langs = [x.strip() for x in languages.split(",") if x.strip()]
    how = [x.strip() for x in methods.split(",") if x.strip()]
    sets = load_heldout(data, ["de", *langs], split=split, seed=seed, max_queries=max_queries)
    if out is not None:
        write_heldout(sets, out)
    embedder = None if set(how) <= {"lexical"} else _embedder(model)
    bm25, fusion = _retrieval_params()
    result = evaluate_heldout(sets, embedder, how, bm25=bm25, fusion=fusion)
    typer.echo(format_heldout(result))


@eval_app.command("fusion-grid")
@domain_errors
def eval_fusion_grid(
    data: Annotated[Path, typer.Option(help="Folder with esco_de/, esco_en/ and esco_multi/.")],
    split: Annotated[str, typer.Option(help="dev: settings are chosen there, never on test.")] = "dev",
    languages: Annotated[
        str, typer.Option(help="Comma-separated query languages; de is always in.")
    ] = "de,en",
    weights: Annotated[str, typer.Option(help="Dense weights to try.")] = "0.3,0.5,0.6,0.7,0.8,0.9",
    ks: Annotated[str, typer.Option(help="RRF k values to try.")] = "10,30,60",
    model: Annotated[str | None, typer.Option(help="Embedding model (default: the configured one).")] = None,
    max_queries: Annotated[int, typer.Option(min=1)] = 2000,
) -> None:
    """Hybrid retrieval for every fusion setting on a split's held-out concepts; one JSON line per
    setting, best mean MRR last."""
    from matcher.fusion import FusionParams
    from training.retrieval.heldout import load_heldout
    from training.retrieval.report import fusion_grid

    if split == "test":
        typer.echo(
            "passgenau: fusion-grid chooses settings; run it on dev, not on the reported test split", err=True
        )
        raise typer.Exit(2)
    langs = [x.strip() for x in languages.split(",") if x.strip()]
    sets = load_heldout(data, ["de", *langs], split=split, max_queries=max_queries)
    grid = [FusionParams(float(w), float(k)) for w in weights.split(",") for k in ks.split(",")]
    bm25, _ = _retrieval_params()
    rows = fusion_grid(sets, _embedder(model), grid, bm25=bm25)
    for row in sorted(rows, key=lambda r: (r["mean_mrr"], r["mean_map"])):
        typer.echo(json.dumps(row, sort_keys=True))


@eval_app.command("probe")
@domain_errors
def eval_probe(
    model: Annotated[str | None, typer.Option(help="Embedding model (default: the configured one).")] = None,
    taxonomy: Annotated[
        str,
        typer.Option(
            help="official: the KldB 2010 Berufsgattungen and the BA's Berufsbenennungen, as "
            "`passgenau import taxonomy --kldb … --crosswalk …` builds them; curated: the list that "
            "ships with passgenau."
        ),
    ] = "official",
    data: Annotated[
        Path, typer.Option(help="Folder with kldb/ and crosswalk/ (for --taxonomy official).")
    ] = Path("../shared/data"),
    probe: Annotated[Path | None, typer.Option(help="Probe set (default: the one shipped).")] = None,
    languages: Annotated[
        str, typer.Option(help="Comma-separated; de is always in.")
    ] = "de,en,ar,uk,tr,ru,fa",
) -> None:
    """The multilingual probe set grounded by the product's grounder: per language Acc@1/@5 of the
    KldB code and of its Berufsgruppe (3 digits), the share grounded as a wish is, and the ratio to
    German; the last line is one JSON object."""
    from matcher.taxonomy import TitleGrounder, curated_titles, read_crosswalk_csv, read_kldb_csv
    from training.retrieval.multilingual import PROBE_FILE, evaluate_probe, format_probe, read_probe

    if taxonomy == "official":
        entries = read_kldb_csv(data / "kldb" / "kldb2010_v2020_gliederung.csv")
        entries += read_crosswalk_csv(data / "crosswalk" / "esco_kldb_occupations_DE_mapping_18.05.22.csv")
    elif taxonomy == "curated":
        entries = curated_titles()
    else:
        typer.echo("passgenau: --taxonomy must be official or curated", err=True)
        raise typer.Exit(2)
    rows = read_probe(probe or PROBE_FILE)
    embedder = _embedder(model)
    vectors = embedder.encode_passages([e.title for e in entries])
    grounder = TitleGrounder(
        entries,
        vectors,
        embedder.encode_queries,
        min_similarity=getattr(embedder, "grounding_floor", 0.85),
        model_id=embedder.model_id,
    )
    langs = [x.strip() for x in languages.split(",") if x.strip()]
    result = evaluate_probe(rows, grounder, langs)
    result |= {"model": embedder.model_id, "taxonomy": taxonomy, "titles": len(entries)}
    typer.echo(format_probe(result))


@eval_app.command("ranking")
@domain_errors
def eval_ranking(
    seed: Annotated[int, typer.Option(help="Seed of the freshly generated region.")],
    claimants: Annotated[int | None, typer.Option(min=1, help="Current claimants of the region.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Current vacancies of the region.")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="Claimants whose lists are evaluated.")] = None,
    placements: Annotated[int | None, typer.Option(min=1, help="Historic placements to train on.")] = None,
    generator: Annotated[
        str,
        typer.Option(
            help="project: the project's region; alt: the second generator (evaluation only: its own "
            "outcome truth, with a hidden employer factor; 7,875 placements by default)."
        ),
    ] = "project",
) -> None:
    """Train on a generated region's history; compare model and lists with the hidden truth.

    The last line is one JSON object: auc, auc_oracle, ece, ndcg10, ndcg10_baselines; with
    --generator alt also auc_observed (the best from the recorded fields), the model's gap to it with
    its 95 % paired bootstrap interval, ece_oracle and ece_observed.
    """
    from training.evaluate import GENERATORS, evaluate_ranking, format_ranking_report

    if generator not in GENERATORS:
        typer.echo(f"passgenau: --generator must be one of {', '.join(GENERATORS)}", err=True)
        raise typer.Exit(2)
    kwargs: dict[str, Any] = {"generator": generator}
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
