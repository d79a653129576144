"""Accounts, roles and API tokens. Roles are granted globally or scoped to an event or organisation;
judging rights come from JudgeAssignment (scoped to one skill), not from a grant."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str64, timestamp


class Role(StrEnum):
    ORGANISER = "organiser"                    # 组委会
    SUPERVISOR = "supervisor"                  # 督导 / 监督仲裁组
    TEAM_LEADER = "team_leader"                # 领队 (scoped to an organisation)
    JUDGE = "judge"                            # in the judge pool (裁判库); panels come from JudgeAssignment
    CONTESTANT = "contestant"                  # 选手
    EVALUATION_OFFICER = "evaluation_officer"  # 评价机构 staff (scoped to the body)
    ENCRYPTION_JUDGE = "encryption_judge"      # 加密裁判 / 保密员 (scoped to an event): the draw and the codes
    CHECKIN_STAFF = "checkin_staff"            # 检录 staff (scoped to an event): admission at the door


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str64] = mapped_column(unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(8))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[timestamp]
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person = relationship("Person")
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active


class RoleGrant(db.Model):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str32]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[timestamp]

    user: Mapped[User] = relationship(back_populates="grants")
    organisation = relationship("Organisation")


class ApiToken(db.Model):
    """A bearer token for a tablet or script. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str64] = mapped_column(unique=True)
    device: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
