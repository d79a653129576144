"""The hash-chained audit log: every change appends a row; any later edit of a row is detected."""
from __future__ import annotations

from sqlalchemy import select, update

from competition.extensions import db
from competition.models import AuditLog
from competition.services import audit
from tests import factories


def test_changes_append_a_verifiable_chain(ctx):
    factories.organiser()
    ev = factories.event()
    db.session.commit()
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
    assert [r.action for r in rows] == ["user.create", "event.create"]
    assert rows[0].prev_hash == audit.GENESIS_HASH and rows[1].prev_hash == rows[0].hash
    assert rows[1].object_type == "event" and rows[1].object_id == str(ev.id)
    assert rows[1].after["code"] == "bayu-test"
    assert list(audit.verify_chain()) == []


def test_editing_one_row_is_detected(ctx):
    factories.organiser()
    factories.event()
    factories.event(code="second")
    db.session.commit()
    db.session.execute(update(AuditLog).where(AuditLog.seq == 2).values(after={"code": "forged"}))
    db.session.commit()
    problems = list(audit.verify_chain())
    assert [p.seq for p in problems] == [2]
    assert "content" in problems[0].problem


def test_deleting_a_row_is_detected(ctx):
    factories.organiser()
    factories.event()
    factories.event(code="second")
    db.session.commit()
    db.session.execute(AuditLog.__table__.delete().where(AuditLog.seq == 2))
    db.session.commit()
    assert {p.seq for p in audit.verify_chain()} == {3}


def test_cli_verify_reports_ok_and_broken(app):
    runner = app.test_cli_runner()
    with app.test_request_context():
        factories.organiser()
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain OK: 1 rows" in result.output
    with app.app_context():
        db.session.execute(update(AuditLog).values(actor="intruder"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN seq=1" in result.output
