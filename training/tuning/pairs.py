"""Training pairs for tuning the embedder on job titles, from the ESCO taxonomy alone.

What the model must learn is that two titles of one occupation belong together, in German and from
any language to German; so a pair is (a label of an occupation as the query, a German label of the
same occupation as the passage), with, where there is one, a German label of a *sibling* occupation
(the same ISCO-08 unit group) as the hard negative: the sibling is what dense retrieval confuses.

Rules:
- only occupations of the ``train`` split (``training.retrieval.concepts``): the dev and test
  concepts stay unseen, so the held-out figures measure matching, not memory;
- German → German: every ordered pair of distinct labels of one occupation, the preferred label
  included; other languages → German: every label of the occupation in that language with each
  German label; capped per occupation (``per_concept``) by a seeded draw, so that occupations with
  forty labels do not crowd out those with two;
- **never a pair of the BA's ESCO–KldB crosswalk** (a public benchmark is built from it): a pair is
  dropped when either side, case-folded, is a BA title (or one gendered half of it) that the
  crosswalk maps to the pair's occupation (``drop_crosswalk``); ``crosswalk_leaks`` is the check a
  test runs on the final pairs.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import PassgenauError
from training.retrieval.concepts import concept_id, split_of
from training.retrieval.heldout import Occupation, gendered_halves, label_key


def _forms(text: str) -> set[str]:
    """The case-folded text and its gendered halves ("Koch/Köchin" → koch/köchin, koch, köchin)."""
    return {label_key(text)} | gendered_halves(text)


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    positive: str  # a German label of the same occupation
    negative: str | None  # a German label of a sibling occupation, if there is one
    concept: str
    lang: str


def build_pairs(
    german: Sequence[Occupation],
    others: Mapping[str, Sequence[Occupation]],
    isco_group: Mapping[str, str],
    *,
    seed: int = 0,
    per_concept: int = 12,
    split: str = "train",
    per_language: int | None = None,
) -> list[Pair]:
    """Pairs of the ``split``'s occupations (module doc), in a seeded, reproducible order.

    ``per_language`` (when set) caps the pairs of one occupation per language instead of in all:
    with 21 languages a cap of 12 in all leaves a language about half a pair per occupation, and
    the languages with few labels (Estonian, Latvian) hardly any; ``per_concept`` is then unused."""
    rng = random.Random(seed)
    by_id = {o.id: o for o in german if split_of(o.id) == split}
    siblings: dict[str, list[str]] = defaultdict(list)
    for oid in sorted(by_id):
        group = isco_group.get(oid)
        if group:
            siblings[group].append(oid)
    langs: dict[str, dict[str, Occupation]] = {
        lang: {o.id: o for o in occs if o.id in by_id} for lang, occs in sorted(others.items())
    }
    out: list[Pair] = []
    for oid in sorted(by_id):
        occ = by_id[oid]
        german_labels = list(dict.fromkeys(occ.labels))
        peers = [s for s in siblings.get(isco_group.get(oid, ""), []) if s != oid]
        groups: list[list[tuple[str, str, str]]] = [
            [("de", q, p) for q in german_labels for p in german_labels if label_key(q) != label_key(p)]
        ]
        for lang, occs in langs.items():
            if oid in occs:
                groups.append([(lang, q, p) for q in dict.fromkeys(occs[oid].labels) for p in german_labels])
        if per_language is not None:
            candidates = [
                c for g in groups for c in (rng.sample(g, per_language) if len(g) > per_language else g)
            ]
        else:
            candidates = [c for g in groups for c in g]
            if len(candidates) > per_concept:
                candidates = rng.sample(candidates, per_concept)
        for lang, q, p in candidates:
            neg = None
            if peers:
                sib = by_id[rng.choice(peers)]
                neg = rng.choice(sib.labels)
            out.append(Pair(q, p, neg, oid, lang))
    rng.shuffle(out)
    return out


def read_crosswalk_links(path: Path) -> set[tuple[str, str]]:
    """``(case-folded BA title, ESCO concept id)`` of every row of the BA's ESCO–KldB occupations
    crosswalk (six header lines, then ``Classification 1 URI,…``), ISCO-group rows included."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PassgenauError(f"{path}: cannot read the crosswalk: {exc}") from None
    lines = text.splitlines()
    start = next((i for i, s in enumerate(lines) if s.startswith("Classification 1 URI")), None)
    if start is None:
        raise PassgenauError(f"{path}: no 'Classification 1 URI,…' table header")
    links: set[tuple[str, str]] = set()
    for row in csv.reader(io.StringIO("\n".join(lines[start + 1 :]))):
        if len(row) >= 4 and row[0].strip() and row[3].strip():
            links.add((label_key(row[3]), concept_id(row[0].strip())))
    return links


def crosswalk_leaks(pairs: Iterable[Pair], links: set[tuple[str, str]]) -> list[Pair]:
    """The pairs with a side that the crosswalk maps to the pair's occupation (module doc)."""
    return [
        p
        for p in pairs
        if any((f, p.concept) in links for side in (p.query, p.positive) for f in _forms(side))
    ]


def drop_crosswalk(pairs: Sequence[Pair], links: set[tuple[str, str]]) -> list[Pair]:
    leaked = set(map(id, crosswalk_leaks(pairs, links)))
    return [p for p in pairs if id(p) not in leaked]


def read_isco_groups(path: Path) -> dict[str, str]:
    """Concept id → ISCO-08 unit group of an ESCO ``occupations_*.csv`` (column ``iscoGroup``)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if "iscoGroup" not in (reader.fieldnames or []):
                raise PassgenauError(f"{path}: missing column iscoGroup")
            return {concept_id(r["conceptUri"] or ""): (r["iscoGroup"] or "").strip() for r in reader}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PassgenauError(f"{path}: cannot read ESCO occupations: {exc}") from None
