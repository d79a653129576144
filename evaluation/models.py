"""The 新八级 grade ladder, evaluation records, 职业技能等级证书 and everything printed or published about them.

Tables (all created by migration 0003 except ``grade_level``, ``certificate`` and ``certificate_serial``,
which 0001 made and 0003 extends):

- ``grade_level``: the eight grades (reference data).
- ``evaluation_record``: one person asking for one grade in one occupation by one route (assessment,
  以赛代评, 直接认定, enterprise self-evaluation); ``record_approval``: the officers who approved it.
- ``grade_history``: each person's grades per occupation, each with its evidence.
- ``certificate`` (+ ``certificate_serial``, ``appointed_serial`` counters), ``evaluation_photo``.
- ``enterprise_import``: one imported Excel file; ``print_job`` / ``print_job_item``: batch printing.
- ``signing_key``: each body's Ed25519 key; the private half is encrypted (see ``evaluation.signing``).
- ``occupation_rule``: per-occupation eligibility overrides and pass line.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.extensions import db
from competition.models._types import str32, str64, timestamp
from evaluation.rules.ladder import Grade, certificate_label, certificate_label_en


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

    @property
    def certificate_label_en(self) -> str:
        return certificate_label_en(self.grade)


class Route(StrEnum):
    """How a grade was reached (DOMAIN §8)."""

    ASSESSMENT = "assessment"     # theory + practical exam
    COMPETITION = "competition"   # 以赛代评
    DIRECT = "direct"             # 直接认定
    ENTERPRISE = "enterprise"     # enterprise self-evaluation, imported in batches
    APPOINTED = "appointed"       # 特级技师 / 首席技师, appointed (评聘) by an enterprise
    DECLARED = "declared"         # a grade obtained elsewhere, entered with its evidence (history only)


class RecordStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class OccupationRule(db.Model):
    """Per-occupation settings of evaluation: eligibility paths that replace the DOMAIN §8 defaults
    (``{grade code: [path, …]}``, the shape of ``eligibility_table_from_data``) and the exam pass line."""

    __tablename__ = "occupation_rule"

    occupation_code: Mapped[str32] = mapped_column(primary_key=True)
    occupation_name: Mapped[str] = mapped_column(String(100))
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exam_pass_line: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    updated_at: Mapped[timestamp]


class EvaluationPhoto(db.Model):
    """A 1-inch photo, normalised on upload (JPEG, at most 600×840 px, metadata stripped)."""

    __tablename__ = "evaluation_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str64]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]


class EnterpriseImport(db.Model):
    """One Excel file of enterprise self-evaluation results, imported all rows or none."""

    __tablename__ = "enterprise_import"
    __table_args__ = (UniqueConstraint("body_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str64]
    row_count: Mapped[int]
    created_count: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]


class EvaluationRecord(db.Model):
    """One person, one occupation, one target grade, one route; an officer approves it and the
    certificate is issued. Route-specific fields are empty for the other routes."""

    __tablename__ = "evaluation_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    route: Mapped[str32]
    occupation_code: Mapped[str32]
    occupation_name: Mapped[str] = mapped_column(String(100))
    trade: Mapped[str | None] = mapped_column(String(100))
    grade_code: Mapped[str32] = mapped_column(ForeignKey("grade_level.code"))
    status: Mapped[str32] = mapped_column(default=RecordStatus.PENDING.value, index=True)
    # Assessment
    theory_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    practical_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    pass_line: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # 以赛代评
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="SET NULL"))
    rule_id: Mapped[str | None] = mapped_column(String(100))
    rule_description_zh: Mapped[str | None] = mapped_column(String(300))
    rule_description_en: Mapped[str | None] = mapped_column(String(300))
    # 直接认定 and enterprise: the written evidence
    evidence: Mapped[str | None] = mapped_column(Text)
    # Eligibility: the applicant's facts, the outcome of the check, and the reason for an exception
    years_in_occupation: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    schooling: Mapped[list[str]] = mapped_column(JSON, default=list)
    apprenticeship_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    eligibility_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    exception_reason: Mapped[str | None] = mapped_column(Text)
    # Enterprise import
    import_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_import.id"), index=True)
    source_row: Mapped[int | None]
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Decision
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_photo.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # Set when the competition result this record follows from changed (an appeal): reissue or reconsider.
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_reason: Mapped[str | None] = mapped_column(String(500))

    person = relationship("Person")
    body = relationship("Organisation")
    grade: Mapped[GradeLevel] = relationship()
    approvals: Mapped[list[RecordApproval]] = relationship(back_populates="record", cascade="all, delete-orphan",
                                                          order_by="RecordApproval.id")
    certificate: Mapped[Certificate | None] = relationship(back_populates="record", uselist=False)

    @property
    def required_approvals(self) -> int:
        """直接认定 needs two officers; the other routes one."""
        return 2 if self.route == Route.DIRECT else 1


class RecordApproval(db.Model):
    __tablename__ = "record_approval"
    __table_args__ = (UniqueConstraint("record_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("evaluation_record.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]

    record: Mapped[EvaluationRecord] = relationship(back_populates="approvals")
    officer = relationship("User")


class SigningKey(db.Model):
    """An evaluation body's Ed25519 key. ``public_key`` is the raw 32 bytes (published);
    ``private_key_encrypted`` is AES-256-GCM ciphertext under a key derived from the instance's
    certificate secret, so a copy of the database alone cannot sign."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    key_id: Mapped[str32] = mapped_column(unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    body = relationship("Organisation")


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
    route: Mapped[str32]          # Route
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="SET NULL"))
    status: Mapped[str32] = mapped_column(default=CertificateStatus.VALID.value)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    # Added by 0003
    evaluation_record_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_record.id"), unique=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_photo.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    bilingual: Mapped[bool] = mapped_column(Boolean, default=False)
    international_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    signing_key_id: Mapped[int | None] = mapped_column(ForeignKey("signing_key.id"))
    signature: Mapped[str | None] = mapped_column(String(100))    # base64url Ed25519 over signed_claims
    status_index: Mapped[int | None] = mapped_column(Integer)    # bit in the body's revocation status list
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_reason: Mapped[str | None] = mapped_column(String(500))

    person = relationship("Person")
    grade: Mapped[GradeLevel] = relationship()
    body = relationship("Organisation")
    record: Mapped[EvaluationRecord | None] = relationship(back_populates="certificate")
    photo: Mapped[EvaluationPhoto | None] = relationship()
    signing_key: Mapped[SigningKey | None] = relationship()
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[replaces_id],
                                                        back_populates="replaced_by")
    replaced_by: Mapped[Certificate | None] = relationship(back_populates="replaces", foreign_keys=[replaces_id],
                                                           uselist=False)

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


