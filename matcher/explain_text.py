"""The German words of an explanation: feature labels and units, and the occupation-match lines.

Data only. The feature names are the scorer's (``models.features.FEATURES``; a test checks that
every feature has a label and a unit); the reasons' other lines are written in ``matcher.explain``.
"""

from __future__ import annotations

# What a case manager reads for each model feature.
FEATURE_LABELS: dict[str, str] = {
    "similarity": "inhaltliche Passung (Profil und Stelle)",
    "kldb_depth": "Übereinstimmung der Berufskennziffer (KldB)",
    "experience_years": "Berufserfahrung im Beruf der Stelle",
    "commute_minutes": "Fahrzeit",
    "commute_over_limit": "Fahrzeit über der zumutbaren",
    "no_car": "ohne Auto (ÖPNV)",
    "commute_no_car": "lange Fahrzeit ohne Auto",
    "hours_per_week": "Wochenstunden der Stelle",
    "hours_over_available": "Wochenstunden über der Verfügbarkeit",
    "young_children": "Kinder unter 6 Jahren",
    "school_children": "Kinder von 6–13 Jahren",
    "single_parent": "alleinerziehend",
    "shift_work": "Schicht-, Nacht- oder Wochenendarbeit",
    "shift_not_possible": "Schichtarbeit, obwohl nur Tagarbeit möglich",
    "fixed_term": "befristeter Vertrag",
    "contract_months": "Befristungsdauer",
    "temp_agency": "Zeitarbeit",
    "need_covered": "Anteil des Bedarfs, den der Lohn deckt",
    "ends_need": "Lohn beendet die Hilfebedürftigkeit",
    "employer_size": "Betriebsgröße",
    "collective_agreement": "Tarifbindung",
    "offers_training": "Weiterbildung / Einarbeitung",
    "german_shortfall": "Deutschkenntnisse unter der Anforderung",
    "health_strain": "Belastung über der gesundheitlichen Grenze",
    "short_spells": "frühere kurze Beschäftigungen",
    "months_unemployed": "Dauer ohne Arbeit",
    "skill_under": "Qualifikation unter der Anforderung",
    "skill_over": "Qualifikation über der Anforderung",
    "hourly_wage": "Stundenlohn",
    "employer_lasting": "Verbleib früherer Vermittlungen bei diesem Arbeitgeber",
}

# Features of bundles trained before the plain features (``models.features.RETIRED``): their words,
# so that a lookup logged with such a bundle still replays and reads.
FEATURE_LABELS |= {
    "commute_ratio": "Fahrzeit im Verhältnis zur zumutbaren",
    "hours_ratio": "Stunden der Stelle im Verhältnis zur Verfügbarkeit",
    "childcare_clash": "Arbeitszeit und Kinderbetreuung",
    "single_parent_clash": "Arbeitszeit und Kinderbetreuung (alleinerziehend)",
    "german_gap": "Deutschkenntnisse über der Anforderung",
    "skill_gap": "Qualifikation gegenüber der Anforderung",
}

# The unit of a feature's value; "ja/nein" is a flag (1 = ja), "" a dimensionless score.
FEATURE_UNITS: dict[str, str] = {
    "similarity": "",
    "kldb_depth": "Stellen",  # matching leading digits of the KldB code, 0-5
    "experience_years": "Jahre",
    "commute_minutes": "Min.",
    "commute_over_limit": "Min.",
    "no_car": "ja/nein",
    "commute_no_car": "Min.",
    "hours_per_week": "Std./Woche",
    "hours_over_available": "Std./Woche",
    "young_children": "Kinder",
    "school_children": "Kinder",
    "single_parent": "ja/nein",
    "shift_work": "ja/nein",
    "shift_not_possible": "ja/nein",
    "fixed_term": "ja/nein",
    "contract_months": "Monate",
    "temp_agency": "ja/nein",
    "need_covered": "Anteil",
    "ends_need": "ja/nein",
    "employer_size": "Größenklasse",  # 0 micro - 3 large
    "collective_agreement": "ja/nein",
    "offers_training": "ja/nein",
    "german_shortfall": "Stufen",  # CEFR levels
    "health_strain": "Stufen",  # physical load levels
    "short_spells": "Anzahl",
    "months_unemployed": "Monate",
    "skill_under": "Stufen",  # skill levels of the KldB
    "skill_over": "Stufen",
    "hourly_wage": "€/Std.",
    "employer_lasting": "Anteil",  # share of lasting placements above (below) what was to be expected
}

FEATURE_UNITS |= {
    "commute_ratio": "Anteil",
    "hours_ratio": "Anteil",
    "childcare_clash": "",
    "single_parent_clash": "",
    "german_gap": "Stufen",
    "skill_gap": "Stufen",
}

# The occupation line of a KldB match depth 1-5, in words: a case manager does not read KldB codes
# (and depth 5 means the vacancy's code equals one of the claimant's codes, which may come from a
# grounded wish, so a code shown beside it can differ from the wish's own).
DEPTH_TEXT: dict[int, str] = {
    5: "Beruf entspricht einem Wunschberuf",
    4: "Wunschberuf, anderes Anforderungsniveau",
    3: "verwandter Beruf (gleiche Berufsgruppe)",
    2: "Beruf aus derselben Berufshauptgruppe",
    1: "Beruf aus demselben Berufsbereich",
}


# A pair term of the ga2m sustainability model is named after its two features: "no_car×commute_minutes".
PAIR_SEP = "×"


def pair_name(a: str, b: str) -> str:
    return f"{a}{PAIR_SEP}{b}"


def pair_parts(name: str) -> tuple[str, str] | None:
    """The two features of a pair term's name; None for a feature's own term."""
    a, sep, b = name.partition(PAIR_SEP)
    return (a, b) if sep else None


def de(x: float, digits: int = 0) -> str:
    """A number in German format: 1.234,5."""
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def de_hours(x: float) -> str:
    """Hours as a German number: "38", "37,5"."""
    return de(x, 0 if float(x).is_integer() else 1)
