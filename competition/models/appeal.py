"""Appeals (申诉) against marks, decided by the 监督仲裁组 (supervisors)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, timestamp


class AppealStatus(StrEnum):
    PENDING = "pending"      # filed, waiting for the supervisors
    UPHELD = "upheld"        # the named marks are reopened for re-marking
    REJECTED = "rejected"    # final
    RESOLVED = "resolved"    # upheld, re-marked, results recomputed and republished


class Appeal(db.Model):
    """One appeal by a contestant or their team leader about named marks of one entry."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    status: Mapped[str32] = mapped_column(default=AppealStatus.PENDING.value)
    grounds: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filed_at: Mapped[timestamp]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    entry = relationship("Entry")
    skill = relationship("Skill")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    marks: Mapped[list[AppealMark]] = relationship(back_populates="appeal", cascade="all, delete-orphan",
                                                   order_by="AppealMark.id")

    @property
    def open(self) -> bool:
        """Still able to change the results: waiting for a decision, or upheld and not yet re-marked."""
        return self.status in (AppealStatus.PENDING, AppealStatus.UPHELD)


class AppealMark(db.Model):
    """A mark named in an appeal; when the appeal is upheld, re-marked by a judge of the panel who is not
    conflicted with the contestant and did not give the original mark."""

    __tablename__ = "appeal_mark"
    __table_args__ = (UniqueConstraint("appeal_id", "mark_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"), index=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"), index=True)
    old_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))   # set when re-marked
    new_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    remarked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    remarked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(500))

    appeal: Mapped[Appeal] = relationship(back_populates="marks")
    mark = relationship("Mark")
