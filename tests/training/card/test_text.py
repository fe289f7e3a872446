"""The card's text: the gate verdict follows the limits."""

from __future__ import annotations

from training.card.text import render_card
from training.fairness import FairnessLimits


def test_gate_verdict_follows_the_limits(inputs: dict) -> None:  # type: ignore[type-arg]
    args = {k: v for k, v in inputs.items() if k not in ("y_true", "y_score", "groups")}
    args |= {"y": inputs["y_true"], "p": inputs["y_score"]}
    text = render_card(**args, limits=FairnessLimits(1.0, 1.0, 1.0))
    assert "**Ergebnis: bestanden.**" in text
    strict = FairnessLimits(tpr_gap=0.0, fpr_gap=0.0, calibration_gap=0.0, min_group_size=1, alpha=None)
    text = render_card(**args, limits=strict)
    assert "**Ergebnis: nicht bestanden.**" in text
    assert "- Geschlecht: Richtig-Positiv-Rate (TPR) unterscheidet sich um" in text
    assert "beobachten" not in text  # every gap over its limit is a reason here
    # Over the limit but inside a huge noise allowance: passes, and the card says to watch it.
    lenient = FairnessLimits(tpr_gap=0.0, fpr_gap=None, calibration_gap=None, alpha=1e-12)
    text = render_card(**args, limits=lenient)
    assert "**Ergebnis: bestanden.**" in text
    assert "nicht statistisch gesichert (beobachten)" in text
    assert "- Geschlecht: Richtig-Positiv-Rate (TPR) " in text.split("(beobachten)")[1]
