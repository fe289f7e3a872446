"""How a case manager's search words meet stored text: case, umlauts and accents folded (pure).

People type "verkaeufer" for "Verkäufer", "Goettingen" or "gottingen" for "Göttingen", "Jose" for
"José": both sides are folded the same way, so each of those finds the other. German umlauts fold
to their two-letter spelling (ä → ae, ö → oe, ü → ue, ß → ss) and, so that "gottingen" finds too,
every text is also matched with the umlaut's bare vowel; other accents are dropped (é → e).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_BARE = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _strip_accents(text: str) -> str:
    if text.isascii():  # nothing decomposes: the common case after the umlauts, at C speed
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case, umlauts spelled out, accents dropped: "Verkäufer" → "verkaeufer"."""
    return _strip_accents(unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS))


def forms(text: str) -> tuple[str, ...]:
    """The folded forms a stored text is matched in: umlauts spelled out and as bare vowels."""
    t = unicodedata.normalize("NFC", text).casefold()
    return tuple(dict.fromkeys((_strip_accents(t.translate(_UMLAUTS)), _strip_accents(t.translate(_BARE)))))


@dataclass(frozen=True)
class SearchFields:
    """What a claimant is found by."""

    id: str
    postcode: str
    municipality: str
    case_manager: str
    desired_occupations: tuple[str, ...]


def matches(needle: str, f: SearchFields) -> bool:
    """Whether a folded search word finds the claimant: a prefix of the id, the postcode or the case
    manager's id, or a part of the place or of a desired occupation. An empty word finds everyone."""
    if not needle:
        return True
    if any(fold(x).startswith(needle) for x in (f.id, f.postcode, f.case_manager)):
        return True
    texts: Iterable[str] = (f.municipality, *f.desired_occupations)
    return any(needle in form for t in texts for form in forms(t))
