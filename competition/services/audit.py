"""Append to and verify the hash-chained audit log."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from competition.direct_sql import DirectStatement
from competition.extensions import db
from competition.models import AuditHead, AuditLog
from competition.services import cache_version  # noqa: F401  (every writer audits: its listeners move the version)

GENESIS_HASH = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(row: Any) -> dict[str, Any]:
    """The hashed content of a row (an AuditLog or a result row with the same column names)."""
    occurred = row.occurred_at
    if occurred.tzinfo is None:  # SQLite returns naive datetimes
        occurred = occurred.replace(tzinfo=UTC)
    return {
        "seq": row.seq, "occurred_at": occurred.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_user_id": row.actor_user_id, "actor": row.actor, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id, "before": row.before, "after": row.after,
        "request_id": row.request_id, "remote_addr": row.remote_addr, "device": row.device,
    }


def record(action: str, obj: Any = None, *, before: dict | None = None, after: dict | None = None,
           actor: Any = None, object_type: str | None = None, object_id: Any = None,
           device: str | None = None) -> None:
    """Append one row to the log in the caller's transaction: it is written, chained and committed with the
    change it describes, or rolled back with it.

    ``obj`` is a model instance whose table name and primary key identify what changed (a new object is
    flushed, so it has its id); ``actor`` is the user (defaults to the signed-in user).
    Rows are buffered in the session and written just before it commits (:func:`_write_pending`): one
    update of the chain head and one insert per transaction, however many rows."""
    if actor is None and has_request_context():
        from flask_login import current_user
        actor = current_user if getattr(current_user, "is_authenticated", False) else None
    if obj is not None and object_id is None and getattr(obj, "id", 1) is None:
        db.session.flush()  # callers use the new object's id right after recording it
    in_request = has_request_context()
    db.session.info.setdefault("audit_pending", []).append({
        "obj": obj, "object_type": object_type or (obj.__tablename__ if obj is not None else None),
        "object_id": object_id, "occurred_at": datetime.now(UTC), "actor_user_id": getattr(actor, "id", None),
        "actor": getattr(actor, "username", None), "action": action,
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "request_id": g.get("request_id") if in_request else None,
        "remote_addr": request.remote_addr if in_request else None,
        "device": device or (request.headers.get("X-Device-Id") if in_request else None),
    })


_HEAD = AuditHead.__table__
_TAKE_HEAD = DirectStatement(update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + bindparam("n"))
                             .returning(_HEAD.c.seq, _HEAD.c.last_hash))
_MOVE_HEAD = DirectStatement(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("last_hash")))
_LOG = AuditLog.__table__
_APPEND = insert(_LOG)  # many rows
_APPEND_ONE = DirectStatement(insert(_LOG).values({c.key: bindparam(f"p_{c.key}") for c in _LOG.columns}))


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Write the buffered rows: take the chain head with ``UPDATE … RETURNING`` (a row lock on PostgreSQL,
    the write lock on SQLite, so concurrent transactions never fork the chain), hash the rows in order,
    insert them, and move the head. Plain statements on the session's connection: three per transaction,
    however many rows."""
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    session.flush()  # objects added in this transaction get their ids
    connection = session.connection()
    [(last_seq, prev_hash)] = _TAKE_HEAD.execute(connection, {"n": len(pending)})
    seq = last_seq - len(pending)
    rows = []
    for item in pending:
        obj, object_id = item.pop("obj"), item.pop("object_id")
        if object_id is None and obj is not None:
            object_id = getattr(obj, "id", None)
        seq += 1
        row = {**item, "seq": seq, "object_id": None if object_id is None else str(object_id)}
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = row_hash(prev_hash, _hashed_fields(SimpleNamespace(**row)))
        rows.append(row)
    if len(rows) == 1:
        _APPEND_ONE.execute(connection, {f"p_{k}": v for k, v in rows[0].items()})
    else:
        connection.execute(_APPEND, rows)
    _MOVE_HEAD.execute(connection, {"last_hash": prev_hash})


@event.listens_for(Session, "after_rollback")
def _discard_pending(session: Session) -> None:
    session.info.pop("audit_pending", None)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(batch: int = 5000) -> Iterator[ChainProblem]:
    """Yield every break in the chain: a row whose hash does not match its content, a row whose
    prev_hash is not its predecessor's hash, a gap in the sequence, or a head that disagrees."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    last = 0
    columns = [column for column in AuditLog.__table__.columns]
    while True:
        # Plain rows, not ORM objects: the caller's session is left as it was, whatever the log's size.
        rows = db.session.execute(
            select(*columns).where(AuditLog.seq > last).order_by(AuditLog.seq).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                yield ChainProblem(row.seq, f"gap: expected seq {expected_seq}")
            if row.prev_hash != prev_hash:
                yield ChainProblem(row.seq, "prev_hash does not match the previous row")
            if row_hash(row.prev_hash, _hashed_fields(row)) != row.hash:
                yield ChainProblem(row.seq, "content does not match its hash")
            prev_hash, expected_seq, last = row.hash, row.seq + 1, row.seq
    head = db.session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    if head is None or head.seq != last or head.last_hash != prev_hash:
        yield ChainProblem(last, "audit head does not match the last row")


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a model instance, for before/after."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def checkpoint() -> int:
    """A mark in this transaction's buffered rows, for :func:`discard_since` after a savepoint rollback."""
    return len(db.session.info.get("audit_pending", []))


def discard_since(mark: int) -> None:
    """Forget the rows recorded since ``mark``: the changes they describe were rolled back to a savepoint."""
    del db.session.info.get("audit_pending", [])[mark:]
