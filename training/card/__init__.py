"""Model card: a German Markdown page with PNG plots for data and controlling staff.

``write_model_card`` writes ``model-card.md`` and beside it ``kalibrierung.png`` (calibration
curve), ``roc.png`` (ROC curve), ``gruppen.png`` (TPR and FPR by group, calibration gap by group)
and ``kalibrierung-gruppen.png`` (calibration curve per group). The card is in German, like the
rest of what the Jobcenter's staff read. Sections: Verwendungszweck, Daten, Kennzahlen,
Fairness, Proxy-Prüfung, Grenzen, Versionen.

Plots are drawn on matplotlib ``Figure`` objects with the Agg canvas directly (no pyplot, no
global backend switch, safe in a server process). Every file is written to a temporary name in
``out_dir`` and moved into place with ``os.replace``, the card last, so a reader never sees a
half-written file nor a card whose plots are missing.
"""

from __future__ import annotations

from training.card.text import CARD, PLOTS, SECTIONS, render_card
from training.card.writer import write_model_card

__all__ = ["CARD", "PLOTS", "SECTIONS", "render_card", "write_model_card"]
