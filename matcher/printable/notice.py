"""The claimant notice in plain German: as text (``notice_text``) and as a printable page to hand
over with the Vermittlungsvorschlag (``render_notices``).

What it says, in this order: a software suggested the vacancy (AI Act Art. 26(11)); a named person
decided (GDPR Art. 22: no decision by the software alone); the main reasons (AI Act Art. 86: an
explanation of the role the system played); how to ask questions, have it reviewed by a person,
object and complain.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from matcher.printable.page import document, esc
from matcher.usecases.notices import ClaimantNotice

SOFTWARE = (
    "Bei diesem Vorschlag hat eine Software mitgewirkt: passgenau, ein KI-System des Jobcenters. "
    "Sie hat aus den offenen Stellen in Ihrer Region diese Stelle ausgesucht, weil sie zu Ihren "
    "Angaben passt und die Chance groß ist, dass die Arbeit dauerhaft bleibt. Geschlecht, "
    "Staatsangehörigkeit, Alter und eine Behinderung spielen dabei keine Rolle."
)
NO_REASONS = (
    "Die Stelle ist nicht mehr ausgeschrieben; die Gründe können deshalb nicht mehr berechnet "
    "werden. Ihre Fallmanagerin oder Ihr Fallmanager erklärt sie Ihnen gern."
)


def _decided(n: ClaimantNotice) -> str:
    when = n.proposed_at.strftime("%d.%m.%Y")
    return (
        f"Entschieden hat ein Mensch: {n.confirmed_by} hat den Vorschlag am {when} geprüft und "
        "bestätigt. Die Software hat nur vorgeschlagen; ohne diese Bestätigung wäre Ihnen nichts "
        "vorgeschlagen worden."
    )


def _objection(n: ClaimantNotice) -> list[str]:
    return [
        f"Fragen und Einwände: Wenden Sie sich an {n.confirmed_by} oder an Ihr Jobcenter {n.jobcenter} "
        f"(Team {n.team}). Sie können verlangen, dass der Vorschlag von einer Person ohne die Software "
        "noch einmal geprüft wird, dass man Ihnen erklärt, wie die Software dabei mitgewirkt hat, und "
        "Ihren Standpunkt dazu sagen (Art. 22 Abs. 3 DSGVO, Art. 86 KI-Verordnung).",
        "Widerspruch: Der Vermittlungsvorschlag ist ein Angebot. Entscheidet das Jobcenter später in "
        "einem Bescheid über Ihre Leistungen (zum Beispiel über eine Minderung), können Sie gegen "
        "diesen Bescheid Widerspruch einlegen, innerhalb eines Monats, schriftlich oder zur "
        "Niederschrift im Jobcenter; wie genau, steht in der Rechtsbehelfsbelehrung des Bescheids.",
        "Datenschutz: Sie können der Verwendung Ihrer Daten für Stellenvorschläge widersprechen "
        "(Art. 21 DSGVO) und Auskunft über Ihre Daten verlangen (Art. 15 DSGVO). Ansprechpartner ist "
        "die oder der Datenschutzbeauftragte des Jobcenters; beschweren können Sie sich auch bei der "
        "Datenschutz-Aufsichtsbehörde (Art. 77 DSGVO).",
    ]


def _vacancy(n: ClaimantNotice) -> str:
    if n.title is None:
        return f"Stelle Nr. {n.vacancy_id}"
    where = f" bei {n.employer}" if n.employer else ""
    place = f" in {n.municipality}" if n.municipality else ""
    return f"„{n.title}“{where}{place} (Stelle Nr. {n.vacancy_id})"


def _reference(n: ClaimantNotice) -> str:
    """Which list and model the proposal came from; the reasons' model when it has changed since."""
    again = ""
    if n.explained_with is not None and n.explained_with != n.model_version:
        again = f" (Gründe berechnet mit Modellversion {n.explained_with})"
    return (
        f"Vorschlag Nr. {n.suggestion_id}, Modellversion {n.model_version}{again}, "
        f"Kundennummer {n.claimant_id}."
    )


def notice_text(n: ClaimantNotice) -> str:
    """The notice as plain text, paragraphs separated by blank lines."""
    parts = [
        f"Hinweis zu Ihrem Vermittlungsvorschlag: {_vacancy(n)}",
        SOFTWARE,
        _decided(n),
    ]
    if n.reasons or n.cautions:
        parts.append("Warum diese Stelle:\n" + "\n".join(f"- {r}" for r in n.reasons))
        if n.cautions:
            parts.append("Was Sie auch wissen sollten:\n" + "\n".join(f"- {r}" for r in n.cautions))
        if n.drivers:
            parts.append(
                "Was nach der Einschätzung der Software am meisten für eine dauerhafte Beschäftigung "
                "spricht: " + "; ".join(n.drivers) + "."
            )
    else:
        parts.append(NO_REASONS)
    parts += _objection(n)
    parts.append(_reference(n))
    return "\n\n".join(parts)


def _section(n: ClaimantNotice) -> str:
    def ul(items: Sequence[str]) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"

    body = [
        f"<h1>Hinweis zu Ihrem Vermittlungsvorschlag</h1><p><strong>{esc(_vacancy(n))}</strong></p>",
        f'<div class="box"><p>{esc(SOFTWARE)}</p><p><strong>{esc(_decided(n))}</strong></p></div>',
    ]
    if n.reasons or n.cautions:
        body.append("<h2>Warum diese Stelle</h2>" + ul(n.reasons))
        if n.cautions:
            body.append("<h2>Was Sie auch wissen sollten</h2>" + ul(n.cautions))
        if n.drivers:
            body.append(
                "<p>Was nach der Einschätzung der Software am meisten für eine dauerhafte "
                f"Beschäftigung spricht: {esc('; '.join(n.drivers))}.</p>"
            )
    else:
        body.append(f"<p>{esc(NO_REASONS)}</p>")
    body.append("<h2>Fragen, Überprüfung, Widerspruch</h2>")
    body += [f"<p>{esc(p)}</p>" for p in _objection(n)]
    body.append(f'<p class="meta">{esc(_reference(n))}</p>')
    return "\n".join(body)


def render_notices(notices: Sequence[ClaimantNotice]) -> str:
    """A printable page with one notice per printed page."""
    sections = [f'<section class="{"pagebreak" if i else ""}">{_section(n)}</section>'
                for i, n in enumerate(notices)]  # fmt: skip
    if not sections:
        sections = ["<p>Zu diesem Kunden gibt es keinen bestätigten Vermittlungsvorschlag.</p>"]
    return document("Hinweis zum Vermittlungsvorschlag", "\n".join(sections))
