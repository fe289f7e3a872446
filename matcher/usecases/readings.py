"""How a claimant's wishes were read, and a case manager's correction of a misreading (issue 22).

The readings come from the live service's own grounder, the one the lookup's match depth uses, so
the page shows what matching does. A correction is checked against the taxonomy that grounder reads
with (the imported KldB titles or the curated list, never ``../shared``), stored, audited, and
reaches matching at once: the live state re-grounds the claimant (``LiveMatching.claimant_changed``:
the stored grounding is keyed by the corrections, so it is recomputed) and the forward lookup reads
the corrections with the claimant (``matcher.readings.CorrectedGrounder``).

Reading is a read of the claimant (audited, Jobcenter checked like every read); correcting is a
write of it (the API asks for a role that reads claimants too: batch writes records blind, and a
correction is a judgement on what the page shows).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, cast

from matcher.domain import Claimant
from matcher.errors import ValidationError
from matcher.readings import (
    Correction,
    OccupationTitles,
    ReadingGrounder,
    WishReading,
    wish_key,
    wish_readings,
)
from matcher.usecases.access import audit, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching

SEARCH_LIMIT = 20


class CorrectionRepository(Protocol):
    def corrections_of(self, claimant_id: str) -> dict[str, Correction]: ...

    def set_wish_correction(self, claimant_id: str, wish: str, kldb: str, by: str, at: datetime) -> None: ...

    def remove_wish_correction(self, claimant_id: str, wish: str) -> bool: ...


class WishReadings:
    def __init__(
        self,
        claimants: ClaimantRepository,
        log: AuditLog,
        corrections: CorrectionRepository,
        live: LiveMatching,
    ) -> None:
        self.claimants = claimants
        self.log = log
        self.corrections = corrections
        self.live = live
        self._titles: tuple[ReadingGrounder, OccupationTitles] | None = None

    # -- the grounder the lookup uses ------------------------------------------------------------
    def _grounder(self) -> ReadingGrounder:
        g = self.live.service.grounder
        if g is None or not hasattr(g, "nearest"):
            raise ValidationError("desired_occupations", "no occupation grounder is configured")
        return cast("ReadingGrounder", g)

    def titles(self) -> OccupationTitles:
        """The codes of the live grounder's taxonomy (built once per grounder)."""
        g = self._grounder()
        held = self._titles
        if held is None or held[0] is not g:
            held = (g, OccupationTitles(g.entries))
            self._titles = held
        return held[1]

    def _readings(self, c: Claimant) -> list[WishReading]:
        return wish_readings(self._grounder(), self.titles(), c, self.corrections.corrections_of(c.id))

    # -- use cases -------------------------------------------------------------------------------
    def read(self, caller: Caller, claimant_id: str) -> list[WishReading]:
        """Each wish with how it was read, its correction if any, and the nearest alternatives."""
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=False, log=self.log)
        out = self._readings(c)
        audit(self.log, caller, "claimant.readings", claimant_id=c.id, payload={"wishes": len(out)})
        return out

    def _wish(self, caller: Caller, claimant_id: str, index: int) -> tuple[Claimant, str]:
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        wishes = c.desired_occupations
        if not 0 <= index < len(wishes) or not wishes[index].strip():
            raise ValidationError("index", f"the claimant has no wish {index} (wishes 0-{len(wishes) - 1})")
        return c, wish_key(wishes[index])

    def correct(self, caller: Caller, claimant_id: str, index: int, kldb: str) -> list[WishReading]:
        """Read wish ``index`` as ``kldb`` from now on; the readings after the change."""
        c, wish = self._wish(caller, claimant_id, index)
        code = kldb.strip()
        if not self.titles().has(code):
            raise ValidationError("kldb", f"{kldb!r} is not a KldB code of the occupation taxonomy in use")
        before = self._readings(c)[index]
        self.corrections.set_wish_correction(c.id, wish, code, caller.name, datetime.now(UTC))
        self.live.claimant_changed(c, c.id)
        # Codes only: the wish's words are the claimant's and stay out of the audit log.
        audit(self.log, caller, "claimant.reading.correct", claimant_id=c.id,
              payload={"index": index, "kldb": code, "was": list(before.used)})  # fmt: skip
        return self._readings(c)

    def reset(self, caller: Caller, claimant_id: str, index: int) -> list[WishReading]:
        """Remove wish ``index``'s correction: the model's reading again; the readings after it."""
        c, wish = self._wish(caller, claimant_id, index)
        removed = self.corrections.remove_wish_correction(c.id, wish)
        if removed:
            self.live.claimant_changed(c, c.id)
        audit(self.log, caller, "claimant.reading.reset", claimant_id=c.id,
              payload={"index": index, "removed": removed})  # fmt: skip
        return self._readings(c)

    def search(self, q: str, limit: int = SEARCH_LIMIT) -> list[tuple[str, str]]:
        """Codes of the taxonomy in use by code prefix or title (the correction's search field)."""
        return self.titles().search(q, limit)
