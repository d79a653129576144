"""Statements run directly on the DBAPI cursor (competition.direct_sql) behave as ``connection.execute``."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, event, exc, insert, select

from competition.direct_sql import DirectStatement
from competition.extensions import db
from competition.models import Mark
from competition.services import events
from tests import factories

_COLUMNS = ("client_id", "aspect_id", "entry_id", "judge_person_id", "value", "device", "client_time", "recorded_at")
_TABLE = Mark.__table__
_INSERT = DirectStatement(insert(_TABLE).values({c: bindparam(f"p_{c}") for c in _COLUMNS}).returning(
    _TABLE.c.client_id, _TABLE.c.value, _TABLE.c.recorded_at))
_READ = select(_TABLE.c.client_id, _TABLE.c.value, _TABLE.c.client_time, _TABLE.c.recorded_at).where(
    _TABLE.c.client_id == bindparam("client_id"))
_DIRECT_READ = DirectStatement(_READ)


def _cell(cell, client_id: str, value: str = "7.50") -> dict:
    judge, entry, aspect_id = cell
    when = datetime(2026, 5, 17, 9, 30, 15, 123456, tzinfo=UTC)
    return {"p_client_id": client_id, "p_aspect_id": aspect_id, "p_entry_id": entry.id,
            "p_judge_person_id": judge.person_id, "p_value": Decimal(value), "p_device": "tablet-1",
            "p_client_time": when, "p_recorded_at": when}


@pytest.fixture
def cell(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    aspect = events.published_scheme(skill.id).aspects[0]
    return judge, entry, aspect.id


def test_rows_and_types_are_those_of_connection_execute(cell):
    connection = db.session.connection()
    [(client_id, value, recorded)] = _INSERT.execute(connection, _cell(cell, "direct-0001"))
    assert client_id == "direct-0001" and value == Decimal("7.50") and isinstance(recorded, datetime)
    direct = _DIRECT_READ.execute(connection, {"client_id": "direct-0001"})
    core = [tuple(row) for row in connection.execute(_READ, {"client_id": "direct-0001"})]
    assert direct == core and len(core) == 1
    assert _DIRECT_READ.execute(connection, {"client_id": "none-such"}) == []
    db.session.rollback()  # in the session's transaction: rolled back with it
    assert db.session.connection().execute(_READ, {"client_id": "direct-0001"}).first() is None


def test_errors_are_sqlalchemys_and_listeners_see_the_statement(cell):
    connection = db.session.connection()
    seen = []

    def listener(*args):
        seen.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _INSERT.execute(connection, _cell(cell, "direct-0002"))
        with pytest.raises(exc.IntegrityError):  # the same client id again (unique)
            _INSERT.execute(connection, _cell(cell, "direct-0002", "8"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(seen) == 2 and all(sql.lstrip().upper().startswith("INSERT INTO MARK") for sql in seen)
    db.session.rollback()
