"""Judges: the judge pool (裁判库), their declared relations, waived conflicts, panels and their seats.

- ``judge_profile``: a person's record in the pool: qualification level, the occupations they may judge,
  the 区县 they come from, languages, past events, workload limit and whether they may chair.
  Employer or school and nationality are the person's own (``person.organisation_id``, ``nationality``).
- ``judge_relation``: a tie between a judge and another person that makes a conflict of interest
  (teacher or coach, relative, any other declared interest), declared by the judge or recorded by an
  organiser; the other person is identified by id when known, else by name.
- ``conflict_waiver``: an organiser's written decision that one detected conflict does not apply.
- ``judge_panel``: who judges one skill, or one module of it: sizes, qualification mix, time slots.
- ``panel_seat``: one judge on one panel, as chief (裁判长), deputy or scorer.
- ``assignment_run``: one run of the automatic assignment for an event: its seed, what it proposed or
  why it could not, and whether it was applied.

``judge_assignment`` (who may mark which skill, read by scoring and permissions) is derived from the
seats by ``competition.services.judging``: one row per judge and skill, role ``chief`` for the chief of
the skill's lead panel, ``deputy`` for the chief or deputy of any other panel, else ``scorer``.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str64, timestamp


class JudgeRole(StrEnum):
    CHIEF = "chief"      # 裁判长
    DEPUTY = "deputy"
    SCORER = "scorer"


class JudgeLevel(StrEnum):
    """Qualification level of a judge, highest first (the default ranking of the assignment)."""

    NATIONAL = "national"      # 国家级
    MUNICIPAL = "municipal"    # 市级 (Chongqing is a province-level municipality)
    INDUSTRY = "industry"      # 行业


class RelationKind(StrEnum):
    """The conflict types that come from a tie between two people (``competition.rules.conflicts``)."""

    TEACHER_OF = "teacher_of"  # teaches or coaches
    RELATIVE = "relative"
    DECLARED = "declared"      # any other interest the judge declares


class JudgeAssignment(db.Model):
    """Who judges which skill, as scoring and permissions read it; kept by the judging service in step
    with the panel seats (never written elsewhere)."""

    __tablename__ = "judge_assignment"
    __table_args__ = (UniqueConstraint("skill_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str32] = mapped_column(default=JudgeRole.SCORER.value)
    created_at: Mapped[timestamp]

    skill = relationship("Skill")
    person = relationship("Person")


class JudgeProfile(db.Model):
    __tablename__ = "judge_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    level: Mapped[str32]                                                   # JudgeLevel
    occupations: Mapped[list[str]] = mapped_column(JSON, default=list)      # occupation codes, sorted
    district: Mapped[str | None] = mapped_column(String(32))                # the 区县 the judge comes from
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)        # ISO 639-1 codes
    past_events: Mapped[list[str]] = mapped_column(JSON, default=list)      # judged before SaiPing knew them
    max_panels: Mapped[int] = mapped_column(default=2)                      # per event
    may_chair: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]

    person = relationship("Person")


class JudgeRelation(db.Model):
    __tablename__ = "judge_relation"

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str32]                                                     # RelationKind
    other_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    other_name: Mapped[str] = mapped_column(String(100))                    # as declared
    note: Mapped[str | None] = mapped_column(String(500))
    declared_by_judge: Mapped[bool] = mapped_column(default=True)           # else recorded by an organiser
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    judge = relationship("Person", foreign_keys=[judge_person_id])
    other = relationship("Person", foreign_keys=[other_person_id])


class ConflictWaiver(db.Model):
    __tablename__ = "conflict_waiver"
    __table_args__ = (UniqueConstraint("judge_person_id", "entry_id", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    type: Mapped[str32]                                                     # ConflictType
    reason: Mapped[str] = mapped_column(String(1000))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]

    judge = relationship("Person")
    entry = relationship("Entry")
    granted_by = relationship("User")


class JudgePanel(db.Model):
    """Sizes follow ``competition.rules.assignment.PanelSpec``; ``module`` is empty for a panel that
    judges the whole skill. ``time_slots``: days (``2026-10-20``) or half-days (``2026-10-20 AM``);
    empty means every day of the event."""

    __tablename__ = "judge_panel"
    __table_args__ = (UniqueConstraint("skill_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    module: Mapped[str32] = mapped_column(default="")
    name: Mapped[str | None] = mapped_column(String(200))
    scorers_min: Mapped[int]
    scorers_max: Mapped[int]
    scorers_target: Mapped[int | None]
    deputies_min: Mapped[int] = mapped_column(default=0)
    deputies_max: Mapped[int] = mapped_column(default=1)
    min_levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    time_slots: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[timestamp]

    skill = relationship("Skill")
    seats: Mapped[list[PanelSeat]] = relationship(back_populates="panel", cascade="all, delete-orphan",
                                                  order_by="PanelSeat.id")


class PanelSeat(db.Model):
    __tablename__ = "panel_seat"
    __table_args__ = (UniqueConstraint("panel_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("judge_panel.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str32]                                                     # JudgeRole
    run_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_run.id", ondelete="SET NULL"))
    created_at: Mapped[timestamp]

    panel: Mapped[JudgePanel] = relationship(back_populates="seats")
    person = relationship("Person")


class RunStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


class AssignmentRun(db.Model):
    """``proposal``: panel id (as text) → [[person id, role], …]; ``problems``: the solver's reasons when
    there is no proposal, as ``{code, message, params, panel_ids}``; ``fingerprint``: SHA-256 of the
    input, so that a proposal is applied only to the data it was computed from."""

    __tablename__ = "assignment_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int]
    time_limit: Mapped[float] = mapped_column(Float)
    status: Mapped[str32]                                                   # RunStatus
    panel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cost: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str64]
    solve_seconds: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    event = relationship("Event")
