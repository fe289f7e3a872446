"""German names of the protected attributes, groups, metrics and manifest entries the card shows."""

from __future__ import annotations

ATTRIBUTE_DE = {
    "sex": "Geschlecht",
    "nationality_group": "Staatsangehörigkeitsgruppe",
    "age_band": "Altersgruppe",
    "severe_disability": "Schwerbehinderung",
}
GROUP_DE = {
    "f": "weiblich",
    "m": "männlich",
    "d": "divers",
    "de": "deutsch",
    "eu": "EU",
    "asylum": "Asylherkunftsländer",
    "other": "sonstige",
    "u25": "unter 25",
}
METRIC_DE = {
    "tpr": "Richtig-Positiv-Rate (TPR)",
    "fpr": "Falsch-Positiv-Rate (FPR)",
    "selection_rate": "Auswahlrate",
    "calibration_gap": "Kalibrierungsabweichung",
}
VERSION_DE = {"created": "erstellt (UTC)", "format": "Bündelformat", "embedder": "Einbettungsmodell"}
DATA_DE = {
    "placements": "Vermittlungen (Trainingsmenge)",
    "placement_starts": "Beginn der Vermittlungen (von, bis)",
    "proposals": "Vorschläge (Passungsmodell)",
    "proposal_dates": "Datum der Vorschläge (von, bis)",
    "holdout_share": "Anteil der neuesten Daten zur Auswertung",
    "holdout_placements_from": "Auswertungsdaten ab",
    "holdout_proposals_from": "Auswertungsvorschläge ab",
    "refit_on_all": "nach der Auswertung auf allen Daten neu angepasst",
}


def attr_de(name: str) -> str:
    return ATTRIBUTE_DE.get(name, name)


def group_de(name: str) -> str:
    return GROUP_DE.get(name, name)
