"""The audit log: append-only and hash-chained, so that any later edit of a row is detected.

Appending takes the single ``audit_head`` row with ``UPDATE … RETURNING``: on PostgreSQL that row lock
and on SQLite the write lock serialise appenders, so the chain never forks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from competition.extensions import db
from competition.models._types import str64


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[int | None]   # no foreign key: the log outlives accounts
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str64] = mapped_column(index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(100))
    prev_hash: Mapped[str64]
    hash: Mapped[str64]


class AuditHead(db.Model):
    """Exactly one row (id 1): the last sequence number and hash of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    last_hash: Mapped[str64]
