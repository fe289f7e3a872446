from __future__ import annotations

from matcher.text import content_hash, render_claimant, render_vacancy
from tests.factories import make_claimant, make_vacancy


def test_claimant_text_holds_occupations_and_profile_but_no_place_or_household() -> None:
    text = render_claimant(make_claimant())
    assert text == (
        "Sucht Arbeit als Lagerhelfer, Kommissionierer. Helfertätigkeit. "
        "Drei Jahre Erfahrung im Lager, Staplerschein vorhanden, zuverlässig."
    )
    assert "37073" not in text and "Göttingen" not in text


def test_vacancy_text_clips_long_descriptions() -> None:
    v = make_vacancy(description=" ".join(f"wort{i}" for i in range(200)))
    text = render_vacancy(v)
    assert text.startswith("Lagerhelfer (m/w/d). Helfertätigkeit. wort0 wort1")
    assert text.endswith("wort24 …")
    assert len(text.split()) == 2 + 1 + 25 + 1


def test_hash_is_stable_and_changes_with_text() -> None:
    a = content_hash(render_vacancy(make_vacancy()))
    assert a == content_hash(render_vacancy(make_vacancy()))
    assert a != content_hash(render_vacancy(make_vacancy(title="Kommissionierer")))
    assert len(a) == 32
