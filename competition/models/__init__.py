"""The competition side's models. The evaluation side's are in ``evaluation.models``; the app imports both, so
Alembic sees one metadata. (This package must not import ``evaluation.models``: that module builds on it.)"""
from competition.models.accounts import ApiToken, Role, RoleGrant, User
from competition.models.appeal import Appeal, AppealMark, AppealStatus
from competition.models.audit import AuditHead, AuditLog
from competition.models.cache import CacheVersion
from competition.models.draw import Admission, Anonymisation, DrawSeat, EntryCode, SkillDraw
from competition.models.entry import Entry, EntryMember, EntryStatus
from competition.models.event import VISIBLE_RESULTS, Event, EventKind, EventStatus, ResultsStatus, Skill, Tier
from competition.models.jobs import scheduled_jobs
from competition.models.judging import JudgeAssignment, JudgeRole
from competition.models.marking import (
    Aspect,
    AspectKind,
    Correction,
    CorrectionStatus,
    Criterion,
    JudgeSheet,
    Mark,
    MarkConflict,
    MarkingScheme,
    MarkReceipt,
    MarkRevision,
    MeasurementMethod,
    PaperEntry,
    RevisionKind,
    SchemeStatus,
    TheoryScore,
)
from competition.models.people import IdType, Organisation, OrgKind, Person
from competition.models.result import Result

__all__ = [
    "VISIBLE_RESULTS", "Admission", "Anonymisation", "ApiToken", "Appeal", "AppealMark", "AppealStatus", "Aspect",
    "AspectKind", "AuditHead", "AuditLog", "CacheVersion",
    "Correction", "CorrectionStatus", "Criterion", "DrawSeat", "Entry", "EntryCode", "EntryMember", "EntryStatus",
    "Event", "EventKind", "EventStatus", "IdType", "JudgeAssignment", "JudgeRole", "JudgeSheet",
    "Mark", "MarkConflict", "MarkReceipt", "MarkRevision", "MarkingScheme", "MeasurementMethod", "OrgKind", "Organisation",
    "PaperEntry", "Person", "Result", "ResultsStatus", "RevisionKind", "Role", "RoleGrant", "SchemeStatus", "Skill",
    "SkillDraw", "TheoryScore", "Tier", "User", "scheduled_jobs",
]
