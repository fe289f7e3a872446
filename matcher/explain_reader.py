"""An explanation as a case manager reads it: one headline figure with its meaning, what speaks for
and against the placement in words, and the neutral facts. Made from the typed ``Explanation``
(``matcher.explain``) and the pair's probabilities; the page and the API only show it.

The rules that keep a card from contradicting itself, stated here and tested
(``tests/matcher/test_explain_reader.py``):

1. **Collinear features are one driver.** The sustainability model has several terms for one thing
   (the commute: minutes, minutes beyond the limit, no car, minutes without a car; the children: under 6,
   of school age, single parent; the hours: the job's and those beyond the claimant's; shift work and
   shift work the claimant cannot do; qualification below and above the job's; the wage: hourly wage,
   share of the need covered, whether it ends the need; the contract: fixed-term and its months).
   Their terms are added up and shown once, with the joint effect's direction (``GROUPS``), so two
   childcare drivers or "lange Fahrzeit ohne Auto" raising the chance cannot appear.
2. **A driver never contradicts a shown reason or badge.** Each reason with a direction (``Reason.sign``
   ≠ 0) and the household badge ("Bedarfsgemeinschaft verlässt den Leistungsbezug") speak about one
   driver group (``REASON_GROUP``); a driver of that group whose joint effect has the opposite sign is
   left out (its exact term stays in the explanation's contributions, shown under "Details").
3. **A driver that agrees with a shown reason is left out too**: the reason says it already.
4. **Reasons are sorted by their sign**: +1 under "spricht dafür", −1 under "spricht dagegen", 0 are
   facts; drivers by the sign of their joint effect. Effects under ``MIN_EFFECT`` logit points are not
   shown (they move the chance by well under a percentage point).
5. **A pair term** (ga2m model: what two features do together beyond their own terms) is a driver
   of its own, worded "Zusammen: <a> und <b> senken die Chance" (or "heben"); it is left out when
   it contradicts a shown reason or badge about either of its two features' groups (rule 2).
6. **Every driver text carries the claimant's or the job's value with its unit, or a word value**
   (``group_text``): no band codes, no bare numbers, German number formats.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.explain import Explanation
from matcher.explain_text import de, de_hours, pair_parts

MIN_EFFECT = 0.05  # logit points
N_SHOWN = 3  # drivers per side

# Driver groups of collinear features; every other feature is a group of its own (named after it).
GROUPS: dict[str, tuple[str, ...]] = {
    "commute": ("commute_minutes", "commute_over_limit", "no_car", "commute_no_car"),
    "childcare": ("young_children", "school_children", "single_parent"),
    "hours": ("hours_per_week", "hours_over_available"),
    "shifts": ("shift_work", "shift_not_possible"),
    "qualification": ("skill_under", "skill_over"),
    "wage": ("hourly_wage", "need_covered", "ends_need"),
    "contract": ("fixed_term", "contract_months"),
}
GROUP_OF: dict[str, str] = {f: g for g, fs in GROUPS.items() for f in fs}

# The driver group a reason (by its kind) or the badge speaks about.
REASON_GROUP: dict[str, str] = {
    "commute": "commute",
    "occupation": "kldb_depth",
    "hours": "hours",
    "wage": "wage",
    "temp_agency": "temp_agency",
    "fixed_term": "contract",
    "childcare": "childcare",
    "collective_agreement": "collective_agreement",
    "experience": "experience_years",
    "badge": "wage",
}

BADGE_ENDS_NEED = "Bedarfsgemeinschaft verlässt den Leistungsbezug"
HIRE_LABEL = "Chance auf Einstellung"
LASTING_LABEL = "Chance, dass sie 12 Monate hält"


def _count(n: float, one: str, many: str) -> str:
    k = round(n)
    return f"{de(k)} {one if k == 1 else many}"


def _levels(gap: float, what: str) -> str:
    k = round(gap)
    if k == 0:
        return f"{what} entspricht der Anforderung"
    word = "Stufe" if abs(k) == 1 else "Stufen"
    return f"{what} {de(abs(k))} {word} {'über' if k > 0 else 'unter'} der Anforderung"


_DEPTH_WORDS = {
    5: "Beruf entspricht einem Wunschberuf",
    4: "Wunschberuf, anderes Anforderungsniveau",
    3: "verwandter Beruf (gleiche Berufsgruppe)",
    2: "Beruf aus derselben Berufshauptgruppe",
    1: "Beruf aus demselben Berufsbereich",
    0: "Beruf weicht von den Wünschen ab",
}
_SIZE_WORDS = {
    0: "1–9 Beschäftigte",
    1: "10–49 Beschäftigte",
    2: "50–249 Beschäftigte",
    3: "250 und mehr Beschäftigte",
}
# Flags in words: (yes, no).
_FLAG_WORDS = {
    "shift_work": ("Schicht-, Nacht- oder Wochenendarbeit", "keine Schicht-, Nacht- oder Wochenendarbeit"),
    "temp_agency": ("Zeitarbeit", "keine Zeitarbeit (Anstellung direkt beim Betrieb)"),
    "collective_agreement": ("tarifgebundener Betrieb", "Betrieb ohne Tarifbindung"),
    "offers_training": ("Betrieb bietet Weiterbildung / Einarbeitung", "Betrieb ohne Weiterbildungsangebot"),
}


def _commute(v: dict[str, float]) -> str:
    mode = "ohne Auto (ÖPNV)" if v["no_car"] > 0 else "mit dem Auto"
    over = v["commute_over_limit"]
    limit = (
        f"{de(over)} Min. über der zumutbaren Fahrzeit" if over > 0 else "innerhalb der zumutbaren Fahrzeit"
    )
    return f"Arbeitsweg {de(v['commute_minutes'])} Min. {mode}, {limit}"


def _clash_words(x: float) -> str:
    if x <= 0:
        return "kein Konflikt"
    if x < 0.5:
        return "geringer Konflikt"
    if x < 1.2:
        return "deutlicher Konflikt"
    return "starker Konflikt"


def _children(n: float, band: str) -> str:
    return f"{_count(n, 'Kind', 'Kinder')} {band}" if n > 0 else f"keine Kinder {band}"


def _childcare(v: dict[str, float]) -> str:
    young, school = v["young_children"], v["school_children"]
    if young <= 0 and school <= 0:
        return "keine Kinder unter 14 Jahren" + (", alleinerziehend" if v["single_parent"] > 0 else "")
    kids = f"{_children(young, 'unter 6 Jahren')}, {_children(school, 'von 6–13 Jahren')}"
    return f"Kinder im Haushalt: {kids}" + (", alleinerziehend" if v["single_parent"] > 0 else "")


def _hours(v: dict[str, float]) -> str:
    text = f"Stelle mit {de_hours(v['hours_per_week'])} Std. pro Woche"
    over = v["hours_over_available"]
    if over > 0:
        return f"{text}, {de_hours(over)} Std. mehr als verfügbar"
    return f"{text}, im Rahmen der Verfügbarkeit"


def _shifts(v: dict[str, float]) -> str:
    if v["shift_not_possible"] > 0:
        return "Schicht-, Nacht- oder Wochenendarbeit, obwohl nur Tagarbeit möglich"
    return _FLAG_WORDS["shift_work"][0 if v["shift_work"] > 0 else 1]


def _qualification(v: dict[str, float]) -> str:
    return _levels(v["skill_over"] - v["skill_under"], "Qualifikation")


def _german(x: float) -> str:
    if round(x) <= 0:
        return "Deutschkenntnisse erfüllen die Anforderung"
    return f"Deutschkenntnisse {_count(x, 'Stufe', 'Stufen')} unter der Anforderung"


def _wage(v: dict[str, float]) -> str:
    cover = "200 % und mehr" if v["need_covered"] >= 2 else f"{de(100 * v['need_covered'])} %"
    ends = "beendet die Hilfebedürftigkeit" + ("" if v["ends_need"] > 0 else " nicht")
    return f"Lohn {de(v['hourly_wage'], 2)} € pro Stunde {ends} (deckt {cover} des Bedarfs)"


def _contract(v: dict[str, float]) -> str:
    if v["fixed_term"] <= 0:
        return "unbefristeter Vertrag"
    months = v["contract_months"]
    return f"befristeter Vertrag ({_count(months, 'Monat', 'Monate')})" if months else "befristeter Vertrag"


# A group member's own words, for a model that has only some of a group's features.
def _employer_words(x: float) -> str:
    # The feature is lasting placements beyond what their claimants, jobs and commutes let expect
    # (``models.employer_history``), in points of the share.
    points = round(100 * abs(x))
    if points == 0:
        return "frühere Vermittlungen zu diesem Arbeitgeber: keine oder wie zu erwarten"
    more = "häufiger" if x > 0 else "seltener"
    return (
        f"frühere Vermittlungen zu diesem Arbeitgeber hielten {points} Prozentpunkte {more} "
        "12 Monate als zu erwarten"
    )


_MEMBER_WORDS = {
    "commute_minutes": lambda x: f"Arbeitsweg {de(x)} Min.",
    "commute_over_limit": lambda x: (
        f"Arbeitsweg {de(x)} Min. über der zumutbaren Fahrzeit"
        if x > 0
        else "Arbeitsweg innerhalb der zumutbaren Fahrzeit"
    ),
    "no_car": lambda x: "ohne Auto (ÖPNV)" if x > 0 else "mit dem Auto",
    "commute_no_car": lambda x: f"Arbeitsweg ohne Auto {de(x)} Min." if x > 0 else "mit dem Auto",
    "young_children": lambda x: _children(x, "unter 6 Jahren"),
    "school_children": lambda x: _children(x, "von 6–13 Jahren"),
    "single_parent": lambda x: "alleinerziehend" if x > 0 else "nicht alleinerziehend",
    "hours_per_week": lambda x: f"Stelle mit {de_hours(x)} Std. pro Woche",
    "hours_over_available": lambda x: (
        f"{de_hours(x)} Std. pro Woche mehr als verfügbar" if x > 0 else "Stunden im Rahmen der Verfügbarkeit"
    ),
    "shift_not_possible": lambda x: (
        "Schichtarbeit, obwohl nur Tagarbeit möglich" if x > 0 else "Schichtarbeit kein Hindernis"
    ),
    "skill_under": lambda x: _levels(-x, "Qualifikation"),
    "skill_over": lambda x: _levels(x, "Qualifikation"),
    "german_shortfall": _german,
    # Retired features (bundles trained before the plain ones; audit replay).
    "commute_ratio": lambda x: f"Arbeitsweg {de(100 * x)} % der zumutbaren Fahrzeit",
    "hours_ratio": lambda x: f"Stunden der Stelle: {de(100 * x)} % der verfügbaren Stunden",
    "childcare_clash": lambda x: f"Arbeitszeit und Kinderbetreuung: {_clash_words(x)}",
    "single_parent_clash": lambda x: f"Arbeitszeit und Kinderbetreuung (alleinerziehend): {_clash_words(x)}",
    "german_gap": lambda x: _levels(x, "Deutschkenntnisse"),
    "skill_gap": lambda x: _levels(x, "Qualifikation"),
    "hourly_wage": lambda x: f"Lohn {de(x, 2)} € pro Stunde",
    "employer_lasting": _employer_words,
    "need_covered": lambda x: f"Lohn deckt {de(100 * min(x, 2.0))} % des Bedarfs",
    "ends_need": lambda x: "Lohn beendet die Hilfebedürftigkeit" + ("" if x > 0 else " nicht"),
    "fixed_term": lambda x: "befristeter Vertrag" if x > 0 else "unbefristeter Vertrag",
    "contract_months": lambda x: (
        f"befristet auf {_count(x, 'Monat', 'Monate')}" if x > 0 else "unbefristeter Vertrag"
    ),
}


def _single(feature: str, x: float) -> str:
    if feature in _MEMBER_WORDS:
        return _MEMBER_WORDS[feature](x)
    if feature in _FLAG_WORDS:
        return _FLAG_WORDS[feature][0 if x > 0 else 1]
    if feature == "similarity":
        return f"inhaltliche Ähnlichkeit von Profil und Stelle {de(100 * x)} %"
    if feature == "kldb_depth":
        return _DEPTH_WORDS.get(round(x), _DEPTH_WORDS[0])
    if feature == "experience_years":
        if x < 0.5:
            return "keine Erfahrung im Beruf der Stelle"
        return f"{_count(x, 'Jahr', 'Jahre')} Erfahrung im Beruf der Stelle"
    if feature == "employer_size":
        return f"Betriebsgröße {_SIZE_WORDS.get(round(x), _SIZE_WORDS[1])}"
    if feature == "health_strain":
        if x <= 0:
            return "körperliche Belastung innerhalb der gesundheitlichen Grenze"
        return f"körperliche Belastung {_count(x, 'Stufe', 'Stufen')} über der gesundheitlichen Grenze"
    if feature == "short_spells":
        if x <= 0:
            return "keine früheren Beschäftigungen unter 6 Monaten"
        return f"{_count(x, 'frühere Beschäftigung', 'frühere Beschäftigungen')} unter 6 Monaten"
    if feature == "months_unemployed":
        return f"ohne Arbeit seit {_count(x, 'Monat', 'Monaten')}" if x > 0 else "bis vor Kurzem beschäftigt"
    raise KeyError(f"no words for feature {feature!r}")


_GROUP_TEXT = {
    "commute": _commute,
    "childcare": _childcare,
    "hours": _hours,
    "shifts": _shifts,
    "qualification": _qualification,
    "wage": _wage,
    "contract": _contract,
}


def group_text(group: str, v: dict[str, float]) -> str:
    """The words of one driver group from the pair's feature values (``v``: feature → value)."""
    parts = pair_parts(group)
    if parts is not None:
        return f"Zusammen: {_single(parts[0], v[parts[0]])} und {_single(parts[1], v[parts[1]])}"
    if group in _GROUP_TEXT:
        if all(f in v for f in GROUPS[group]):
            return _GROUP_TEXT[group](v)
        return ", ".join(_single(f, v[f]) for f in GROUPS[group] if f in v)
    return _single(group, v[group])


