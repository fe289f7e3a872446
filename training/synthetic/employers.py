"""Employers: names, size, sector, collective agreement, training, temp agencies."""

from __future__ import annotations

from matcher.domain import (
    Employer,
    SizeBand,
)
from training.synthetic.draw import Draw, cumulative

_SURNAMES = (
    "Müller",
    "Schmidt",
    "Meyer",
    "Koch",
    "Hoffmann",
    "Wagner",
    "Becker",
    "Schulz",
    "Fischer",
    "Weber",
    "Krüger",
    "Hartmann",
    "Lange",
    "Vogel",
    "Brandt",
    "Ahrens",
    "Bode",
    "Sander",
    "Kühne",
    "Hesse",
    "Engelke",
    "Diedrich",
    "Gerlach",
    "Stöber",
    "Wedekind",
    "Hillebrecht",
    "Rinne",
    "Grote",
)
_REGIONAL = (
    "Leine",
    "Harz",
    "Eichsfeld",
    "Weser",
    "Rhume",
    "Söse",
    "Hainberg",
    "Südniedersachsen",
    "Göttinger",
    "Osteroder",
    "Werra",
    "Solling",
)
_SECTOR_WORDS = {
    "H": ("Logistik", "Spedition", "Transporte", "Lager- und Versandservice", "Kurierdienst"),
    "G": ("Markt", "Handelshaus", "Warenhaus", "Fachmarkt", "Autohaus", "Frischemarkt"),
    "N": ("Gebäudeservice", "Gebäudereinigung", "Sicherheitsdienst", "Facility Services", "Kundenservice"),
    "I": ("Hotel", "Gasthaus", "Restaurant", "Catering", "Landgasthof"),
    "Q": (
        "Pflegedienst",
        "Seniorenzentrum",
        "Klinikum",
        "Kita-Verbund",
        "Sozialstation",
        "Praxisgemeinschaft",
        "Lebenshilfe",
    ),
    "F": (
        "Bau",
        "Bauunternehmung",
        "Haustechnik",
        "Malerbetrieb",
        "Dachtechnik",
        "Tiefbau",
        "Elektrotechnik",
    ),
    "C": (
        "Kunststofftechnik",
        "Metallbau",
        "Maschinenbau",
        "Präzisionsteile",
        "Feinkost",
        "Pharma",
        "Werke",
        "Medizintechnik",
    ),
    "A": ("Gartenbau", "Landschaftsbau", "Hof", "Forstbetrieb", "Grünpflege"),
    "E": ("Entsorgung", "Recycling", "Abfallwirtschaft"),
    "J": ("IT-Service", "Systemhaus", "Software"),
    "M": ("Labor", "Consulting", "Ingenieurbüro", "Steuerbüro", "Analytik"),
    "O": ("Verwaltung", "Zweckverband", "Kommunale Dienste"),
    "S": ("Friseursalon", "Textilpflege", "Kosmetikstudio", "Wäscherei"),
    "L": ("Wohnungsbau", "Hausverwaltung", "Immobilien"),
}
_SIZE_CUM = cumulative((0.3, 0.35, 0.22, 0.13))
_TEMP_SIZE_CUM = cumulative((0.05, 0.3, 0.45, 0.2))
_LEGAL = ("GmbH", "GmbH", "GmbH & Co. KG", "e.K.", "KG", "AG")
SIZES = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE)


def make_employer(d: Draw, eid: str, sector: str, temp: bool) -> Employer:
    """One employer of ``sector`` (a temporary-work agency if ``temp``)."""
    if temp:
        name = d.pick(
            (
                f"{d.pick(_REGIONAL)} Personal {d.pick(('GmbH', 'GmbH & Co. KG'))}",
                f"{d.pick(_SURNAMES)} Zeitarbeit GmbH",
                f"ProJob {d.pick(_REGIONAL)} Personaldienste GmbH",
                f"{d.pick(_REGIONAL)}tal Personalservice GmbH",
                f"{d.pick(_SURNAMES)} & {d.pick(_SURNAMES)} Personalpartner KG",
            )
        )
        size = d.weighted(SIZES, _TEMP_SIZE_CUM)
        return Employer(
            eid,
            name,
            size,
            "N",
            collective_agreement=d() < 0.92,
            temp_agency=True,
            offers_training=d() < 0.25,
        )
    word = d.pick(_SECTOR_WORDS.get(sector, ("Service",)))
    legal = d.pick(("gGmbH", "e.V.", "GmbH")) if sector == "Q" and d() < 0.5 else d.pick(_LEGAL)
    name = d.pick(
        (
            f"{d.pick(_SURNAMES)} {word} {legal}",
            f"{d.pick(_REGIONAL)} {word} {legal}",
            f"{word} {d.pick(_SURNAMES)} {legal}",
        )
    )
    size = d.weighted(SIZES, _SIZE_CUM)
    si = SIZES.index(size)
    ca = d() < (0.12, 0.22, 0.38, 0.6)[si] + (0.25 if sector in "OQ" else 0.0)
    training = d() < (0.15, 0.25, 0.4, 0.6)[si]
    return Employer(eid, name, size, sector, collective_agreement=ca, offers_training=training)
