"""`passgenau` with the fast trigram embedder and the test scorer: the real CLI in a real process.

Usage: python -m tests.matcher.nightly.fake_cli --data-dir D nightly ...
"""

from __future__ import annotations

from typing import Any

import api.app
from matcher.bootstrap import Services
from matcher.cli import app
from matcher.cli.base import set_services_factory
from matcher.settings import Settings
from tests.matcher.nightly.region import TermsScorer, fake_encoder

set_services_factory(lambda s: Services(s, encoder=fake_encoder(s.data_dir), scorer=TermsScorer()))

# `passgenau serve` leaves its parts to the app's lifespan (create_app(settings)): give the app
# the same fakes through create_app's own parameters.
_create_app = api.app.create_app


def _create_fake_app(settings: Settings, **parts: Any) -> Any:
    parts.setdefault("encoder", fake_encoder(settings.data_dir))
    parts.setdefault("scorer", TermsScorer())
    return _create_app(settings, **parts)


api.app.create_app = _create_fake_app

if __name__ == "__main__":
    app()
