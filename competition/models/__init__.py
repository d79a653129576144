"""All models, imported here so that Alembic and the app see one metadata."""
from competition.models.accounts import ApiToken, Role, RoleGrant, User
from competition.models.audit import AuditHead, AuditLog
from competition.models.entry import Entry, EntryMember, EntryStatus
from competition.models.event import Event, EventKind, EventStatus, ResultsStatus, Skill, Tier
from competition.models.judging import JudgeAssignment, JudgeRole
from competition.models.marking import (
    Aspect,
    AspectKind,
    Criterion,
    Mark,
    MarkingScheme,
    MeasurementMethod,
    SchemeStatus,
)
from competition.models.people import IdType, Organisation, OrgKind, Person
from competition.models.result import Result
from evaluation.models import Certificate, CertificateSerial, CertificateStatus, GradeLevel

__all__ = [
    "ApiToken", "Aspect", "AspectKind", "AuditHead", "AuditLog", "Certificate", "CertificateSerial",
    "CertificateStatus", "Criterion", "Entry", "EntryMember", "EntryStatus", "Event", "EventKind", "EventStatus",
    "GradeLevel", "IdType", "JudgeAssignment", "JudgeRole", "Mark", "MarkingScheme", "MeasurementMethod", "OrgKind", "Organisation",
    "Person", "Result", "ResultsStatus", "Role", "RoleGrant", "SchemeStatus", "Skill", "Tier", "User",
]
