"""Wish readings (``matcher.readings``, issue 22): the lookup's grounder's reading of each wish, a
case manager's correction replacing it in the codes matching uses (forward: ``CorrectedGrounder``
through ``claimant_codes``; reverse: the stored groundings), its store, and the use case's rules."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from matcher.errors import UnknownClaimant, ValidationError
from matcher.grounding import GroundedCodes, wishes_key
from matcher.pairs import claimant_codes
from matcher.readings import (
    CorrectedGrounder,
    OccupationTitles,
    ReadCode,
    corrected_codes,
    wish_readings,
)
from matcher.store import Store
from matcher.taxonomy import TitleGrounder, curated_titles
from matcher.usecases.readings import WishReadings
from tests.factories import make_claimant
from tests.fakes import TrigramEmbedder

UK, AR = "водій вантажівки", "سائق شاحنة"


@functools.cache
def grounder() -> TitleGrounder:
    """The curated titles under the character-trigram model (the API tests' model)."""
    emb = TrigramEmbedder()
    entries = curated_titles()
    return TitleGrounder(
        entries, emb.encode_passages([e.title for e in entries]), emb.encode_queries, model_id="t"
    )


def own_words(cid: str = "K1", jobcenter: str = "JC-GOE") -> Any:
    return make_claimant(id=cid, jobcenter=jobcenter, desired_occupations=(UK, AR, "Lagerhelfer"),
                         desired_kldb=(), experience=())  # fmt: skip


class Fixes:
    def __init__(self, held: dict[str, dict[str, str]] | None = None) -> None:
        self.held = held or {}
        self.asked: list[list[str]] = []

    def wish_corrections(self, claimant_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        self.asked.append(list(claimant_ids))
        return {c: dict(self.held[c]) for c in claimant_ids if c in self.held}


def test_the_model_reading_and_the_titles_shown() -> None:
    g = grounder()
    assert g.nearest("Lagerhelfer") == [("51311", "Lagerhelfer", pytest.approx(1.0))]
    # Nothing of another script is near enough under the trigram model: no reading, five alternatives.
    assert g.nearest(UK) == [] and g.nearest(AR) == []
    assert len(g.ranked(UK, 5)) == 5 and g.ranked(UK, 5)[:1] == g.ranked(UK, 1)
    titles = OccupationTitles(g.entries)
    # The curated occupation's own title, not the first synonym by the alphabet ("Fernfahrer").
    assert titles.title("52122") == "Berufskraftfahrer" and titles.title("54101") == "Reinigungskraft"
    assert not titles.has("99999") and not titles.has("5212")
    assert titles.search("kraftfahrer", 5) == [("52122", "Berufskraftfahrer"), ("52132", "Busfahrer")]
    assert titles.search("5131", 5) == [("51311", "Lagerhelfer"), ("51312", "Fachkraft für Lagerlogistik")]
    assert [c for c, _ in titles.search("verkaeufer", 3)] == ["62102", "62212", "62262"]
    assert titles.search("  ", 5) == []


def test_a_correction_replaces_that_wish_only() -> None:
    g = grounder()
    c = own_words()
    assert g.codes_for(c.desired_occupations) == ["51311"]
    assert corrected_codes(g, c.desired_occupations, {UK: "52122"}) == ["51311", "52122"]
    assert corrected_codes(g, c.desired_occupations, {"Lagerhelfer": "51312"}) == ["51312"]
    # Forward lookups: claimant_codes asks the corrected grounder for this claimant's corrections.
    fixes = Fixes({"K1": {UK: "52122", AR: "52122"}})
    cg = CorrectedGrounder(g, fixes)
    assert claimant_codes(c, cg) == ["51311", "52122"]
    assert fixes.asked == [["K1"]]
    assert claimant_codes(own_words("K2"), cg) == ["51311"]  # another claimant's are not used
    assert claimant_codes(c, g) == ["51311"]


def test_stored_groundings_follow_the_corrections(tmp_path: Path) -> None:
    g, c = grounder(), own_words()
    fixes = Fixes()
    stored = GroundedCodes(tmp_path, g, fixes.wish_corrections)
    assert stored.codes_of([c]) == [("51311",)]
    fixes.held = {"K1": {UK: "52122"}}
    assert stored.refresh([c]) == 1  # the stored entry is stale once the wish is corrected
    assert stored.codes_of([c]) == [("51311", "52122")]
    assert wishes_key(c, {UK: "52122"}) != wishes_key(c) == wishes_key(c, {})
    fixes.held = {}
    assert stored.codes_of([c]) == [("51311",)]


def test_readings_of_a_claimant() -> None:
    g = grounder()
    titles = OccupationTitles(g.entries)
    at = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    from matcher.readings import Correction

    got = wish_readings(g, titles, own_words(), {AR: Correction("52122", "fm-1", at)})
    assert [(w.index, w.wish) for w in got] == [(0, UK), (1, AR), (2, "Lagerhelfer")]
    assert got[0].read_as == () and got[0].correction is None and got[0].used == ()
    assert got[1].correction == ReadCode("52122", "Berufskraftfahrer", None)
    assert (got[1].corrected_by, got[1].corrected_at, got[1].used) == ("fm-1", at, ("52122",))
    assert got[2].read_as == (ReadCode("51311", "Lagerhelfer", 1.0),) and got[2].used == ("51311",)
    assert [a.kldb for a in got[2].alternatives][:1] == ["51311"] and len(got[2].alternatives) == 5


# -- the store and the use case ---------------------------------------------------------------------
@dataclass
class Caller:
    name: str = "fm-1"
    role_name: str = "case_manager"
    scope: str | None = "JC-GOE"
    sees_health: bool = True
    reads_claimants: bool = True

    def may_see(self, jobcenter: str) -> bool:
        return self.scope is None or self.scope == jobcenter


@dataclass
class Service:
    grounder: Any


@dataclass
class Live:
    service: Service
    changed: list[str] = field(default_factory=list)

    def claimant_changed(self, claimant: Any, claimant_id: str) -> None:
        self.changed.append(claimant_id)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as s:
        s.upsert_claimants([(own_words("K1"), None), (own_words("K9", "JC-OHA"), None)])
        yield s


def test_store_keeps_replaces_removes_and_erases(store: Store) -> None:
    at = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    store.set_wish_correction("K1", UK, "52121", "fm-1", at)
    store.set_wish_correction("K1", UK, "52122", "fm-2", at)
    store.set_wish_correction("K9", AR, "54101", "fm-3", at)
    assert store.wish_corrections(["K1", "K9", "K5"]) == {"K1": {UK: "52122"}, "K9": {AR: "54101"}}
    (only,) = store.corrections_of("K1").values()
    assert (only.kldb, only.corrected_by, only.corrected_at) == ("52122", "fm-2", at)
    assert store.remove_wish_correction("K9", AR) and not store.remove_wish_correction("K9", AR)
    store.set_wish_correction("K9", AR, "54101", "fm-3", at)
    assert store.delete_claimant("K9")["wish_corrections"] == 1
    assert store.wish_corrections(["K9"]) == {}


def test_use_case_checks_audits_and_reaches_matching(store: Store) -> None:
    live = Live(Service(CorrectedGrounder(grounder(), store)))
    uc = WishReadings(store, store, store, live)
    cm = Caller()
    after = uc.correct(cm, "K1", 0, " 52122 ")
    assert after[0].used == ("52122",) and live.changed == ["K1"]
    assert store.wish_corrections(["K1"]) == {"K1": {UK: "52122"}}
    (entry,) = [e for e in store.list_audit() if e.action == "claimant.reading.correct"]
    assert (entry.who, entry.claimant_id, entry.payload) == (
        "fm-1", "K1", {"role": "case_manager", "index": 0, "kldb": "52122", "was": []},
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        uc.correct(cm, "K1", 0, "99999")
    assert err.value.field == "kldb"
    with pytest.raises(ValidationError) as err:
        uc.correct(cm, "K1", 3, "52122")
    assert err.value.field == "index"
    with pytest.raises(UnknownClaimant, match="no such claimant"):
        uc.correct(cm, "K9", 0, "52122")  # another Jobcenter's: as if missing
    with pytest.raises(UnknownClaimant, match="no such claimant"):
        uc.read(cm, "K9")
    assert store.wish_corrections(["K9"]) == {} and live.changed == ["K1"]
    assert uc.reset(cm, "K1", 0)[0].correction is None and live.changed == ["K1", "K1"]
    assert uc.reset(cm, "K1", 0)[0].correction is None and live.changed == ["K1", "K1"]  # nothing to undo
    actions = [e.action for e in store.list_audit()]
    assert actions.count("access.denied") == 2 and actions.count("claimant.reading.reset") == 2


def test_an_adhoc_profile_gets_no_stored_claimants_corrections() -> None:
    from matcher.readings import without_corrections

    @dataclass
    class Svc:
        grounder: Any

    cg = CorrectedGrounder(grounder(), Fixes({"K1": {UK: "52122"}}))
    plain = without_corrections(Svc(cg))
    assert plain.grounder is grounder() and claimant_codes(own_words("K1"), plain.grounder) == ["51311"]
    assert without_corrections(Svc(grounder())).grounder is grounder()


def test_a_lookup_grounds_with_the_corrections_it_read_once() -> None:
    from matcher.readings import with_known_corrections

    @dataclass
    class Svc:
        grounder: Any

    store = Fixes({"K1": {UK: "52122"}})
    known = with_known_corrections(Svc(CorrectedGrounder(grounder(), store)), "K1", {UK: "52122"})
    assert claimant_codes(own_words("K1"), known.grounder) == ["51311", "52122"] and store.asked == []
    # what was read is what counts: a correction stored since is the next lookup's
    stale = with_known_corrections(Svc(CorrectedGrounder(grounder(), store)), "K1", {})
    assert claimant_codes(own_words("K1"), stale.grounder) == ["51311"] and store.asked == []
    assert with_known_corrections(Svc(grounder()), "K1", {UK: "52122"}).grounder is grounder()
