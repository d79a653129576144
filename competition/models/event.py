"""Events and their skills (赛项)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str64, str200, timestamp


class EventKind(StrEnum):
    BAYU_CUP = "bayu_cup"                          # 巴渝工匠杯
    WORLDSKILLS_SELECTION = "worldskills_selection"  # 世赛选拔
    BELT_AND_ROAD = "belt_and_road"                # 一带一路国际邀请赛


class Tier(StrEnum):
    NATIONAL_1 = "national_1"      # 国家级一类
    NATIONAL_2 = "national_2"      # 国家级二类
    PROVINCIAL_1 = "provincial_1"  # 省(市)级一类
    PROVINCIAL_2 = "provincial_2"  # 省(市)级二类
    INDUSTRY = "industry"          # 行业赛
    DISTRICT = "district"          # 区县赛
    ENTERPRISE = "enterprise"      # 企业岗位练兵


class EventStatus(StrEnum):
    DRAFT = "draft"
    REGISTRATION_OPEN = "registration_open"
    REGISTRATION_CLOSED = "registration_closed"
    COMPETITION = "competition"
    MARKING = "marking"
    RESULTS = "results"
    ARCHIVED = "archived"


class ResultsStatus(StrEnum):
    """draft → reviewed (by the chief judge) → published (公示, visible to all) → final (after the period)."""

    NONE = "none"
    DRAFT = "draft"
    REVIEWED = "reviewed"
    PUBLISHED = "published"   # published for 公示: public, appeals may still change it
    FINAL = "final"


VISIBLE_RESULTS = (ResultsStatus.PUBLISHED.value, ResultsStatus.FINAL.value)


class Event(db.Model):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str64] = mapped_column(unique=True)
    name: Mapped[str200]
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str32]     # EventKind
    tier: Mapped[str32]     # Tier
    year: Mapped[int]
    status: Mapped[str32] = mapped_column(default=EventStatus.DRAFT.value)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(200))
    # The registration window: the scheduler opens and closes registration at these times (when set).
    registration_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # overrides of DOMAIN defaults
    # 世赛选拔: the round this one starts from (its advanced squad, optionally its scores); see services.rounds
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    created_at: Mapped[timestamp]

    previous_round: Mapped[Event | None] = relationship(remote_side="Event.id", foreign_keys=[previous_round_id])
    skills: Mapped[list[Skill]] = relationship(back_populates="event", order_by="Skill.code")

    @property
    def is_public(self) -> bool:
        return self.status != EventStatus.DRAFT


class Skill(db.Model):
    """A 赛项: one occupation at one 命题等级, individual or team."""

    __tablename__ = "skill"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    code: Mapped[str32]
    name: Mapped[str200]
    name_en: Mapped[str | None] = mapped_column(String(200))
    occupation_code: Mapped[str32]            # 国家职业分类, e.g. 6-31-01-03
    occupation_name: Mapped[str] = mapped_column(String(100))
    trade: Mapped[str | None] = mapped_column(String(100))  # 工种/职业方向
    level_grade_code: Mapped[str32]           # 命题等级, a GradeLevel code
    team_size: Mapped[int] = mapped_column(default=1)
    theory_weight: Mapped[int] = mapped_column(default=0)
    practical_weight: Mapped[int] = mapped_column(default=100)
    capacity: Mapped[int | None]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    marks_locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the chief's sign-off
    marks_locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    results_status: Mapped[str32] = mapped_column(default=ResultsStatus.NONE.value)
    results_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    results_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    results_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    results_publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # scheduled publication
    results_publicity_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # end of 公示
    results_final_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[timestamp]

    event: Mapped[Event] = relationship(back_populates="skills")

    @property
    def marks_locked(self) -> bool:
        return self.marks_locked_at is not None

    @property
    def results_published(self) -> bool:
        """The results are visible to the public: published for 公示, or final."""
        return self.results_status in VISIBLE_RESULTS
