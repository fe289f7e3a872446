"""Model card: every section written, plots valid PNGs, files moved into place atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from tests.training.card.conftest import N
from training.card.text import CARD, PLOTS, SECTIONS
from training.card.writer import write_model_card


def test_card_and_plots_are_written(card: Path) -> None:
    assert card.name == CARD
    text = card.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"\n## {section}\n" in text
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS)
    for name in PLOTS.values():
        image = imread(card.parent / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert f"]({name})" in text
    # Nothing half-written left behind.
    assert sorted(p.name for p in card.parent.iterdir()) == sorted([CARD, *PLOTS.values()])


def test_card_content(card: Path, inputs: dict) -> None:  # type: ignore[type-arg]
    text = card.read_text(encoding="utf-8")
    assert inputs["version"] in text
    for must in ("Nur beratend", "namentlich", "Leistungsminderungen", "Anhang III", "DSGVO Art. 22",
                 "Synthetische Daten", "Stellvertreter", "2021-01-04 – 2024-06-28", "test-embedder",
                 "sustain.additive.auc | 0.710"):  # fmt: skip
        assert must in text, must
    # The model choice: candidates with the bootstrap interval, the rule, the pair terms in words.
    assert "| ga2m | 0.720 | 0.013 | – | +0.0100 [+0.0040; +0.0160] |" in text
    assert "- Fahrzeit × ohne Auto (ÖPNV) (`commute_minutes×no_car`)" in text
    assert (
        "nicht aus den Daten): steigend: Anteil des Bedarfs, den der Lohn deckt; fallend: Fahrzeit. Frei:"
        in text
    )
    assert (
        "Gewählt: **ga2m**" in text and "Boosting ersetzt das erklärbare Modell nur bei klarem Gewinn" in text
    )
    assert "ECE 0.015 ohne, 0.016 mit Platt" in text and "(verwendet: nein)" in text
    # Fairness tables: every attribute and group, the tiny "divers" group named as not gated.
    for heading in (
        "### Geschlecht",
        "### Staatsangehörigkeitsgruppe",
        "### Altersgruppe",
        "### Schwerbehinderung",
    ):
        assert heading in text
    assert "| weiblich |" in text and "| Asylherkunftsländer |" in text
    assert "Nicht geprüft (zu klein für mindestens eine Kennzahl): divers" in text
    # Proxy check: the flag equal to sex is flagged as a strong proxy.
    proxy_rows = [line for line in text.splitlines() if line.startswith("| Geschlecht |")]
    assert len(proxy_rows) == 1 and "(`young_children`)" in proxy_rows[0].split("|")[-2]


def test_rewrite_replaces_files(tmp_path: Path, inputs: dict) -> None:  # type: ignore[type-arg]
    (tmp_path / CARD).write_text("old", encoding="utf-8")
    write_model_card(tmp_path, **inputs)
    assert (tmp_path / CARD).read_text(encoding="utf-8").startswith("# Modellkarte")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_single_class_outcomes_are_refused(tmp_path: Path, inputs: dict) -> None:  # type: ignore[type-arg]
    bad = {**inputs, "y_true": np.ones(N)}
    with pytest.raises(ValueError, match="both outcomes"):
        write_model_card(tmp_path, **bad)
