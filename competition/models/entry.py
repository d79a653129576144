"""Entries: a person (or a team of 2-3) in one skill."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, timestamp


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Entry(db.Model):
    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("skill_id", "competitor_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through the unique index (skill_id, competitor_number), which starts with it: no index of its own.
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str32] = mapped_column(default=EntryStatus.SUBMITTED.value)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    competitor_number: Mapped[str | None] = mapped_column(String(16))  # 参赛号, what judges see
    team_name: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]

    skill = relationship("Skill")
    organisation = relationship("Organisation")
    members: Mapped[list[EntryMember]] = relationship(back_populates="entry", cascade="all, delete-orphan",
                                                      order_by="EntryMember.id")

    @property
    def display_name(self) -> str:
        return self.team_name or "、".join(m.person.name for m in self.members)


class EntryMember(db.Model):
    """One person of an entry. ``skill_id`` is repeated so that the database refuses the same person
    entering the same skill twice, whichever entry it comes through."""

    __tablename__ = "entry_member"
    __table_args__ = (UniqueConstraint("skill_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)

    entry: Mapped[Entry] = relationship(back_populates="members")
    person = relationship("Person")
