"""The 新八级 grade ladder and 职业技能等级证书."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, timestamp
from evaluation.rules.ladder import Grade, certificate_label


class GradeLevel(db.Model):
    """Reference data, written by the first migration: the eight grades in order."""

    __tablename__ = "grade_level"

    code: Mapped[str32] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    level_digit: Mapped[int | None]   # 五级 = 5 … 一级 = 1

    @property
    def grade(self) -> Grade:
        return Grade(self.code)

    @property
    def certificate_label(self) -> str:
        """As printed on certificates: "四级/中级工"."""
        return certificate_label(self.grade)


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class Certificate(db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(22), unique=True)
    verification_code: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    occupation_code: Mapped[str32]
    occupation_name: Mapped[str] = mapped_column(String(100))
    trade: Mapped[str | None] = mapped_column(String(100))
    grade_code: Mapped[str32] = mapped_column(ForeignKey("grade_level.code"))
    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    route: Mapped[str32]          # competition / assessment / direct / enterprise
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="SET NULL"))
    status: Mapped[str32] = mapped_column(default=CertificateStatus.VALID.value)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]

    person = relationship("Person")
    grade: Mapped[GradeLevel] = relationship()
    body = relationship("Organisation")


class CertificateSerial(db.Model):
    """The last serial used per body, year and level, so numbers have no gaps and no duplicates."""

    __tablename__ = "certificate_serial"

    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    level_digit: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0)
