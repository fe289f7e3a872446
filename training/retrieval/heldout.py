"""Retrieval sets on held-out ESCO concepts: job titles of one language → German ESCO labels.

What the matcher must do with a title a claimant or an employer wrote is find the German occupation;
the public benchmarks it is judged on (hidden from the project) ask for the German ESCO labels of the
right occupation. These sets pose the same task on concepts of one split (``concepts.split_of``)
only, so a model tuned on the ``train`` concepts is measured on concepts it never saw.

Construction (deterministic for given files, split and seed):

- **Corpus**: the German labels (preferred and alternative) of *every* occupation, one document per
  distinct case-folded label (its smallest spelling), relevant to every occupation that carries it;
  minus the labels drawn as German queries.
- **German queries**: for each occupation of the split, about half of its alternative labels
  (at least one), drawn by a seeded RNG among those that are neither its preferred label nor one
  gendered half of it ("Koch" of "Koch/Köchin") and that no other occupation carries; gendered twins
  ("Rohrzieher", "Rohrzieherin") are drawn together. They leave the corpus, the preferred label
  always stays. Relevant: the corpus labels of the occupation.
- **Other languages**: every label of an occupation of the split in that language, unless it is
  word for word a German label of the corpus or a German query (case-folded, or a gendered half of
  one) or is also carried by an occupation outside the split. A label carried by several
  occupations of the split is one query relevant to all of their German labels.
- At most ``max_queries`` per language, a seeded sample; ids ``<lang>-q00001`` in sorted text order.

Nothing here reads the BA's crosswalk: it is a benchmark's source, not ours.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import PassgenauError
from matcher.files import write_atomic
from training.esco_devset import GENDER_SPLIT, read_occupations
from training.retrieval.concepts import SPLITS, concept_id, split_of

_BARE_VOWELS = str.maketrans("äöü", "aou")
# Languages of the shared ESCO exports beside German: English as CSV, 19 more as TSV.
MULTI: tuple[str, ...] = (
    *("bg", "cs", "da", "es", "et", "fr", "hr", "hu", "it", "lt"),
    *("lv", "nl", "no", "pl", "pt", "ro", "sk", "sl", "sv"),
)
LANGUAGES = ("de", "en", *MULTI)


def label_key(label: str) -> str:
    """A label as it is compared: whitespace collapsed, case-folded."""
    return " ".join(label.split()).casefold()


def gendered_halves(label: str) -> set[str]:
    """The keys of a label's gendered halves ("Koch/Köchin" → koch, köchin)."""
    return {label_key(h) for h in GENDER_SPLIT.split(label) if h.strip()}


def _twin_key(key: str) -> str:
    """One key for the gendered forms of a title ("Rohrzieher", "Rohrzieherin"; "Kaufmann",
    "Kauffrau"), so that they are drawn together: a query whose twin stays in the corpus would be
    found by its spelling alone."""
    words = []
    for w in key.split():
        if w.endswith("innen"):
            w = w[:-5]
        elif w.endswith("in") and len(w) > 4:
            w = w[:-2]
        words.append(w.replace("frau", "mann").replace("männer", "mann").replace("leute", "mann"))
    # "Koch"/"Köchin", "Arzt"/"Ärztin": the feminine form often takes an umlaut
    return " ".join(words).translate(_BARE_VOWELS)


@dataclass(frozen=True)
class Occupation:
    id: str
    preferred: str
    alternatives: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.preferred, *self.alternatives)


@dataclass
class HeldoutSets:
    split: str
    corpus: dict[str, str]  # doc id -> German label
    owners: dict[str, set[str]]  # doc id -> occupations carrying it
    queries: dict[str, dict[str, str]]  # lang -> qid -> text
    qrels: dict[str, dict[str, dict[str, int]]]  # lang -> qid -> doc id -> 1
    concepts: dict[str, int]  # lang -> occupations of the split with at least one query


def read_esco_labels(data_dir: Path, lang: str) -> list[Occupation]:
    """Occupations with their labels in ``lang`` from the shared layout (``esco_de``, ``esco_en``,
    ``esco_multi/occupations_<ll>.tsv``); raises naming file and row on a malformed file."""
    root = Path(data_dir)
    if lang in ("de", "en"):
        rows = read_occupations(root / f"esco_{lang}" / f"occupations_{lang}.csv")
        return [Occupation(i, p, tuple(a)) for i, p, a in rows]
    path = root / "esco_multi" / f"occupations_{lang}.tsv"
    pref: dict[str, str] = {}
    alts: dict[str, list[str]] = defaultdict(list)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            need = ("concept_uri", "label", "preferred")
            if any(c not in (reader.fieldnames or []) for c in need):
                raise PassgenauError(f"{path}: columns {', '.join(need)} needed")
            for row in reader:
                # a few labels of the export begin with a stray "; " (Hungarian): not part of the title
                uri, label = row["concept_uri"] or "", " ".join((row["label"] or "").split()).strip(" ;,")
                if "/occupation/" not in uri or not label:
                    continue
                cid = concept_id(uri)
                if row["preferred"] == "1":
                    pref[cid] = label
                else:
                    alts[cid].append(label)
    except FileNotFoundError:
        raise PassgenauError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PassgenauError(f"{path}: cannot read ESCO labels: {exc}") from None
    out = []
    for cid in sorted(set(pref) | set(alts)):
        labels = alts[cid]
        p = pref.get(cid) or labels[0]
        out.append(Occupation(cid, p, tuple(x for x in labels if x != p)))
    return out


