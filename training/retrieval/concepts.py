"""Which ESCO occupations may be trained on, tuned on and reported: a fixed split by concept.

A split by label would put "Verkäufer" in training and "Verkäuferin" in the test: the test would
measure memory, not matching. So whole concepts go to one side, decided by a hash of the concept's
id (the UUID at the end of its URI, stable across ESCO releases and languages), never by a random
draw that a rerun or a new release could change:

- ``test`` (15 %): reported figures only; nothing is chosen by looking at it;
- ``dev`` (15 %): where settings are chosen (fusion weights, BM25 parameters, training budget);
- ``train`` (70 %): the only concepts whose labels may become training pairs.

ISCO groups and other non-occupation URIs get a split as well (the same rule), so that a hierarchy
pair is on the side of its occupation.
"""

from __future__ import annotations

import hashlib

SALT = "passgenau-esco-concepts-v1"
SPLITS = ("train", "dev", "test")
_TEST_BELOW = 15
_DEV_BELOW = 30


def concept_id(uri: str) -> str:
    """The last path segment of a concept URI (the id itself passes unchanged)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def split_of(uri_or_id: str) -> str:
    """``train``, ``dev`` or ``test`` for a concept URI or id (module doc); pure and fixed."""
    digest = hashlib.sha256(f"{SALT}:{concept_id(uri_or_id)}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < _TEST_BELOW:
        return "test"
    if bucket < _DEV_BELOW:
        return "dev"
    return "train"
