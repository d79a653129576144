"""Marking schemes (criterion → aspect) and the marks judges enter."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import marks, str32, str64, timestamp
from competition.rules.marking import AspectKind, AspectSpec, MeasurementMethod, ToleranceBand

__all__ = ["Aspect", "AspectKind", "Correction", "CorrectionStatus", "Criterion", "JudgeSheet", "Mark",
           "MarkConflict", "MarkRevision", "MarkingScheme", "MeasurementMethod", "PaperEntry", "RevisionKind",
           "SchemeStatus", "TheoryScore"]


class SchemeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class MarkingScheme(db.Model):
    __tablename__ = "marking_scheme"
    __table_args__ = (UniqueConstraint("skill_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str32] = mapped_column(default=SchemeStatus.DRAFT.value)
    total: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(100))
    created_at: Mapped[timestamp]

    criteria: Mapped[list[Criterion]] = relationship(back_populates="scheme", order_by="Criterion.code",
                                                     cascade="all, delete-orphan")

    @property
    def aspects(self) -> list[Aspect]:
        return [aspect for criterion in self.criteria for aspect in criterion.aspects]


class Criterion(db.Model):
    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("marking_scheme.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))     # A, B, C …
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))

    scheme: Mapped[MarkingScheme] = relationship(back_populates="criteria")
    aspects: Mapped[list[Aspect]] = relationship(back_populates="criterion", order_by="Aspect.code",
                                                 cascade="all, delete-orphan")


class Aspect(db.Model):
    __tablename__ = "aspect"
    __table_args__ = (UniqueConstraint("criterion_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    sub_criterion: Mapped[str | None] = mapped_column(String(16))  # e.g. A1 (aspects A1.1, A1.2 …)
    sub_criterion_name: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(16))    # A1, A2 …
    description: Mapped[str] = mapped_column(String(500))
    description_en: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str32]      # AspectKind
    method: Mapped[str | None] = mapped_column(String(16))  # MeasurementMethod, measurement aspects only
    max_mark: Mapped[marks]
    descriptors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # judgement: four texts, levels 0-3
    bands: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[max deviation, marks], …] for "bands"

    criterion: Mapped[Criterion] = relationship(back_populates="aspects")

    def spec(self) -> AspectSpec:
        """This aspect as the pure marking rules see it."""
        return AspectSpec(code=self.code, description=self.description, kind=self.kind, max_mark=self.max_mark,
                          descriptors=tuple(self.descriptors or ()), method=self.method,
                          bands=tuple(ToleranceBand(Decimal(str(d)), Decimal(str(m))) for d, m in self.bands or ()))


class Mark(db.Model):
    """One judge's mark for one aspect of one entry. ``client_id`` is generated on the tablet so that a
    mark sent twice is stored once."""

    __tablename__ = "mark"
    __table_args__ = (UniqueConstraint("aspect_id", "entry_id", "judge_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str64] = mapped_column(unique=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspect.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    value: Mapped[marks]
    device: Mapped[str | None] = mapped_column(String(100))
    client_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[timestamp]

    aspect: Mapped[Aspect] = relationship()
    entry = relationship("Entry")
    judge = relationship("Person")


class MarkReceipt(db.Model):
    """Every client id the server ever accepted, with the cell and value it carried. A mark's row keeps only
    its latest client id, so without this an old mark arriving late (a copy the network delayed, or a request
    the tablet gave up on) would look new and overwrite the judge's later change. The primary key also makes
    two copies of one mark processed at once store it once."""

    __tablename__ = "mark_receipt"

    client_id: Mapped[str64] = mapped_column(primary_key=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspect.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    value: Mapped[marks]
    received_at: Mapped[timestamp]


class RevisionKind(StrEnum):
    RESCORE = "rescore"          # the judge changed their own mark before sign-off
    CORRECTION = "correction"    # after the lock: by the chief judge, countersigned by a supervisor
    PAPER = "paper"              # from a paper form, entered twice by clerks
    APPEAL = "appeal"            # re-marked after an upheld appeal


class MarkRevision(db.Model):
    """Every earlier value of a mark: a mark never changes silently."""

    __tablename__ = "mark_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str32]
    old_value: Mapped[marks]
    new_value: Mapped[marks]
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    device: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[timestamp]


class MarkConflict(db.Model):
    """A mark arrived again under a known client id with a different value. Nothing is overwritten:
    the chief judge decides which value stands."""

    __tablename__ = "mark_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str64]
    proposed_value: Mapped[marks]
    device: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[timestamp]
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # kept / replaced

    mark: Mapped[Mark] = relationship()


class JudgeSheet(db.Model):
    """A judge's sheet for one skill: submitted when the judge has finished marking."""

    __tablename__ = "judge_sheet"
    __table_args__ = (UniqueConstraint("skill_id", "judge_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[timestamp]


class CorrectionStatus(StrEnum):
    PENDING = "pending"      # made by the chief judge, waiting for a supervisor
    APPLIED = "applied"
    REJECTED = "rejected"


class Correction(db.Model):
    """A change to a locked mark: proposed by the chief judge with a reason, applied when a supervisor
    countersigns it."""

    __tablename__ = "correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"), index=True)
    old_value: Mapped[marks]
    new_value: Mapped[marks]
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str32] = mapped_column(default=CorrectionStatus.PENDING.value)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[timestamp]
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mark: Mapped[Mark] = relationship()


class TheoryScore(db.Model):
    """An entry's theory (written or computer exam) score, imported from the exam system, out of 100."""

    __tablename__ = "theory_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), unique=True)
    score: Mapped[marks]
    source: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[timestamp]


class PaperEntry(db.Model):
    """One clerk's typing of one value from a paper marking form. Each value is typed twice, by two
    clerks (round 1 and 2); when both agree the mark is recorded, when they differ it is flagged."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("entry_id", "aspect_id", "judge_person_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspect.id"))
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    round: Mapped[int]
    value: Mapped[str] = mapped_column(String(32))  # as typed; checked when both rounds agree
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
