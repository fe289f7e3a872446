"""Audit entries of lookups, and their replay.

Every suggestions or candidates call writes one entry: who (the token's name), when, the claimant's
pseudonym (or the vacancy), the model and index versions, what decides the list besides them (k,
the day the lookup judged expiry on, the commute and ranking settings, the Jobcenter the candidates
came from, a hash of the claimant record) and the list itself with its scores as shown (4 decimals,
as ``MatchService`` rounds them). Nothing else of the claimant is written: no names, no free text.

``replay`` rebuilds a service on the logged index version (versions are kept on disk, see
``index.versions_kept``) and the logged scorer bundle, recomputes the list from the records as
they are now, and says whether it is identical. A claimant whose record changed since is reported
(the record hash differs), as are vacancies the store no longer holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matcher.domain import Claimant, to_dict
from matcher.errors import BundleMismatch, PassgenauError, UnknownClaimant
from matcher.lookup_compare import list_differences
from matcher.service import FitOnlyScorer, MatchList, MatchService, PairScorer
from matcher.settings import CommuteSettings, RankingSettings, Settings
from matcher.store import Store

LOOKUP_ACTIONS = ("suggestions", "candidates")


class ReplayError(PassgenauError):
    """An audit entry cannot be replayed (not a lookup, or its versions are gone)."""


def record_hash(c: Claimant) -> str:
    text = json.dumps(to_dict(c), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def list_items(result: MatchList) -> list[dict[str, Any]]:
    return [
        {"rank": m.rank, "claimant_id": m.claimant_id, "vacancy_id": m.vacancy_id, "score": round(m.score, 4)}
        for m in result.items
    ]


def lookup_payload(
    service: MatchService,
    result: MatchList,
    *,
    k: int,
    claimant: Claimant | None = None,
    jobcenter: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": result.kind,
        "subject_id": result.subject_id,
        "k": k,
        "as_of": service.today.isoformat(),
        "embedder_id": result.embedder_id,
        "commute": service.commute.model_dump(),
        "ranking": service.ranking.model_dump(),
        "considered": result.considered,
        "eligible": result.eligible,
        "items": list_items(result),
    }
    if claimant is not None:
        payload["record_sha256"] = record_hash(claimant)
    if jobcenter is not None:
        payload["jobcenter"] = jobcenter
    return payload


@dataclass
class ReplayResult:
    entry_id: int
    identical: bool
    logged: list[dict[str, Any]]
    replayed: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def differences(self) -> list[str]:
        return [str(d) for d in list_differences(self.logged, self.replayed)]


def scorer_for(settings: Settings, model_version: str) -> PairScorer:
    """The scorer of a logged model version: a kept bundle, or fit-only ranking."""
    if model_version == FitOnlyScorer.model_version:
        return FitOnlyScorer()
    from models.bundle import load_bundle
    from models.pair_scorer import ModelScorer, scorer_root

    path = scorer_root(settings) / model_version
    if not path.is_dir():
        raise ReplayError(f"scorer bundle {model_version} is no longer kept under {scorer_root(settings)}")
    return ModelScorer.from_bundle(load_bundle(path), settings.household)


def replay(settings: Settings, store: Store, encoder: Any, entry_id: int) -> ReplayResult:
    """Recompute a logged lookup on its logged versions; ``encoder`` is a ``RecordEncoder``."""
    from matcher.catalog import ClaimantCatalog, VacancyCatalog
    from matcher.geo import load_directory
    from matcher.index import FaissIndex
    from matcher.wiring import build_grounder, index_root

    entry = store.get_audit(entry_id)
    if entry is None:
        raise ReplayError(f"no audit entry {entry_id}")
    if entry.action not in LOOKUP_ACTIONS or not entry.index_version or not entry.model_version:
        raise ReplayError(f"audit entry {entry_id} is a {entry.action!r}, not a lookup")
    p = entry.payload
    if p.get("embedder_id") != encoder.model_id:
        raise ReplayError(
            f"entry {entry_id} used embedder {p.get('embedder_id')}, this is {encoder.model_id}"
        )
    try:
        index = FaissIndex.load_version(index_root(settings) / entry.index_version, model_id=encoder.model_id)
    except BundleMismatch as exc:
        raise ReplayError(f"index version {entry.index_version} cannot be loaded: {exc}") from None
    scorer = scorer_for(settings, entry.model_version)
    notes: list[str] = []
    geo = load_directory()
    ids = index.ids.tolist()
    stored = {v.id: v for v in store.list_vacancies()}
    missing = [i for i in ids if i not in stored]
    if missing:
        notes.append(f"{len(missing)} vacancies of the index are no longer stored (e.g. {missing[0]})")
        keep = [i for i in ids if i in stored]
        index.remove(missing)
        ids = keep
    catalog = VacancyCatalog.build([stored[i] for i in ids], geo)
    claimant_catalog = None
    if p["kind"] == "candidates":
        cs = store.list_claimants(active_only=True, jobcenter=p.get("jobcenter"))
        claimant_catalog = ClaimantCatalog.build(cs, encoder.encode_claimants(cs), geo)
    service = MatchService(
        claimants=store,
        vacancies=catalog,
        index=index,
        encoder=encoder,
        geo=geo,
        scorer=scorer,
        grounder=build_grounder(settings, encoder),
        claimant_catalog=claimant_catalog,
        commute=CommuteSettings(**p["commute"]),
        ranking=RankingSettings(**p["ranking"]),
        today=date.fromisoformat(p["as_of"]),
    )
    k = int(p["k"])
    if p["kind"] == "suggestions":
        try:
            claimant = store.get_claimant(p["subject_id"])
        except UnknownClaimant:
            raise ReplayError(f"claimant {p['subject_id']} is no longer stored (erased?)") from None
        if record_hash(claimant) != p.get("record_sha256"):
            notes.append("the claimant's record changed since the lookup")
        result = service.suggest_for(claimant, k)
    else:
        result = service.candidates(p["subject_id"], k)
    replayed = list_items(result)
    return ReplayResult(entry_id, replayed == p["items"], p["items"], replayed, notes)
