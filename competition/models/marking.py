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

__all__ = ["Aspect", "AspectKind", "Criterion", "Mark", "MarkingScheme", "MeasurementMethod", "SchemeStatus"]


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
