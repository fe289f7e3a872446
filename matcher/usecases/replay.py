"""Audit replay: recompute a logged lookup on its logged versions and say whether it is identical.

The service is rebuilt on the logged index version (versions are kept on disk, see
``index.versions_kept``) and the logged scorer bundle, with the logged settings (k, the day the
lookup judged expiry on, commute and ranking), from the records as they are now. A claimant whose
record changed since is reported (the record hash differs), as are vacancies the store no longer
holds; the recorded list and the replayed one are compared item by item.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from matcher.catalog import ClaimantCatalog
from matcher.errors import BundleMismatch, PassgenauError, UnknownClaimant
from matcher.list_filters import ListFilter
from matcher.lookup_compare import list_differences
from matcher.settings import CommuteSettings, RankingSettings
from matcher.usecases.lookups import (
    LOOKUP_ACTIONS,
    corrected_by_index,
    listed_items,
    record_hash,
    without_handled,
)

if TYPE_CHECKING:
    from matcher.bootstrap import Services


class ReplayError(PassgenauError):
    """An audit entry cannot be replayed (not a lookup, or its versions are gone)."""


@dataclass
class ReplayResult:
    entry_id: int
    identical: bool
    logged: list[dict[str, Any]]
    replayed: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def differences(self) -> list[str]:
        """One line per differing position, naming its first differing field."""
        return [str(d) for d in list_differences(self.logged, self.replayed)]


def replay(services: Services, entry_id: int) -> ReplayResult:
    """Recompute audit entry ``entry_id`` (a suggestions or candidates lookup)."""
    store, encoder, geo = services.store(), services.encoder(), services.geo()
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
        index = services.load_index_version(entry.index_version)
        scorer = services.scorer_version(entry.model_version)
    except BundleMismatch as exc:
        raise ReplayError(f"entry {entry_id} cannot be replayed: {exc}") from None
    notes: list[str] = []
    ids = index.ids.tolist()
    stored = {v.id: v for v in store.list_vacancies()}
    missing = [i for i in ids if i not in stored]
    if missing:
        notes.append(f"{len(missing)} vacancies of the index are no longer stored (e.g. {missing[0]})")
        index.remove(missing)
    claimant_catalog = None
    if p["kind"] == "candidates":
        cs = store.list_claimants(active_only=True, jobcenter=p.get("jobcenter"))
        codes = services.grounded_codes().codes_of(cs)
        claimant_catalog = ClaimantCatalog.build(cs, encoder.encode_claimants(cs), geo, codes=codes)
    service = services.service_over(
        index,
        list(stored.values()),
        scorer=scorer,
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
        # The readings are replayed as corrected now, like the record (``matcher.readings``).
        if corrected_by_index(claimant, store) != p.get("corrected", {}):
            notes.append("the readings of the claimant's wishes were corrected since the lookup")
        hidden = set(p.get("hidden", ()))
        # A list that left out what was handled is replayed the same way (the logged ids).
        narrow = ListFilter.from_payload(p.get("narrow"))  # the list controls the lookup had set
        result = without_handled(service.suggest_for(claimant, k + len(hidden), narrow), hidden, k)
    else:
        result = service.candidates(p["subject_id"], k)
    replayed = [asdict(i) for i in listed_items(result)]
    return ReplayResult(entry_id, replayed == p["items"], p["items"], replayed, notes)
