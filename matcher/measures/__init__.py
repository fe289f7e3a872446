"""Förderempfehlung: which measure (licence, German course, qualification, childcare, car) would open
the most lasting placements for a claimant, estimated by running the claimant's own lookup on a copy
of the record as the measure would change it (``matcher.measures.estimate``)."""

from matcher.measures.estimate import MeasureEstimate, MeasureReport, OpenedVacancy, estimate_measures
from matcher.measures.market import market_sample, market_service
from matcher.measures.rules import Change, apply_measure

__all__ = [
    "Change",
    "MeasureEstimate",
    "MeasureReport",
    "OpenedVacancy",
    "apply_measure",
    "estimate_measures",
    "market_sample",
    "market_service",
]