@dataclass(frozen=True)
class Line:
    text: str
    group: str  # the driver group it speaks about ("" for a fact about nothing the model weighs)
    source: str  # "reason", "badge" or "driver"
    sign: int  # +1 for, -1 against
    effect: float | None = None  # a driver's joint logit points


@dataclass(frozen=True)
class ReaderView:
    headline: str  # "etwa 25 von 100"
    meaning: str  # the sentence saying what the figure means
    hire: float  # p_match
    lasting: float  # p_sustain
    facts: tuple[str, ...]  # the neutral reasons
    pro: tuple[Line, ...]
    contra: tuple[Line, ...]
    badge: str | None  # BADGE_ENDS_NEED when the wage ends the household's need


@dataclass(frozen=True)
class GroupEffect:
    group: str
    effect: float  # sum of the group's logit terms
    text: str


def _group_sums(e: Explanation) -> dict[str, float]:
    """Each driver group's joint effect, rounded as shown, in the order of the model's features."""
    sums: dict[str, float] = {}
    for feature, term in e.contributions:
        group = GROUP_OF.get(feature, feature)
        sums[group] = sums.get(group, 0.0) + term
    return {g: round(t, 3) for g, t in sums.items()}


def group_effects(e: Explanation) -> list[GroupEffect]:
    """The joint effect of every driver group, in the order of the model's features."""
    values = dict(e.values)
    return [GroupEffect(g, t, group_text(g, values)) for g, t in _group_sums(e).items()]


