"""Bodies of the wish readings (``/claimants/{id}/readings``, ``/occupations``): how each wish in the
claimant's own words was read as a German occupation, and a case manager's correction (issue 22)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Kldb
from matcher.esco import EscoMatch
from matcher.readings import ReadCode, WishReading


class ReadCodeOut(BaseModel):
    kldb: str = Field(description="KldB 2010 five-digit code (Berufsgattung).")
    title: str = Field(description="The German title of the code in the taxonomy in use.")
    similarity: float | None = Field(
        description="Cosine similarity of the wish to the nearest title of the code; null for a chosen code."
    )
    via: str = Field(description="That nearest title, where it is another than `title` (else empty).")

    @classmethod
    def of(cls, r: ReadCode) -> ReadCodeOut:
        return cls(kldb=r.kldb, title=r.title, similarity=r.similarity, via=r.via)


class EscoOccupationOut(BaseModel):
    uri: str = Field(description="The ESCO occupation's concept URI.")
    label: str = Field(description="Its German preferred label (ESCO v1.2).")
    similarity: float = Field(description="Cosine similarity of the wish to the occupation's nearest label.")
    via: str = Field(description="That nearest label, where it is an alternative label (else empty).")
    kldb: list[str] = Field(
        description="Its KldB 2010 codes through the BA's ESCO–KldB crosswalk (empty: not imported or none)."
    )

    @classmethod
    def of(cls, m: EscoMatch) -> EscoOccupationOut:
        return cls(uri=m.uri, label=m.label, similarity=m.similarity, via=m.via, kldb=list(m.kldb))


class WishReadingOut(BaseModel):
    index: int = Field(description="Position of the wish in `desired_occupations` (from 0).")
    wish: str = Field(description="The wish in the claimant's own words and script, as recorded.")
    read_as: list[ReadCodeOut] = Field(
        description="The model's reading: the codes the grounder maps the wish to (empty: none near enough)."
    )
    correction: ReadCodeOut | None = Field(
        description="The case manager's correction, which matching uses instead of `read_as`; null: none."
    )
    corrected_by: str | None = Field(description="Who corrected the reading; null: not corrected.")
    corrected_at: datetime | None = Field(
        description="When the reading was corrected (UTC); null: not corrected."
    )
    used: list[str] = Field(
        description="The codes matching uses for this wish (the correction's, else `read_as`)."
    )
    alternatives: list[ReadCodeOut] = Field(
        description="The grounder's nearest codes for the wish, best first, offered for a quick correction."
    )
    esco: list[EscoOccupationOut] = Field(
        description="The wish's nearest ESCO occupations where ESCO was imported (`passgenau import "
        "taxonomy --esco`), best first; empty: none near enough, or no ESCO import."
    )

    @classmethod
    def of(cls, w: WishReading) -> WishReadingOut:
        return cls(
            index=w.index,
            wish=w.wish,
            read_as=[ReadCodeOut.of(r) for r in w.read_as],
            correction=None if w.correction is None else ReadCodeOut.of(w.correction),
            corrected_by=w.corrected_by,
            corrected_at=w.corrected_at,
            used=list(w.used),
            alternatives=[ReadCodeOut.of(r) for r in w.alternatives],
            esco=[EscoOccupationOut.of(m) for m in w.esco],
        )


class WishReadings(BaseModel):
    claimant_id: str = Field(description="Pseudonymous claimant id.")
    readings: list[WishReadingOut] = Field(description="One entry per desired occupation, in order.")


class ReadingCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kldb: Kldb = Field(
        description="The KldB 2010 code the wish is to be read as (one of `GET /occupations`)."
    )


class OccupationOut(BaseModel):
    kldb: str = Field(description="KldB 2010 five-digit code.")
    title: str = Field(description="Its German title in the taxonomy in use.")


class OccupationList(BaseModel):
    occupations: list[OccupationOut] = Field(description="Matching codes, best first (at most 20).")