class CertificateSerial(db.Model):
    """The last serial used per body, year and level, so numbers have no gaps and no duplicates.
    Appointed grades (特级技师 T, 首席技师 C) count under ``level_digit`` 0 and 9 respectively."""

    __tablename__ = "certificate_serial"

    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    level_digit: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0)


class GradeHistory(db.Model):
    """One grade a person obtained in one occupation, with its evidence: a certificate we issued, an
    approved evaluation record, or a grade obtained elsewhere entered by an officer with its evidence."""

    __tablename__ = "grade_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    occupation_code: Mapped[str32]
    occupation_name: Mapped[str] = mapped_column(String(100))
    grade_code: Mapped[str32] = mapped_column(ForeignKey("grade_level.code"))
    obtained_on: Mapped[date] = mapped_column(Date)
    route: Mapped[str32]
    evidence: Mapped[str] = mapped_column(Text)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    evaluation_record_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_record.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]

    grade: Mapped[GradeLevel] = relationship()
    certificate: Mapped[Certificate | None] = relationship()


class PrintJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PrintJob(db.Model):
    """A batch print: which certificates (items, in print order), who asked, progress, and the PDFs
    (``parts`` file names under the print folder). The scheduler or the CLI runs it."""

    __tablename__ = "print_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str32] = mapped_column(default=PrintJobStatus.QUEUED.value, index=True)
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    reprints: Mapped[int] = mapped_column(default=0)
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[timestamp]
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    requested_by = relationship("User")
    items: Mapped[list[PrintJobItem]] = relationship(back_populates="job", cascade="all, delete-orphan",
                                                     order_by="PrintJobItem.position")


class PrintJobItem(db.Model):
    __tablename__ = "print_job_item"
    __table_args__ = (UniqueConstraint("job_id", "certificate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_job.id", ondelete="CASCADE"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    position: Mapped[int]
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    job: Mapped[PrintJob] = relationship(back_populates="items")
    certificate: Mapped[Certificate] = relationship()