def headline(score: float) -> tuple[str, str]:
    """The figure to act on (expected lasting placements per proposal) and its meaning."""
    n = round(100 * score)
    if n < 1:
        return "unter 1 von 100", (
            "Von 100 solchen Vorschlägen führt weniger als einer zu einer Beschäftigung, die 12 Monate hält."
        )
    verb = "führt" if n == 1 else "führen"
    return f"etwa {de(n)} von 100", (
        f"Von 100 solchen Vorschlägen {verb} etwa {de(n)} zu einer Beschäftigung, die 12 Monate hält."
    )


def shown_signs(e: Explanation) -> dict[str, int]:
    """The direction each driver group has on the card through a reason or the badge."""
    out: dict[str, int] = {}
    for r in e.reasons:
        if r.sign != 0 and r.kind in REASON_GROUP:
            out[REASON_GROUP[r.kind]] = r.sign
    if e.household.ends_need:
        out[REASON_GROUP["badge"]] = 1
    return out


def contradicts(sign: int, group: str, shown: dict[str, int]) -> bool:
    """Rule 2: a driver's direction against a shown reason or badge about the same group (for a pair
    term: about either of its features' groups)."""
    parts = pair_parts(group)
    if parts is not None:
        return any(shown.get(GROUP_OF.get(f, f), 0) * sign < 0 for f in parts)
    return shown.get(group, 0) * sign < 0