def build_heldout(
    german: list[Occupation],
    others: Mapping[str, list[Occupation]],
    *,
    split: str = "test",
    seed: int = 0,
    max_queries: int = 2000,
) -> HeldoutSets:
    """The German corpus and the queries of each language on the ``split``'s concepts (module doc)."""
    if split not in SPLITS:
        raise PassgenauError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    rng = random.Random(seed)
    carriers: dict[str, set[str]] = defaultdict(set)  # German label key -> occupations
    for occ in german:
        for label in occ.labels:
            carriers[label_key(label)].add(occ.id)
    in_split = {o.id for o in german if split_of(o.id) == split}

    drawn: dict[str, str] = {}  # German query key -> its occupation
    surface: dict[str, str] = {}
    for occ in sorted(german, key=lambda o: o.id):
        if occ.id not in in_split:
            continue
        trivial = {label_key(occ.preferred)} | gendered_halves(occ.preferred)
        twins: dict[str, dict[str, str]] = defaultdict(dict)
        for a in occ.alternatives:
            twins[_twin_key(label_key(a))][label_key(a)] = a
        trivial_twins = {_twin_key(t) for t in trivial}
        groups = [
            sorted(g.items())
            for t, g in sorted(twins.items())
            if t not in trivial_twins and all(k not in trivial and carriers[k] == {occ.id} for k in g)
        ]
        if not groups:
            continue
        rng.shuffle(groups)
        for group in groups[: max(1, len(groups) // 2)]:
            for key, text in group:
                drawn[key] = occ.id
                surface[key] = text

    docs: dict[str, str] = {}
    for occ in german:
        for label in occ.labels:
            key = label_key(label)
            if key not in drawn:
                docs[key] = min(docs.get(key, label), label)
    keys = sorted(docs)
    width = max(5, len(str(len(keys))))
    doc_id = {k: f"d{i:0{width}d}" for i, k in enumerate(keys, start=1)}
    corpus = {doc_id[k]: docs[k] for k in keys}
    owners = {doc_id[k]: set(carriers[k]) for k in keys}
    docs_of: dict[str, set[str]] = defaultdict(set)
    for d, occs in owners.items():
        for o in occs:
            docs_of[o].add(d)

    word_for_word = set(docs) | set(drawn)
    for k in list(word_for_word):
        word_for_word |= gendered_halves(k)

    queries: dict[str, dict[str, str]] = {}
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    concepts: dict[str, int] = {}
    pools: dict[str, dict[str, tuple[str, set[str]]]] = {
        "de": {k: (surface[k], {o}) for k, o in drawn.items()}
    }
    for lang, occupations in sorted(others.items()):
        label_owners: dict[str, set[str]] = defaultdict(set)
        spelled: dict[str, str] = {}
        for occ in occupations:
            for label in occ.labels:
                key = label_key(label)
                label_owners[key].add(occ.id)
                spelled[key] = min(spelled.get(key, label), label)
        pool: dict[str, tuple[str, set[str]]] = {}
        for key, occs in label_owners.items():
            if not occs <= in_split or key in word_for_word or (gendered_halves(key) & word_for_word):
                continue
            if any(docs_of.get(o) for o in occs):
                pool[key] = (spelled[key], occs)
        pools[lang] = pool
    for lang, pool in pools.items():
        chosen = sorted(pool)
        if len(chosen) > max_queries:
            chosen = sorted(random.Random(f"{seed}:{lang}").sample(chosen, max_queries))
        w = max(5, len(str(len(chosen))))
        queries[lang], qrels[lang] = {}, {}
        seen: set[str] = set()
        for i, key in enumerate(chosen, start=1):
            qid = f"{lang}-q{i:0{w}d}"
            text, occs = pool[key]
            queries[lang][qid] = text
            qrels[lang][qid] = {d: 1 for o in sorted(occs) for d in sorted(docs_of.get(o, ()))}
            seen |= occs
        concepts[lang] = len(seen)
    return HeldoutSets(split, corpus, owners, queries, qrels, concepts)


def load_heldout(
    data_dir: Path, languages: Iterable[str], *, split: str = "test", seed: int = 0, max_queries: int = 2000
) -> HeldoutSets:
    """``build_heldout`` from the shared ESCO files for ``languages`` (``de`` is always built)."""
    langs = list(dict.fromkeys(languages))
    unknown = [x for x in langs if x not in LANGUAGES]
    if unknown:
        raise PassgenauError(f"languages: {', '.join(unknown)} not in {', '.join(LANGUAGES)}")
    german = read_esco_labels(data_dir, "de")
    others = {lang: read_esco_labels(data_dir, lang) for lang in langs if lang != "de"}
    sets = build_heldout(german, others, split=split, seed=seed, max_queries=max_queries)
    keep = set(langs) | {"de"}
    sets.queries = {k: v for k, v in sets.queries.items() if k in keep}
    sets.qrels = {k: v for k, v in sets.qrels.items() if k in keep}
    return sets


def _write_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def write_heldout(sets: HeldoutSets, out_dir: Path) -> dict[str, Path]:
    """``corpus.tsv`` and per language ``queries_<lang>.tsv`` and ``qrels_<lang>.txt`` (the formats
    of ``passgenau eval retrieval``), so every figure can be recomputed by that command."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"corpus": out / "corpus.tsv"}
    _write_atomic(paths["corpus"], "id\ttext\n" + "".join(f"{d}\t{t}\n" for d, t in sets.corpus.items()))
    for lang in sorted(sets.queries):
        q, r = out / f"queries_{lang}.tsv", out / f"qrels_{lang}.txt"
        _write_atomic(q, "id\ttext\n" + "".join(f"{i}\t{t}\n" for i, t in sets.queries[lang].items()))
        _write_atomic(r, "".join(f"{i} 0 {d} 1\n" for i, rel in sets.qrels[lang].items() for d in rel))
        paths[f"queries_{lang}"], paths[f"qrels_{lang}"] = q, r
    return paths
