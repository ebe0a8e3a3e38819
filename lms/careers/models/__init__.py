"""Careers models, one module per aggregate; the catalogue they refer to is lms.competencies."""

from .appraisals import (
    BERAKHLAK,
    BERAKHLAK_VALUES,
    PREDIKAT_MATRIX,
    Appraisal,
    AppraisalPeriod,
    Predikat,
    Rating,
    behaviour_rating_for,
    predikat_for,
)
from .external import ExternalLearning, ExternalLearningCompetency, ExternalStatus
from .positions import (
    POSITION_TYPE_LABELS,
    Position,
    PositionPath,
    PositionRequirement,
    PositionType,
    StaffPosition,
)
from .records import CompetencyRecord, JpRecord, LearningKind, RecordSource, RevokeCause
from .requests import RequestStatus, TrainingRequest
from .summaries import CareerSummary, JpTotal, StaffCompetency, StaffGap, UnitCompetencyStat

__all__ = [
    "BERAKHLAK",
    "BERAKHLAK_VALUES",
    "POSITION_TYPE_LABELS",
    "PREDIKAT_MATRIX",
    "Appraisal",
    "AppraisalPeriod",
    "CareerSummary",
    "CompetencyRecord",
    "ExternalLearning",
    "ExternalLearningCompetency",
    "ExternalStatus",
    "JpRecord",
    "JpTotal",
    "LearningKind",
    "Position",
    "PositionPath",
    "PositionRequirement",
    "PositionType",
    "Predikat",
    "Rating",
    "RecordSource",
    "RequestStatus",
    "RevokeCause",
    "StaffCompetency",
    "StaffGap",
    "StaffPosition",
    "TrainingRequest",
    "UnitCompetencyStat",
    "behaviour_rating_for",
    "predikat_for",
]
