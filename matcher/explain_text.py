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
    "commute_ratio": "Fahrzeit im Verhältnis zur zumutbaren",
    "no_car": "ohne Auto (ÖPNV)",
    "commute_no_car": "lange Fahrzeit ohne Auto",
    "hours_ratio": "Stunden der Stelle im Verhältnis zur Verfügbarkeit",
    "young_children": "Kinder unter 6 Jahren",
    "childcare_clash": "Arbeitszeit und Kinderbetreuung",
    "single_parent_clash": "Arbeitszeit und Kinderbetreuung (alleinerziehend)",
    "shift_work": "Schicht-, Nacht- oder Wochenendarbeit",
    "fixed_term": "befristeter Vertrag",
    "contract_months": "Befristungsdauer",
    "temp_agency": "Zeitarbeit",
    "need_covered": "Anteil des Bedarfs, den der Lohn deckt",
    "ends_need": "Lohn beendet die Hilfebedürftigkeit",
    "employer_size": "Betriebsgröße",
    "collective_agreement": "Tarifbindung",
    "offers_training": "Weiterbildung / Einarbeitung",
    "german_gap": "Deutschkenntnisse über der Anforderung",
    "health_strain": "Belastung über der gesundheitlichen Grenze",
    "short_spells": "frühere kurze Beschäftigungen",
    "months_unemployed": "Dauer ohne Arbeit",
    "skill_gap": "Qualifikation gegenüber der Anforderung",
    "hourly_wage": "Stundenlohn",
}

# The unit of a feature's value; "ja/nein" is a flag (1 = ja), "" a dimensionless score.
FEATURE_UNITS: dict[str, str] = {
    "similarity": "",
    "kldb_depth": "Stellen",  # matching leading digits of the KldB code, 0-5
    "experience_years": "Jahre",
    "commute_minutes": "Min.",
    "commute_ratio": "Anteil",
    "no_car": "ja/nein",
    "commute_no_car": "Min.",
    "hours_ratio": "Anteil",
    "young_children": "Kinder",
    "childcare_clash": "",
    "single_parent_clash": "",
    "shift_work": "ja/nein",
    "fixed_term": "ja/nein",
    "contract_months": "Monate",
    "temp_agency": "ja/nein",
    "need_covered": "Anteil",
    "ends_need": "ja/nein",
    "employer_size": "Größenklasse",  # 0 micro - 3 large
    "collective_agreement": "ja/nein",
    "offers_training": "ja/nein",
    "german_gap": "Stufen",  # CEFR levels
    "health_strain": "Stufen",  # physical load levels
    "short_spells": "Anzahl",
    "months_unemployed": "Monate",
    "skill_gap": "Stufen",  # skill levels of the KldB
    "hourly_wage": "€/Std.",
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
