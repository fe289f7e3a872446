"""The explanation as a reader sees it: words with units, one headline, and the rules that keep a
card from contradicting itself (``matcher.explain_reader``)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from matcher.explain import CommuteFacts, Explanation, Reason
from matcher.explain_reader import (
    BADGE_ENDS_NEED,
    GROUP_OF,
    contradicts,
    group_effects,
    group_text,
    headline,
    reader_view,
)
from matcher.explain_text import de, de_hours
from matcher.household import HouseholdEffect
from models.features import FEATURES, RETIRED

NEED_ENDS = HouseholdEffect(2000, 1200, 0, 1500, 1300, -100, True, 1200, "beendet die Hilfebedürftigkeit")
NEED_STAYS = HouseholdEffect(900, 1200, 0, 700, 500, 700, False, 500, "verringert den Bedarf um 500 €")
# A pair of an unemployed single parent without a car: every feature's value.
VALUES = {
    "similarity": 0.873, "kldb_depth": 5.0, "experience_years": 2.4, "commute_minutes": 22.35,
    "commute_over_limit": 0.0, "no_car": 1.0, "commute_no_car": 22.35, "hours_per_week": 37.5,
    "hours_over_available": 0.0, "young_children": 0.0, "school_children": 1.0, "single_parent": 1.0,
    "shift_work": 0.0, "shift_not_possible": 0.0, "fixed_term": 1.0,
    "contract_months": 12.0, "temp_agency": 0.0, "need_covered": 1.13, "ends_need": 1.0, "employer_size": 3.0,
    "collective_agreement": 1.0, "offers_training": 0.0, "german_shortfall": 1.0, "health_strain": 0.0,
    "short_spells": 2.0, "months_unemployed": 14.0, "skill_under": 0.0, "skill_over": 0.0, "hourly_wage": 18.45,
    "employer_lasting": -0.126,
}  # fmt: skip


def _explanation(terms: dict[str, float], reasons: tuple[Reason, ...] = (), household: HouseholdEffect = NEED_STAYS,
                 values: dict[str, float] = VALUES) -> Explanation:  # fmt: skip
    contributions = tuple((f, terms.get(f, 0.0)) for f in FEATURES)
    return Explanation(
        reasons=reasons, drivers_up=(), drivers_down=(), household=household,
        commute=CommuteFacts(22.35, 75.0, "public"), filters_passed=(), model_version="m1",
        sustain_logit=-0.2 + sum(terms.values()), base_logit=-0.2, contributions=contributions,
        values=tuple((f, values[f]) for f in FEATURES),
    )  # fmt: skip


def test_german_numbers() -> None:
    assert (de(1234.5, 1), de(18.45, 2), de(0.4), de_hours(37.5), de_hours(40.0)) == (
        "1.234,5", "18,45", "0", "37,5", "40")  # fmt: skip


def test_every_feature_has_words_with_its_value_and_unit() -> None:
    groups = {GROUP_OF.get(f, f) for f in FEATURES}
    texts = {g: group_text(g, VALUES) for g in groups}
    assert texts == {
        "commute": "Arbeitsweg 22 Min. ohne Auto (ÖPNV), innerhalb der zumutbaren Fahrzeit",
        "childcare": "Kinder im Haushalt: keine Kinder unter 6 Jahren, 1 Kind von 6–13 Jahren, alleinerziehend",
        "hours": "Stelle mit 37,5 Std. pro Woche, im Rahmen der Verfügbarkeit",
        "shifts": "keine Schicht-, Nacht- oder Wochenendarbeit",
        "qualification": "Qualifikation entspricht der Anforderung",
        "wage": "Lohn 18,45 € pro Stunde beendet die Hilfebedürftigkeit (deckt 113 % des Bedarfs)",
        "contract": "befristeter Vertrag (12 Monate)",
        "similarity": "inhaltliche Ähnlichkeit von Profil und Stelle 87 %",
        "kldb_depth": "Beruf entspricht einem Wunschberuf",
        "experience_years": "2 Jahre Erfahrung im Beruf der Stelle",
        "temp_agency": "keine Zeitarbeit (Anstellung direkt beim Betrieb)",
        "employer_size": "Betriebsgröße 250 und mehr Beschäftigte",
        "collective_agreement": "tarifgebundener Betrieb",
        "offers_training": "Betrieb ohne Weiterbildungsangebot",
        "german_shortfall": "Deutschkenntnisse 1 Stufe unter der Anforderung",
        "health_strain": "körperliche Belastung innerhalb der gesundheitlichen Grenze",
        "short_spells": "2 frühere Beschäftigungen unter 6 Monaten",
        "months_unemployed": "ohne Arbeit seit 14 Monaten",
        "employer_lasting": (
            "frühere Vermittlungen zu diesem Arbeitgeber hielten 13 Prozentpunkte seltener 12 Monate als zu erwarten"
        ),
    }
    assert group_text("employer_lasting", dict(VALUES, employer_lasting=0.004)) == (
        "frühere Vermittlungen zu diesem Arbeitgeber: keine oder wie zu erwarten"
    )
    single = dict(VALUES, young_children=2.0, school_children=0.0, fixed_term=0.0)
    assert group_text("childcare", single) == (
        "Kinder im Haushalt: 2 Kinder unter 6 Jahren, keine Kinder von 6–13 Jahren, alleinerziehend"
    )
    assert group_text("childcare", dict(single, young_children=0.0, single_parent=0.0)) == (
        "keine Kinder unter 14 Jahren"
    )
    assert group_text("contract", single) == "unbefristeter Vertrag"
    over = dict(VALUES, hours_over_available=7.5, shift_work=1.0, shift_not_possible=1.0, skill_over=2.0)
    assert group_text("commute", dict(VALUES, commute_over_limit=12.0)) == (
        "Arbeitsweg 22 Min. ohne Auto (ÖPNV), 12 Min. über der zumutbaren Fahrzeit"
    )
    assert group_text("hours", over) == "Stelle mit 37,5 Std. pro Woche, 7,5 Std. mehr als verfügbar"
    assert group_text("shifts", over) == "Schicht-, Nacht- oder Wochenendarbeit, obwohl nur Tagarbeit möglich"
    assert group_text("qualification", over) == "Qualifikation 2 Stufen über der Anforderung"
    assert group_text("german_shortfall", dict(VALUES, german_shortfall=0.0)) == (
        "Deutschkenntnisse erfüllen die Anforderung"
    )
    assert group_text("commute", dict(VALUES, no_car=0.0)).startswith("Arbeitsweg 22 Min. mit dem Auto")
    assert group_text("employer_size", dict(VALUES, employer_size=1.0)) == "Betriebsgröße 10–49 Beschäftigte"
    # A bundle trained before the plain features is still read (audit replay of its lookups).
    old = {"commute_ratio": 0.298, "hours_ratio": 0.95, "childcare_clash": 1.6, "single_parent_clash": 0.0,
           "german_gap": -1.0, "skill_gap": 1.0}  # fmt: skip
    assert [group_text(f, old) for f in RETIRED] == [
        "Arbeitsweg 30 % der zumutbaren Fahrzeit",
        "Stunden der Stelle: 95 % der verfügbaren Stunden",
        "Arbeitszeit und Kinderbetreuung: starker Konflikt",
        "Arbeitszeit und Kinderbetreuung (alleinerziehend): kein Konflikt",
        "Deutschkenntnisse 1 Stufe unter der Anforderung",
        "Qualifikation 1 Stufe über der Anforderung",
    ]
    for text in texts.values():
        assert not re.search(r"[a-z]+_[a-z]+|\(\d+(,\d+)?\)", text), text


@pytest.mark.parametrize(
    ("score", "figure", "meaning"),
    [
        (0.2512, "etwa 25 von 100", "Von 100 solchen Vorschlägen führen etwa 25 zu einer Beschäftigung, die 12 Monate hält."),
        (0.012, "etwa 1 von 100", "Von 100 solchen Vorschlägen führt etwa 1 zu einer Beschäftigung, die 12 Monate hält."),
        (0.003, "unter 1 von 100", "Von 100 solchen Vorschlägen führt weniger als einer zu einer Beschäftigung, die 12 Monate hält."),
    ],
)  # fmt: skip
def test_one_headline_figure_with_its_meaning(score: float, figure: str, meaning: str) -> None:
    assert headline(score) == (figure, meaning)


def test_collinear_features_are_one_driver_with_their_joint_effect() -> None:
    # Two childcare terms pulling apart, the commute's four terms: one driver each, summed.
    e = _explanation({"school_children": -0.4, "single_parent": 0.1, "young_children": 0.05,
                      "commute_minutes": -0.3, "commute_no_car": 0.5, "no_car": -0.1})  # fmt: skip
    joint = {g.group: g.effect for g in group_effects(e) if g.effect}
    assert joint == {"childcare": -0.25, "commute": 0.1}
    view = reader_view(e, p_match=0.5, p_sustain=0.5, score=0.25)
    assert [(x.group, x.source) for x in view.pro] == [("commute", "driver")]
    assert [(x.group, x.source) for x in view.contra] == [("childcare", "driver")]


def test_a_driver_against_a_shown_reason_or_the_badge_is_left_out() -> None:
    reasons = (
        Reason("commute", 0, "Fahrzeit 22 von 75 Min. (ÖPNV)"),
        Reason("wage", 1, "Lohn beendet die Hilfebedürftigkeit"),
        Reason("temp_agency", -1, "Zeitarbeit senkt die Chance auf Dauer"),
    )
    terms = {"ends_need": -0.3, "hourly_wage": 0.1, "temp_agency": 0.4, "collective_agreement": 0.2,
             "months_unemployed": -0.5, "similarity": 0.01}  # fmt: skip
    view = reader_view(_explanation(terms, reasons, NEED_ENDS), p_match=0.55, p_sustain=0.46, score=0.253)
    assert view.badge == BADGE_ENDS_NEED and view.facts == ("Fahrzeit 22 von 75 Min. (ÖPNV)",)
    assert [x.text for x in view.pro] == ["Lohn beendet die Hilfebedürftigkeit", "tarifgebundener Betrieb"]
    assert [x.text for x in view.contra] == [
        "Zeitarbeit senkt die Chance auf Dauer",
        "ohne Arbeit seit 14 Monaten",
    ]
    # The rule itself.
    assert contradicts(-1, "wage", {"wage": 1}) and contradicts(1, "temp_agency", {"temp_agency": -1})
    assert not contradicts(1, "wage", {"wage": 1}) and not contradicts(-1, "commute", {})
    # Tiny effects (under MIN_EFFECT) are not shown.
    assert all(x.group != "similarity" for x in view.pro + view.contra)
    assert (view.headline, view.hire, view.lasting) == ("etwa 25 von 100", 0.55, 0.46)


def test_without_a_model_the_card_says_so() -> None:
    view = reader_view(None, p_match=0.7, p_sustain=1.0, score=0.7)
    assert view.headline == "ohne Modell" and view.pro == view.contra == ()


def test_a_model_with_only_some_of_a_groups_features_is_still_read() -> None:
    # A scorer with two of the features (the nightly tests' small one): words from what it has.
    values = {"kldb_depth": 3.0, "commute_minutes": 22.4}
    assert group_text("commute", values) == "Arbeitsweg 22 Min."
    assert group_text("kldb_depth", values) == "verwandter Beruf (gleiche Berufsgruppe)"
    assert group_text("wage", {"hourly_wage": 14.1}) == "Lohn 14,10 € pro Stunde"


def test_a_pair_term_reads_as_one_german_sentence() -> None:
    """The ga2m model's commute × car term: "Zusammen: ... senken die Chance", with both values."""
    values = dict(VALUES, commute_minutes=55.0, commute_no_car=55.0, commute_ratio=0.733)
    e = _explanation({"temp_agency": 0.3}, values=values)
    pair = ("commute_minutes×no_car", -0.42)
    e = replace(e, contributions=(*e.contributions, pair), sustain_logit=e.sustain_logit - 0.42)
    view = reader_view(e, p_match=0.3, p_sustain=0.4, score=0.12)
    assert [line.text for line in view.contra] == [
        "Zusammen: Arbeitsweg 55 Min. und ohne Auto (ÖPNV) senken die Chance"
    ]
    assert view.contra[0].group == "commute_minutes×no_car" and view.contra[0].effect == -0.42
    # Rule 2 for pairs: a shown commute reason that says the opposite keeps the pair term off the card.
    raised = replace(e, contributions=(*e.contributions[:-1], ("commute_minutes×no_car", 0.42)))
    assert contradicts(1, "commute_minutes×no_car", {"commute": -1})
    assert [x.group for x in reader_view(raised, p_match=0.3, p_sustain=0.4, score=0.12).pro] == [
        "commute_minutes×no_car",
        "temp_agency",
    ]
