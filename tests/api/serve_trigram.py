"""A server over a test data directory with the trigram encoder, in N worker processes: what
``passgenau serve --workers N`` runs, with the tests' encoder instead of the configured model.

    python -m tests.api.serve_trigram DATA_DIR AS_OF PORT WORKERS
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path


def main(argv: list[str]) -> int:
    from api.app import create_app
    from api.runtime import single_thread_blas
    from api.workers import serve
    from matcher.settings import ApiSettings, Settings
    from tests.api.conftest import trigram_encoder

    data_dir, as_of, port, workers = Path(argv[0]), date.fromisoformat(argv[1]), int(argv[2]), int(argv[3])
    single_thread_blas()
    settings = Settings(data_dir=data_dir, as_of=as_of, api=ApiSettings(workers=workers, worker_header=True))
    return serve(
        lambda: create_app(settings, encoder=trigram_encoder(data_dir)),
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        keep_alive_seconds=settings.api.keep_alive_seconds,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
