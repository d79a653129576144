"""Computed results, one row per entry. Recomputed from marks, never edited by hand."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import marks, utcnow


class Result(db.Model):
    __tablename__ = "result"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), unique=True)
    practical: Mapped[marks]
    theory: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    total: Mapped[marks]
    scaled: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # WorldSkills scale (median 700)
    # 世赛选拔 with carry_weight > 0: the score ranked on, (w × previous total + (100 − w) × total) / 100;
    # ``total`` stays this round's own score. None when nothing is carried.
    carried: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    place: Mapped[int]
    shared_place: Mapped[bool] = mapped_column(default=False)
    award: Mapped[str | None] = mapped_column(String(32))
    unresolved_tie: Mapped[bool] = mapped_column(default=False)  # a shared place the event's rules forbid
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # criterion code → marks (text)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    entry = relationship("Entry")
