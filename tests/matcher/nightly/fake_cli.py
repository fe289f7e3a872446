"""`passgenau` with the fast trigram embedder and the test scorer: the real CLI in a real process.

Usage: python -m tests.matcher.nightly.fake_cli --data-dir D nightly ...
"""

from __future__ import annotations

import matcher.wiring
import models.pair_scorer
from matcher.cli import app
from matcher.settings import Settings
from models.encoding import RecordEncoder
from tests.matcher.nightly.region import TermsScorer, fake_encoder


def _record_encoder(settings: Settings) -> RecordEncoder:
    return fake_encoder(settings.data_dir)


def _load_scorer(settings: Settings) -> TermsScorer:
    return TermsScorer()


matcher.wiring.record_encoder = _record_encoder  # type: ignore[assignment]
models.pair_scorer.load_scorer = _load_scorer  # type: ignore[assignment]

if __name__ == "__main__":
    app()
