"""The draw (抽签), the anonymous codes (加密) and check-in (检录) of a skill's entries.

- ``skill_draw``: one commitment to a draw: the hash of a secret seed, published with the draw ids (lots),
  stations and sessions it will be run on; once drawn, the seed is published too (anyone can replay it).
  Each entry draws under a random draw id (``lots``), not its entry id: the entry ids are on the judges'
  tablets, and a public entry id → station list would link the outer codes to the stations.
  A new commitment supersedes the one before (allowed only while no judge has a mark in the skill).
- ``draw_seat``: what each entry drew (参赛号, 工位, 场次), as published.
- ``anonymisation``: the 加密裁判's secret: the seed and the chained mappings 参赛号 → 一次加密号 → 成果号,
  and the 裁判长's sign-off and the reveal (解密). Read only through ``competition.services.draw``.
- ``entry_code``: each entry's outer code (成果号), the only number judges see.
- ``admission``: one admission ticket (准考证) per contestant of an entry: an opaque check-in code and
  when they were checked in at the door.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str64, timestamp


class SkillDraw(db.Model):
    __tablename__ = "skill_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    commitment: Mapped[str64]                                            # SHA-256 of the seed
    seed: Mapped[str] = mapped_column(String(128))                       # secret until drawn_at
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    lots: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)     # entry id (as text) → draw id; private
    stations: Mapped[list[str]] = mapped_column(JSON, default=list)
    sessions: Mapped[list[str]] = mapped_column(JSON, default=list)      # empty: one session
    number_prefix: Mapped[str] = mapped_column(String(8), default="")
    number_width: Mapped[int] = mapped_column(default=3)                 # digits of a competitor number
    committed_at: Mapped[timestamp]
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    skill = relationship("Skill")
    seats: Mapped[list[DrawSeat]] = relationship(back_populates="draw", cascade="all, delete-orphan",
                                                 order_by="DrawSeat.draw_position")

    @property
    def drawn(self) -> bool:
        return self.drawn_at is not None

    @property
    def lot_numbers(self) -> list[int]:
        """The public draw ids, ascending: the list the draw is run and replayed on."""
        return sorted(self.lots.values())


class DrawSeat(db.Model):
    __tablename__ = "draw_seat"
    __table_args__ = (UniqueConstraint("draw_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("skill_draw.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    lot: Mapped[int]                                                     # the entry's public draw id
    draw_position: Mapped[int]
    competitor_number: Mapped[str] = mapped_column(String(16))
    station: Mapped[str32]
    session: Mapped[str | None] = mapped_column(String(100))

    draw: Mapped[SkillDraw] = relationship(back_populates="seats")
    entry = relationship("Entry")


class Anonymisation(db.Model):
    __tablename__ = "anonymisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), unique=True)
    seed: Mapped[str] = mapped_column(String(128))
    layers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[timestamp]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reveal_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reveal_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    skill = relationship("Skill")


class EntryCode(db.Model):
    __tablename__ = "entry_code"
    __table_args__ = (UniqueConstraint("skill_id", "outer_code"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    outer_code: Mapped[str32]


class Admission(db.Model):
    __tablename__ = "admission"
    __table_args__ = (UniqueConstraint("entry_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    code: Mapped[str32] = mapped_column(unique=True)
    created_at: Mapped[timestamp]
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    skill = relationship("Skill")
    entry = relationship("Entry")
    person = relationship("Person")
