"""What each measure changes in a claimant's record: a copy with the changed fields, or None when
the measure does not apply (the claimant already has what it gives, or lacks what it needs first).

Only the fields a measure acts on change; the household, the history and everything else stay as
they are, and protected attributes are not part of a ``Claimant`` at all (they live apart, for the
fairness audit only), so no measure can touch or read them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from matcher.domain import CEFR, Claimant, SkillLevel
from matcher.explain_text import de_hours
from matcher.filters import licence_bits
from matcher.settings import MeasureSettings, MeasureSpec

_SKILL_DE = {
    SkillLevel.HELPER: "Helfer",
    SkillLevel.SKILLED: "Fachkraft",
    SkillLevel.SPECIALIST: "Spezialist",
    SkillLevel.EXPERT: "Experte",
}
# A car needs class B itself in the record (``Claimant`` checks it); CE includes B only for the filter.
_CAR_CLASSES = frozenset({"B", "BE", "B96"})
# Umschulung and Teilqualifizierung lead to a vocational qualification, further training to the
# next level; there is no measure beyond Spezialist (a degree is not a Jobcenter measure).
_MAX_QUALIFIED = SkillLevel.SPECIALIST


@dataclass(frozen=True)
class Change:
    """One field a measure changes, in words: "Deutschkenntnisse" from "A2" to "B1"."""

    field: str  # the record's field name
    label: str  # German
    before: str
    after: str


def _holds(c: Claimant, cls: str) -> bool:
    """Whether the claimant's licences include ``cls`` (with the classes each includes, §6(3) FeV)."""
    return bool(
        licence_bits(c.licences, with_included=True) & licence_bits(frozenset({cls}), with_included=False)
    )


def _licences(c: Claimant) -> str:
    return ", ".join(sorted(c.licences)) or "keiner"


def _yes(flag: bool) -> str:
    return "ja" if flag else "nein"


def german_steps(c: Claimant, spec: MeasureSpec) -> int:
    """German levels a course measure climbs (0: does not apply)."""
    level = int(c.german_level)
    if spec.key == "german_plus1":
        return 1 if level < CEFR.C1 else 0  # Berufssprachkurse end at C1
    if spec.key == "german_b2":
        # One level below B2 is the same course as "one level higher": offered once, as that.
        return CEFR.B2 - level if level < CEFR.B1 else 0
    return 0


def months_of(c: Claimant, spec: MeasureSpec) -> float:
    """The measure's typical duration for this claimant (German courses: per level climbed)."""
    return spec.months * (german_steps(c, spec) if spec.per_level else 1)


def apply_measure(
    c: Claimant, spec: MeasureSpec, s: MeasureSettings
) -> tuple[Claimant, tuple[Change, ...]] | None:
    """The record as the measure would leave it, and what changed; None if it does not apply."""
    key = spec.key
    new: Claimant | None = None
    changes: list[Change] = []
    if key == "licence_b" and not _holds(c, "B"):
        new = dataclasses.replace(c, licences=c.licences | {"B"})
    elif key == "licence_ce" and _holds(c, "B") and not _holds(c, "CE"):
        new = dataclasses.replace(c, licences=c.licences | {"C", "CE"})
    elif key in ("german_plus1", "german_b2") and german_steps(c, spec) > 0:
        target = CEFR(int(c.german_level) + german_steps(c, spec))
        new = dataclasses.replace(c, german_level=target)
        changes.append(Change("german_level", "Deutschkenntnisse", c.german_level.name, target.name))
    elif key == "qualification_plus1" and c.skill_level < _MAX_QUALIFIED:
        level = SkillLevel(int(c.skill_level) + 1)
        new = dataclasses.replace(c, skill_level=level)
        changes.append(
            Change("skill_level", "Anforderungsniveau", _SKILL_DE[c.skill_level], _SKILL_DE[level])
        )
    elif key == "childcare":
        h = c.household
        if h.children_0_5 + h.children_6_13 > 0 and (
            c.available_hours < s.full_time_hours or not c.shifts_ok
        ):
            hours = max(c.available_hours, s.full_time_hours)
            new = dataclasses.replace(c, available_hours=hours, shifts_ok=True)
            if hours != c.available_hours:
                changes.append(
                    Change(
                        "available_hours",
                        "verfügbare Wochenstunden",
                        _hours(c.available_hours),
                        _hours(hours),
                    )
                )
            if not c.shifts_ok:
                changes.append(Change("shifts_ok", "Schicht-/Wochenendarbeit möglich", "nein", "ja"))
    elif key == "car" and not c.has_car and c.licences & _CAR_CLASSES:
        new = dataclasses.replace(c, has_car=True)
        changes.append(Change("has_car", "eigenes Auto", _yes(False), _yes(True)))
    elif key == "commute_allowance" and c.max_commute_minutes is not None and c.max_commute_minutes < 60:
        new = dataclasses.replace(c, max_commute_minutes=None)
        changes.append(
            Change(
                "max_commute_minutes",
                "zumutbarer Arbeitsweg",
                f"{c.max_commute_minutes} Min.",
                "gesetzlich zumutbar (60–75 Min.)",
            )
        )
    if new is None or new == c:
        return None
    if new.licences != c.licences:
        changes.insert(0, Change("licences", "Führerscheinklassen", _licences(c), _licences(new)))
    return new, tuple(changes)


def _hours(h: float) -> str:
    return f"{de_hours(h)} Std./Woche"


def not_applicable_reason(c: Claimant, spec: MeasureSpec, s: MeasureSettings) -> str:
    """Why a measure changes nothing in this record, in German (for ``apply_measure`` → None)."""
    key = spec.key
    if key == "licence_b":
        return "Führerscheinklasse B ist schon vorhanden"
    if key == "licence_ce":
        return "Klasse CE ist schon vorhanden" if _holds(c, "CE") else "setzt Führerscheinklasse B voraus"
    if key == "german_plus1":
        return f"Deutschkenntnisse schon auf {c.german_level.name} (Berufssprachkurse enden mit C1)"
    if key == "german_b2":
        if c.german_level >= CEFR.B2:
            return f"Deutschkenntnisse schon auf {c.german_level.name}"
        return "eine Stufe bis B2: siehe „Deutschkurs: eine Niveaustufe höher“"
    if key == "qualification_plus1":
        return f"Anforderungsniveau schon {_SKILL_DE[c.skill_level]}"
    if key == "childcare":
        h = c.household
        if h.children_0_5 + h.children_6_13 == 0:
            return "keine Kinder unter 14 Jahren im Haushalt"
        return "Stunden und Schichten sind schon nicht durch die Betreuung begrenzt"
    if key == "car":
        return "eigenes Auto schon vorhanden" if c.has_car else "setzt Führerscheinklasse B voraus"
    return (
        "kein eigener Arbeitsweg unter dem gesetzlich zumutbaren vereinbart"
        if key == "commute_allowance"
        else "trifft nicht zu"
    )
