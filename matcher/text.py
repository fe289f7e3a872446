"""Render claimants and vacancies to the short German texts that are embedded.

The embedder is compute-bound (roughly 8 GFLOP for a 188-token text on multilingual-e5-small), so
the text carries what similarity should see — occupations, experience, skills — and leaves out what
the hard filters and the scorer read from fields anyway (postcode, hours, wage, household). Free
text is cut to a word budget. Deterministic: the same record gives the same text, and its hash is
the embedding cache key.
"""

from __future__ import annotations

import hashlib
import re

from matcher.domain import Claimant, SkillLevel, Vacancy

# About 1.6 XLM-R tokens per German word: 40 words keep a profile near 70 tokens.
PROFILE_WORDS = 40
DESCRIPTION_WORDS = 25

_SKILL_DE = {
    SkillLevel.HELPER: "Helfertätigkeit",
    SkillLevel.SKILLED: "Fachkraft",
    SkillLevel.SPECIALIST: "Spezialist",
    SkillLevel.EXPERT: "Experte",
}
_WS = re.compile(r"\s+")


def _clip(text: str, words: int) -> str:
    parts = _WS.sub(" ", text).strip().split(" ")
    if len(parts) <= words:
        return " ".join(p for p in parts if p)
    return " ".join(parts[:words]) + " …"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text if text[-1] in ".!?…" else text + "."


def render_claimant(c: Claimant) -> str:
    """German text of a claimant's occupational profile (no place, household or protected data)."""
    parts: list[str] = []
    if c.desired_occupations:
        parts.append(_sentence("Sucht Arbeit als " + ", ".join(c.desired_occupations)))
    parts.append(_sentence(_SKILL_DE[c.skill_level]))
    if c.profile_text:
        parts.append(_sentence(_clip(c.profile_text, PROFILE_WORDS)))
    return " ".join(p for p in parts if p)


def render_vacancy(v: Vacancy) -> str:
    """German text of a vacancy: title, level and the start of its description."""
    parts = [_sentence(v.title), _sentence(_SKILL_DE[v.skill_level])]
    if v.description:
        parts.append(_sentence(_clip(v.description, DESCRIPTION_WORDS)))
    return " ".join(p for p in parts if p)


def content_hash(text: str) -> str:
    """Stable key of a rendered text (sha256, hex, first 32 characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