def driver_text(group: str, sign: int, v: dict[str, float]) -> str:
    """A driver's line: the group's words; a pair term's with the direction of the joint effect."""
    text = group_text(group, v)
    if pair_parts(group) is not None:
        text += " heben die Chance" if sign > 0 else " senken die Chance"
    return text


def reader_view(e: Explanation | None, *, p_match: float, p_sustain: float, score: float) -> ReaderView:
    """The card's text (rules 1-4 of this module)."""
    reasons = e.reasons if e is not None else ()
    pro = [Line(r.text, REASON_GROUP.get(r.kind, ""), "reason", 1) for r in reasons if r.sign > 0]
    contra = [Line(r.text, REASON_GROUP.get(r.kind, ""), "reason", -1) for r in reasons if r.sign < 0]
    facts = tuple(r.text for r in reasons if r.sign == 0)
    badge = BADGE_ENDS_NEED if e is not None and e.household.ends_need else None
    if e is None or e.sustain_logit is None:
        meaning = (
            "Ohne trainiertes Modell nach inhaltlicher Passung geordnet; keine Chance auf Dauer berechnet."
        )
        return ReaderView("ohne Modell", meaning, p_match, p_sustain, facts, tuple(pro), tuple(contra), badge)
    head, meaning = headline(score)
    shown = shown_signs(e)
    # Rules 2 and 3: a group a reason or the badge speaks about is not shown again as a driver.
    # The words only of the groups shown (a card shows a few of some twenty): ``group_effects``
    # worded every group, a tenth of a lookup's time through HTTP.
    effects = [
        (g, t)
        for g, t in _group_sums(e).items()
        if abs(t) >= MIN_EFFECT and g not in shown and not contradicts(1 if t > 0 else -1, g, shown)
    ]
    ups = sorted((gt for gt in effects if gt[1] > 0), key=lambda gt: -gt[1])[:N_SHOWN]
    downs = sorted((gt for gt in effects if gt[1] < 0), key=lambda gt: gt[1])[:N_SHOWN]
    values = dict(e.values)
    pro += [Line(driver_text(g, 1, values), g, "driver", 1, t) for g, t in ups]
    contra += [Line(driver_text(g, -1, values), g, "driver", -1, t) for g, t in downs]
    return ReaderView(head, meaning, p_match, p_sustain, facts, tuple(pro), tuple(contra), badge)
