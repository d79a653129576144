"""A version number for what the app keeps in memory between requests, shared by every process.

Checking a mark needs facts that seldom change while judges mark (the judge's seat, the skill's state, the
published scheme, whether a conflict of interest bars the judge from a competitor). Those are kept per
process (:mod:`competition.services.marking`) under the version they were read at, and thrown away as soon as
the version moves. It moves in the same transaction as any change made through the session to a table
outside :data:`IGNORED_TABLES` (flushed objects, ORM or Core ``INSERT``/``UPDATE``/``DELETE``, and textual
statements that write), so a change is visible to other processes exactly when its new version is.

The listeners are registered when this module is imported; :mod:`competition.services.audit` imports it,
so any process that changes data (every change is audited) bumps the version."""
from __future__ import annotations

import re
import secrets
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause

from competition.models import CacheVersion

# Tables whose rows no cached decision depends on, written all the time while judges mark.
IGNORED_TABLES = frozenset({
    "mark", "mark_revision", "mark_conflict", "judge_sheet", "paper_entry", "api_token",
    "audit_log", "audit_head", "cache_version",
})
_DIRTY = "cache_version_dirty"  # session.info: this transaction moved the version and has not ended
_WRITES = re.compile(r"^\s*(insert|update|delete|replace|merge|truncate|alter|drop|create)\b", re.I)

_table = CacheVersion.__table__
_READ = select(_table.c.token, _table.c.n).where(_table.c.id == 1)
# The same, as two columns of another statement (the bearer token's, read first in every API call).
TOKEN_COLUMN = select(_table.c.token).where(_table.c.id == 1).scalar_subquery().label("cache_version_token")
N_COLUMN = select(_table.c.n).where(_table.c.id == 1).scalar_subquery().label("cache_version_n")
_UPDATE = update(_table).where(_table.c.id == 1).values(n=_table.c.n + 1)
_CREATE = _table.insert().values(id=1, n=1, token=bindparam("token"))


def current(session: Session, read: tuple[str, int] | None = None) -> tuple[str, int] | None:
    """The version as this session's transaction sees it, or None when nothing may be cached now: the
    transaction has changed data itself (what it reads may still be rolled back), or there is no row.
    ``read``: the version read earlier in this transaction with :data:`TOKEN_COLUMN` and :data:`N_COLUMN`
    (still valid if nothing was changed since: what is read next is at least as new)."""
    if session.info.get(_DIRTY):
        return None
    if read is not None:
        return read
    row = session.connection().execute(_READ).first()
    return (row[0], row[1]) if row is not None else None


def bump(session: Session) -> None:
    """Move the version in the session's transaction (creating the row, with a new token, when missing)."""
    session.info[_DIRTY] = True
    connection = session.connection()
    if connection.execute(_UPDATE).rowcount == 0:
        connection.execute(_CREATE, {"token": secrets.token_hex(16)})


def _table_name(obj: Any) -> str | None:
    table = getattr(obj, "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    for obj in chain(session.new, session.deleted, session.dirty):
        if _table_name(obj) in IGNORED_TABLES:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        bump(session)
        return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is not None:
        if getattr(table, "name", None) not in IGNORED_TABLES:
            bump(state.session)
    elif isinstance(statement, TextClause) and _WRITES.match(statement.text):
        bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_DIRTY, None)
