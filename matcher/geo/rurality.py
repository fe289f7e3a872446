"""Rurality of a postcode (0 = city, 1 = remote countryside), computed from the postcode data itself."""

from __future__ import annotations

from collections import defaultdict
from typing import Final

import numpy as np
import numpy.typing as npt

from matcher.geo.travel import EARTH_RADIUS_KM, FloatArray

# Rurality (0 = city, 1 = remote countryside) is a data-driven proxy computed once at load from the
# postcode data itself, as a score of two counts of delivery postcodes (large-recipient and PO-box
# postcodes have no area and are never counted):
#   regional = delivery postcodes whose centre lies within RURALITY_RADIUS_KM (German postcode
#              areas are cut to similar delivery volume, ~10,000 residents, so this tracks density);
#   town     = other delivery postcodes within TOWN_RADIUS_KM that carry the same first place name
#              (Göttingen has 7, Kassel 14, Berlin ~190, Northeim 1): the size of the town, which
#              decides whether there is a city bus network at all.
# score = regional + TOWN_WEIGHT × town, mapped on a log scale: 0 at URBAN_SCORE or more, 1 at
# RURAL_SCORE or fewer. Examples: Göttingen 0.0, Marburg ~0.2, Osterode am Harz ~0.6, Northeim ~0.85,
# Duderstadt and the Uckermark 1.0. Known bias: Bavaria and the Eifel cut small rural postcodes, so
# their villages come out less rural (~0.4) than Lower Saxony's.
RURALITY_RADIUS_KM: Final = 10.0
TOWN_RADIUS_KM: Final = 15.0
TOWN_WEIGHT: Final = 2.0
URBAN_SCORE: Final = 20.0
RURAL_SCORE: Final = 3.0


def _unit_vectors(lats: FloatArray, lons: FloatArray) -> FloatArray:
    la, lo = np.radians(lats), np.radians(lons)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


def compute_rurality(
    lats: FloatArray, lons: FloatArray, delivery: npt.NDArray[np.bool_], first_names: list[str]
) -> FloatArray:
    """Rurality in [0, 1] per postcode; see the comment above RURALITY_RADIUS_KM for the definition.

    Dot products of unit vectors in blocks: ~10,000 × 8,000 pairs take well under a second, once.
    """
    points = _unit_vectors(lats, lons)
    centres = points[delivery]
    cos_radius = np.cos(RURALITY_RADIUS_KM / EARTH_RADIUS_KM)
    regional = np.empty(len(points), dtype=np.float64)
    block = 2048
    for start in range(0, len(points), block):
        regional[start : start + block] = (points[start : start + block] @ centres.T >= cos_radius).sum(
            axis=1
        )

    # Same-name neighbours; the radius keeps apart distinct towns of one name (Neustadt, Frankfurt).
    town = np.zeros(len(points), dtype=np.float64)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(first_names):
        if delivery[i]:
            groups[name].append(i)
    cos_town = np.cos(TOWN_RADIUS_KM / EARTH_RADIUS_KM)
    for members in groups.values():
        if len(members) > 1:
            idx = np.asarray(members)
            near = points[idx] @ points[idx].T >= cos_town
            town[idx] = near.sum(axis=1) - 1

    # max(.., 1): a large-recipient postcode in the middle of nowhere still has a defined log.
    score = np.maximum(regional + TOWN_WEIGHT * town, 1.0)
    span = np.log(URBAN_SCORE) - np.log(RURAL_SCORE)
    return np.clip((np.log(URBAN_SCORE) - np.log(score)) / span, 0.0, 1.0)
