"""People and organisations. A Person is one human across every event (CMS's User); what they do in
one event lives on Entry, JudgeAssignment and RoleGrant."""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str200, timestamp
from competition.rules.identity import IdType

__all__ = ["IdType", "OrgKind", "Organisation", "Person", "mask_id_number", "mask_name"]


class OrgKind(StrEnum):
    ENTERPRISE = "enterprise"
    SCHOOL = "school"
    DISTRICT = "district"            # 区县 delegation
    COUNTRY = "country"              # national delegation (一带一路)
    EVALUATION_BODY = "evaluation_body"  # 评价机构
    AUTHORITY = "authority"          # 人社局, industry bureau


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str200] = mapped_column(unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str32]  # OrgKind
    district: Mapped[str | None] = mapped_column(String(32))   # 区县, e.g. 九龙坡区
    country: Mapped[str] = mapped_column(String(2), default="CN")  # ISO 3166-1 alpha-2
    # Evaluation bodies only: the parts of the national certificate number.
    body_kind: Mapped[str | None] = mapped_column(String(1))   # Y (employer) or S (social organisation)
    body_code: Mapped[str | None] = mapped_column(String(4))
    site_code: Mapped[str | None] = mapped_column(String(6))
    province_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[timestamp]


class Person(db.Model):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("id_type", "nationality", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))          # as on the ID document (Chinese or Latin)
    name_latin: Mapped[str | None] = mapped_column(String(100))
    id_type: Mapped[str32]
    id_number: Mapped[str] = mapped_column(String(32))
    nationality: Mapped[str] = mapped_column(String(2), default="CN")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))       # M / F
    phone: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    district: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[timestamp]

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def display_name(self) -> str:
        return self.name if not self.name_latin or self.name_latin == self.name else f"{self.name} ({self.name_latin})"


def mask_id_number(number: str) -> str:
    """``110101202311012176`` → ``110**************76``: enough to tell two people apart, not to use."""
    if len(number) <= 5:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, John Smith → J*** S****."""
    if " " in name:
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    if len(name) <= 2:
        return name[:1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
