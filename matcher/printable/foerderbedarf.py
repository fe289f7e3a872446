"""The nightly demand table of the Förderempfehlung as a printable German page (``team_table``)."""

from __future__ import annotations

from matcher.measures.team import TeamTable
from matcher.printable.page import document, esc, paragraph, table


def foerderbedarf_page(t: TeamTable, run_id: str, market_months: int) -> str:
    """One table per Jobcenter: a row per team, a column per measure; suppressed cells stay "< 5"."""
    parts = [
        "<h1>Förderbedarf nach Team</h1>",
        paragraph(
            f"Nachtlauf {run_id}: wie vielen Kundinnen und Kunden jede Maßnahme am meisten helfen würde "
            "(je Person zählt die Maßnahme mit dem größten erwarteten Zuwachs an dauerhaften "
            f"Vermittlungen, geschätzt auf den Stellen der letzten {market_months} Monate). "
            f"Anzahl Personen; Felder unter {t.min_cell} Personen sind ausgeblendet („< {t.min_cell}“), "
            "„x“: ausgeblendet, damit sich ein kleines Feld nicht aus der Summe der Zeile errechnen lässt."
        ),
    ]
    for jc in sorted({r.jobcenter for r in t.rows}):
        parts.append(f"<h2>Jobcenter {esc(jc)}</h2>")
        rows = [(r.team, r.claimants, *r.cells) for r in t.rows if r.jobcenter == jc]
        parts.append(
            table(("Team", "Personen", *t.labels), rows, empty="Keine aktiven Kundinnen und Kunden.")
        )
    parts.append(
        paragraph(
            "Schätzung des Modells, keine Zusage: ob eine Maßnahme wirkt, entscheidet sich im Einzelfall. "
            "Geschützte Merkmale werden weder verändert noch verwendet."
        )
    )
    return document("Förderbedarf nach Team", "\n".join(parts))
