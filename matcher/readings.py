"""How each wish of a claimant was read: the German occupation (KldB code) it was grounded to, and
the case manager's correction where the reading was wrong (issue 22).

A wish arrives in the claimant's own words and script ("водій вантажівки", "سائق شاحنة"); the grounder
(``matcher.taxonomy.TitleGrounder``) reads it as the codes of its nearest German titles. The claimant
page shows that reading next to the original, and a case manager who sees a misreading picks the
right code. The correction is stored per claimant and wish text (``matcher.store.readings``) and
replaces the model's reading of that wish everywhere the codes are used: the forward lookup's match
depth (``CorrectedGrounder``, the live service's grounder) and the stored groundings of reverse
matching (``matcher.grounding``, whose entries are keyed by the corrections too). Removing it returns
to the model's reading.

A correction is keyed by the wish text, not its position: reordering the wishes keeps it, and a wish
edited to other words is read afresh (the old correction no longer matches any wish and is ignored).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TypeVar

from matcher.domain import Claimant
from matcher.pairs import Grounder
from matcher.search_text import fold

if TYPE_CHECKING:
    from matcher.esco import EscoMatch
    from matcher.taxonomy import TitleEntry

S = TypeVar("S")
ALTERNATIVES = 5  # codes offered beside the reading for a one-click correction

# claimant id -> {wish text (stripped) -> corrected KldB code}
Corrections = Mapping[str, Mapping[str, str]]
CorrectionsOf = Callable[[Sequence[str]], Corrections]


def wish_key(text: str) -> str:
    """The wish as a correction names it: its text without surrounding blanks (as ``wishes_key``)."""
    return text.strip()


def corrected_codes(grounder: Grounder, wishes: Sequence[str], corrected: Mapping[str, str]) -> list[str]:
    """The codes of these wishes: a corrected wish's code, the grounder's reading of the others.

    ``TitleGrounder.codes_for`` reads each text on its own, so grounding the uncorrected ones
    together gives what each would give alone."""
    rest = [t for t in wishes if t.strip() and wish_key(t) not in corrected]
    codes = set(grounder.codes_for(rest)) if rest else set()
    codes |= {corrected[wish_key(t)] for t in wishes if wish_key(t) in corrected}
    return sorted(codes)


class ReadingGrounder(Grounder, Protocol):
    """A grounder that tells its reading of one text (``TitleGrounder``)."""

    def nearest(self, text: str) -> list[tuple[str, str, float]]: ...

    def ranked(self, text: str, n: int, floor: float = -1.0) -> list[tuple[str, str, float]]: ...

    def occupations(self, text: str) -> list[EscoMatch]: ...

    @property
    def entries(self) -> list[TitleEntry]: ...

    @property
    def key(self) -> str: ...


class CorrectionSource(Protocol):
    def wish_corrections(self, claimant_ids: Sequence[str]) -> dict[str, dict[str, str]]: ...


class CorrectedGrounder:
    """The live service's grounder: the model's reading of a wish unless its claimant's case manager
    corrected it. ``claimant_codes`` asks ``codes_of_claimant`` where a grounder has it; the
    corrections are read from the store at each lookup (one indexed query), so every worker process
    sees a correction at once."""

    def __init__(self, inner: ReadingGrounder, source: CorrectionSource) -> None:
        self.inner = inner
        self.source = source

    def nearest(self, text: str) -> list[tuple[str, str, float]]:
        return self.inner.nearest(text)

    def ranked(self, text: str, n: int, floor: float = -1.0) -> list[tuple[str, str, float]]:
        return self.inner.ranked(text, n, floor)

    def occupations(self, text: str) -> list[EscoMatch]:
        return self.inner.occupations(text)

    @property
    def entries(self) -> list[TitleEntry]:
        return self.inner.entries

    @property
    def key(self) -> str:
        return self.inner.key

    def codes_for(self, titles: Sequence[str]) -> list[str]:
        return self.inner.codes_for(titles)

    def codes_of_claimant(self, claimant: Claimant) -> list[str]:
        corrected = self.source.wish_corrections([claimant.id]).get(claimant.id, {})
        if not corrected:
            return self.inner.codes_for(claimant.desired_occupations)
        return corrected_codes(self.inner, claimant.desired_occupations, corrected)


class KnownCorrections:
    """A ``CorrectionSource`` that answers from corrections already read: a lookup reads its
    claimant's corrections once, logs them with the list and grounds with the same ones."""

    def __init__(self, known: dict[str, dict[str, str]]) -> None:
        self.known = known

    def wish_corrections(self, claimant_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        return {cid: self.known[cid] for cid in claimant_ids if cid in self.known}


def with_known_corrections(service: S, claimant_id: str, fixes: dict[str, str]) -> S:
    """``service`` grounding ``claimant_id``'s wishes with ``fixes`` instead of reading the store
    again; a service with the plain grounder is returned as it is."""
    g = getattr(service, "grounder", None)
    if not isinstance(g, CorrectedGrounder):
        return service
    other = copy.copy(service)
    other.grounder = CorrectedGrounder(g.inner, KnownCorrections({claimant_id: fixes}))  # type: ignore[attr-defined]
    return other


def without_corrections(service: S) -> S:
    """``service`` with the plain grounder: an ad-hoc profile is nobody's record, and its id must not
    pick up the corrections of a stored claimant who has that id."""
    g = getattr(service, "grounder", None)
    if not isinstance(g, CorrectedGrounder):
        return service
    other = copy.copy(service)
    other.grounder = g.inner  # type: ignore[attr-defined]
    return other


@dataclass(frozen=True, slots=True)
class ReadCode:
    kldb: str
    title: str  # the German title of the code (``OccupationTitles.title``)
    similarity: float | None  # the wish's similarity to its nearest title of the code; None: chosen
    via: str = ""  # that nearest title, where it is another than ``title``


@dataclass(frozen=True, slots=True)
class Correction:
    kldb: str
    corrected_by: str
    corrected_at: datetime


@dataclass(frozen=True, slots=True)
class WishReading:
    index: int
    wish: str
    read_as: tuple[ReadCode, ...]  # the model's reading (empty: no title near enough)
    correction: ReadCode | None
    corrected_by: str | None
    corrected_at: datetime | None
    alternatives: tuple[ReadCode, ...]  # the nearest codes, for a correction in one click
    # The wish's nearest ESCO occupations (URI, German preferred label, KldB codes through the
    # crosswalk) where ESCO was imported (``matcher.esco``); their codes are among ``read_as`` only
    # with ``grounding.esco_kldb``.
    esco: tuple[EscoMatch, ...] = ()

    @property
    def used(self) -> tuple[str, ...]:
        """The codes matching uses for this wish."""
        if self.correction is not None:
            return (self.correction.kldb,)
        return tuple(sorted(r.kldb for r in self.read_as))


class OccupationTitles:
    """The codes of the taxonomy the grounder reads with, each with one German title to show."""

    def __init__(self, entries: Sequence[TitleEntry]) -> None:
        self.entries = list(entries)

    @cached_property
    def _titles(self) -> dict[str, str]:
        from matcher.occupations import OCCUPATIONS

        main = {o.kldb: o.title for o in OCCUPATIONS}
        # The official KldB title where imported, else the curated occupation's title, else the
        # first title of the code (entries are sorted by code, then title).
        rank = {"kldb": 0, "curated": 1, "ba": 2}
        best: dict[str, tuple[int, str]] = {}
        for e in self.entries:
            r = rank.get(e.source, 3)
            if e.source == "curated" and main.get(e.code) == e.title:
                r = 0
            if e.code not in best or r < best[e.code][0]:
                best[e.code] = (r, e.title)
        return {code: title for code, (_, title) in best.items()}

    def has(self, code: str) -> bool:
        return code in self._titles

    def title(self, code: str) -> str:
        return self._titles[code]

    def search(self, q: str, limit: int) -> list[tuple[str, str]]:
        """Codes whose code starts with ``q`` or one of whose titles contains it (case, umlauts and
        accents folded), as (code, title): title matches at the start of a word first, then by code."""
        needle = fold(q.strip())
        if not needle:
            return []
        hits: dict[str, int] = {}
        for e in self.entries:
            if e.code.startswith(needle):
                hits[e.code] = min(hits.get(e.code, 0), 0)
                continue
            t = fold(e.title)
            at = t.find(needle)
            if at < 0:
                continue
            word_start = at == 0 or not t[at - 1].isalnum()
            hits[e.code] = min(hits.get(e.code, 2), 0 if word_start else 1)
        ordered = sorted(hits, key=lambda code: (hits[code], code))[:limit]
        return [(code, self.title(code)) for code in ordered]


def _read_code(titles: OccupationTitles, code: str, nearest: str, sim: float) -> ReadCode:
    title = titles.title(code) if titles.has(code) else nearest
    return ReadCode(code, title, round(sim, 4), "" if nearest == title else nearest)


def wish_readings(
    grounder: ReadingGrounder,
    titles: OccupationTitles,
    claimant: Claimant,
    corrections: Mapping[str, Correction],
) -> list[WishReading]:
    """Each wish of the claimant with the grounder's reading, its correction and the alternatives.

    ``grounder`` is the lookup's own (a ``TitleGrounder``, perhaps inside ``CorrectedGrounder``): its
    ``nearest`` is what the lookup grounds with, so the page shows exactly what matching uses."""
    out = []
    for i, wish in enumerate(claimant.desired_occupations):
        nearest = grounder.nearest(wish) if wish.strip() else []
        ranked = grounder.ranked(wish, ALTERNATIVES) if wish.strip() else []
        fix = corrections.get(wish_key(wish))
        correction = None
        if fix is not None:
            correction = ReadCode(fix.kldb, titles.title(fix.kldb) if titles.has(fix.kldb) else "", None)
        out.append(
            WishReading(
                index=i,
                wish=wish,
                read_as=tuple(_read_code(titles, c, t, s) for c, t, s in nearest),
                correction=correction,
                corrected_by=None if fix is None else fix.corrected_by,
                corrected_at=None if fix is None else fix.corrected_at,
                alternatives=tuple(_read_code(titles, c, t, s) for c, t, s in ranked),
                esco=tuple(grounder.occupations(wish)),
            )
        )
    return out
