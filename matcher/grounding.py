"""Each claimant's grounded occupation codes, computed when the claimant is written, not per lookup.

Grounding a wish ("Verkäuferin Bäckerei") to KldB codes embeds its text (``TitleGrounder``): tens
of milliseconds a text. Reverse matching compares one vacancy with every claimant of a Jobcenter, so
grounding the candidates' wishes on the fly cost 1.7-2.7 s the first time a vacancy was asked for
(issue 13, item 13). The answers are therefore stored here, one JSON file per grounder (its ``key``:
model, titles, thresholds) under ``layout.grounding``, one entry per claimant id with a hash of the
wishes it was computed from. Writers keep it current: the API's claimant create/update
(``api.runtime``), the CLI's claimant import (``Services.ground_claimants``), and erasure removes the
entry (``forget``, from every grounder's file). A reader that meets a missing or stale entry (wishes
changed by a path that could not ground, e.g. an import before the embedding model was built)
grounds it then and stores it, so a stored answer is never used for wishes it was not computed from.
A case manager's correction of a wish's reading (``matcher.readings``) replaces the grounder's
answer for that wish; the entry's key covers the corrections, so a new or removed one makes it stale.

Derived data, rebuildable from the store like the embedding cache and the index: files, not tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from matcher.artifacts import exclusive_lock
from matcher.domain import Claimant
from matcher.files import write_atomic
from matcher.pairs import Grounder, codes_with
from matcher.readings import CorrectionsOf, corrected_codes
from matcher.text import content_hash

log = logging.getLogger(__name__)

FORMAT = 1


class KeyedGrounder(Grounder, Protocol):
    """A grounder whose answers are identified by a key (``TitleGrounder.key``)."""

    key: str


def wishes_key(c: Claimant, corrected: Mapping[str, str] | None = None) -> str:
    """What a claimant's grounding depends on: the wish texts, in order, and the case manager's
    corrections of their readings (``matcher.readings``; none: the key of the wishes alone)."""
    text = "wishes\n" + "\n".join(t.strip() for t in c.desired_occupations)
    if corrected:
        text += "\ncorrected\n" + "\n".join(f"{w}\t{k}" for w, k in sorted(corrected.items()))
    return content_hash(text)


class GroundedCodes:
    """The stored groundings of one grounder (``root / f"{grounder.key}.json"``); ``corrections``:
    the stored corrections of readings, per claimant id, which replace the grounder's reading."""

    def __init__(self, root: Path, grounder: KeyedGrounder, corrections: CorrectionsOf | None = None) -> None:
        self.root = root
        self.grounder = grounder
        self.corrections = corrections
        self.path = root / f"{grounder.key}.json"

    # -- reading and keeping current -----------------------------------------------------------
    def codes_of(self, claimants: Sequence[Claimant]) -> list[tuple[str, ...]]:
        """Each claimant's KldB codes (recorded, experience, grounded wishes), aligned with
        ``claimants``: the stored grounding where it is current, else grounded now and stored."""
        stored = self._read()
        grounded, fresh = self._ground(claimants, stored)
        if fresh:
            self._update(fresh, ())
        return [codes_with(c, g) for c, g in zip(claimants, grounded, strict=True)]

    def refresh(self, claimants: Sequence[Claimant]) -> int:
        """Ground and store these claimants where their stored entry is missing or stale; how many."""
        _, fresh = self._ground(claimants, self._read())
        if fresh:
            self._update(fresh, ())
        return len(fresh)

    def forget(self, claimant_ids: Iterable[str]) -> int:
        """Remove these claimants' entries; how many were held."""
        return forget_in(self.path, claimant_ids)

    def _ground(
        self, claimants: Sequence[Claimant], stored: dict[str, Any]
    ) -> tuple[list[list[str]], dict[str, dict[str, Any]]]:
        out: list[list[str]] = []
        fresh: dict[str, dict[str, Any]] = {}
        fixes = self.corrections([c.id for c in claimants]) if self.corrections and claimants else {}
        for c in claimants:
            corrected = fixes.get(c.id, {})
            key = wishes_key(c, corrected)
            entry = stored.get(c.id)
            if entry is not None and entry.get("wishes") == key:
                out.append(list(entry["codes"]))
                continue
            if not c.desired_occupations:
                codes: list[str] = []
            elif corrected:
                codes = corrected_codes(self.grounder, c.desired_occupations, corrected)
            else:
                codes = self.grounder.codes_for(c.desired_occupations)
            fresh[c.id] = {"wishes": key, "codes": list(codes)}
            out.append(list(codes))
        return out, fresh

    # -- the file ------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        return read_entries(self.path)

    def _update(self, upsert: dict[str, dict[str, Any]], remove: Iterable[str]) -> None:
        with exclusive_lock(self.path.with_name(self.path.name + ".lock")):
            entries = read_entries(self.path)  # again under the lock: another writer may have added
            entries.update(upsert)
            for cid in remove:
                entries.pop(cid, None)
            _write(self.path, entries)


def read_entries(path: Path) -> dict[str, Any]:
    """The entries of one grounder's file ({} if there is none or it is of another format)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # Derived data: a damaged file is rebuilt from the store, not a reason to stop serving.
        log.warning("grounding file %s unreadable (%s): grounding again", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("claimants")
    return dict(entries) if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, Any]) -> None:
    body = {"format": FORMAT, "claimants": dict(sorted(entries.items()))}
    write_atomic(path, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def forget_in(path: Path, claimant_ids: Iterable[str]) -> int:
    """Remove these claimants' entries from one grounder's file; how many were held."""
    ids = set(claimant_ids)
    if not ids or not path.exists():
        return 0
    with exclusive_lock(path.with_name(path.name + ".lock")):
        entries = read_entries(path)
        held = ids & entries.keys()
        if held:
            _write(path, {k: v for k, v in entries.items() if k not in held})
    return len(held)


def forget_everywhere(root: Path, claimant_ids: Iterable[str]) -> int:
    """Remove these claimants from every grounder's file under ``root`` (an earlier model's too)."""
    ids = list(claimant_ids)
    if not root.is_dir():
        return 0
    return sum(forget_in(p, ids) for p in sorted(root.glob("*.json")))
