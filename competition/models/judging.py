"""Who judges which skill."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, timestamp


class JudgeRole(StrEnum):
    CHIEF = "chief"      # 裁判长
    DEPUTY = "deputy"
    SCORER = "scorer"


class JudgeAssignment(db.Model):
    __tablename__ = "judge_assignment"
    __table_args__ = (UniqueConstraint("skill_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str32] = mapped_column(default=JudgeRole.SCORER.value)
    created_at: Mapped[timestamp]

    skill = relationship("Skill")
    person = relationship("Person")
