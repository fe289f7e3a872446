"""The explanations as the page shows them, over the suggestions of the API tests' region (30
claimants × 10 = 300 cards; a trained scorer, so every card has drivers).

The rules checked, as the issue's acceptance states them:

- **unit**: every driver text carries a unit or a word value: each number in it is followed by a
  unit (``UNIT``), and a text without a number is a word value;
- **no contradiction**: no driver sits on the other side from a reason or the badge about the same
  thing (its ``group``): a driver under "spricht dafür" with a reason or the badge of its group under
  "spricht dagegen", or the other way round; and every driver sits on the side of its effect's sign;
- **no developer text**: no text matches ``[a-z]+_[a-z]+`` (feature or field names), none holds a
  band code such as "(3)" or a bare decimal, none is English.
"""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import JC_A, ApiEnv

# A German number (a range "10–49" counts as one) and the units a driver's number may carry.
NUMBER = re.compile(r"(?<![\d.,])\d+(?:\.\d{3})*(?:,\d+)?(?:–\d+)?(?![\d,])")
UNIT = re.compile(
    r"\s*(?:%|Min\.|€|Std\.|Jahre?n?\b|Monate?n?\b|Kinde?r?\b|Stufen?\b|(?:und mehr )?Beschäftigte\b"
    r"|frühere Beschäftigung(?:en)?\b)"
)


def bare_number(text: str) -> str | None:
    """The first number in ``text`` not followed by a unit, if any."""
    for m in NUMBER.finditer(text):
        if not UNIT.match(text, m.end()):
            return m.group()
    return None


SNAKE = re.compile(r"[a-z]+_[a-z]+")
ENGLISH = re.compile(r"\b(the|is|are|must|without|nothing|not|no such|of|and)\b")
BAND = re.compile(r"\(\d+(?:,\d+)?\)")
BADGE_GROUP = "wage"


def _cards(api: ApiEnv) -> list[dict[str, Any]]:
    cards = []
    for cid in api.ids(JC_A):
        body = api.client.get(f"/claimants/{cid}/suggestions?k=10", headers=api.headers("cm")).json()
        cards += body["suggestions"]
    return cards


def _texts(reader: dict[str, Any]) -> list[str]:
    return [reader["headline"], reader["meaning"], *reader["facts"], *(x["text"] for x in reader["pro"] + reader["contra"]),
            *([reader["badge"]] if reader["badge"] else [])]  # fmt: skip


def test_every_card_reads_without_contradiction_codes_or_bare_numbers(api_ro: ApiEnv) -> None:
    cards = _cards(api_ro)
    assert len(cards) >= 200
    drivers = 0
    for card in cards:
        r = card["reader"]
        assert r is not None
        for side, sign in (("pro", 1), ("contra", -1)):
            for line in r[side]:
                if line["source"] != "driver":
                    continue
                drivers += 1
                text = line["text"]
                # unit: every number followed by its unit; otherwise a word value.
                assert bare_number(text) is None, (text, bare_number(text))
                assert line["effect"] * sign > 0, line
                other = "contra" if side == "pro" else "pro"
                facing = {x["group"] for x in r[other] if x["source"] == "reason"}
                if r["badge"] and other == "pro":
                    facing.add(BADGE_GROUP)
                assert line["group"] not in facing, (card["vacancy_id"], line, r[other])
        if r["badge"]:
            assert all(x["group"] != BADGE_GROUP for x in r["contra"]), r
        for text in _texts(r):
            assert not SNAKE.search(text), text
            assert not ENGLISH.search(text), text
            assert not BAND.search(text), text
        # The headline and its two named parts.
        n = round(100 * card["score"])
        assert (
            r["meaning"]
            == f"Von 100 solchen Vorschlägen führen etwa {n} zu einer Beschäftigung, die 12 Monate hält."
            or n <= 1
        )
        assert (r["hire"], r["lasting"]) == (card["p_match"], card["p_sustain"])
    assert drivers >= len(cards)  # the rules were applied to real drivers, not to empty cards


def test_a_pair_term_is_one_plain_german_line_on_the_page() -> None:
    """A ga2m pair term as the page receives it (``ReaderOut``, rendered verbatim under "Spricht
    dagegen"): one sentence with both values and units, no feature names, by the page's rules."""
    from dataclasses import replace

    from api.case_schemas import ReaderOut
    from matcher.explain_reader import reader_view
    from tests.matcher.test_explain_reader import VALUES, _explanation

    e = _explanation({}, values=dict(VALUES, commute_minutes=55.0, commute_no_car=55.0))
    e = replace(e, contributions=(*e.contributions, ("commute_minutes×no_car", -0.42)))
    body = ReaderOut.of(reader_view(e, p_match=0.3, p_sustain=0.4, score=0.12)).model_dump()
    line = body["contra"][0]
    assert line["text"] == "Zusammen: Arbeitsweg 55 Min. und ohne Auto (ÖPNV) senken die Chance"
    assert line["source"] == "driver" and line["effect"] == -0.42
    assert bare_number(line["text"]) is None and not SNAKE.search(line["text"])
    assert not ENGLISH.search(line["text"]) and not BAND.search(line["text"])
