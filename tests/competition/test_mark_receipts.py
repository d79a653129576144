"""A client id is received once, ever: a late copy of an old mark (delayed by the network, or a request the
tablet gave up on that the server still served) never overwrites the judge's later change, and two copies of
one mark processed at the same moment store it once. Found by the venue-day load test (bench/loadtest.py)."""
from __future__ import annotations

import threading
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from competition.extensions import db
from competition.models import AuditLog, Mark, MarkConflict, MarkRevision
from competition.services import audit
from tests.competition.test_mark_sync_fast_path import _setup, _sync, _token


def _cell(app) -> tuple[str, Decimal, int]:
    with app.app_context():
        mark = db.session.scalar(select(Mark))
        return mark.client_id, mark.value, db.session.scalar(select(func.count()).select_from(MarkRevision))


def test_a_late_copy_of_an_old_mark_is_a_duplicate_and_changes_nothing(app, client):
    s = _setup(app)
    headers = _token(client)
    cell = {"entry_id": s["entries"][0], "aspect_id": s["aspects"]["A1"]}
    c1, c2 = str(uuid.uuid4()), str(uuid.uuid4())
    assert _sync(client, headers, {**cell, "client_id": c1, "value": "5"}) == [("accepted", None)]
    assert _sync(client, headers, {**cell, "client_id": c2, "value": "7"}) == [("accepted", None)]
    assert _sync(client, headers, {**cell, "client_id": c1, "value": "5"}) == [("duplicate", None)]  # late copy
    assert _cell(app) == (c2, Decimal(7), 1)
    # a batch with both marks of the cell, retried after its answer was lost: no history written again
    assert _sync(client, headers, {**cell, "client_id": c1, "value": "5"}, {**cell, "client_id": c2, "value": "7"}) \
        == [("duplicate", None), ("duplicate", None)]
    assert _cell(app) == (c2, Decimal(7), 1)


def test_an_old_id_with_another_value_is_a_conflict_for_the_chief_not_a_change(app, client):
    s = _setup(app)
    headers = _token(client)
    cell = {"entry_id": s["entries"][0], "aspect_id": s["aspects"]["A1"]}
    c1 = str(uuid.uuid4())
    _sync(client, headers, {**cell, "client_id": c1, "value": "5"})
    _sync(client, headers, {**cell, "value": "7"})
    assert _sync(client, headers, {**cell, "client_id": c1, "value": "6"}) == [("conflict", "mark.conflict")]
    with app.app_context():
        conflict = db.session.scalar(select(MarkConflict))
        assert (conflict.client_id, conflict.proposed_value) == (c1, Decimal(6))
    assert _cell(app)[1:] == (Decimal(7), 1)


def test_copies_of_one_re_score_sent_at_once_are_stored_once(app):
    s = _setup(app)
    cell = {"entry_id": s["entries"][0], "aspect_id": s["aspects"]["A1"]}
    first = app.test_client()
    headers = _token(first)
    _sync(first, headers, {**cell, "value": "5"})
    rescores = [{**cell, "client_id": str(uuid.uuid4()), "value": str(10 + n)} for n in range(8)]
    answers: list = []

    def send(mark) -> None:
        answers.append(_sync(app.test_client(), headers, mark)[0])
    for mark in rescores:
        copies = [threading.Thread(target=send, args=(mark,)) for _ in range(3)]
        for thread in copies:
            thread.start()
        for thread in copies:
            thread.join()
    accepted = [a for a in answers if a[0] == "accepted"]
    assert len(accepted) == len(rescores), answers  # one copy of each accepted, the others duplicates
    assert {a[0] for a in answers} == {"accepted", "duplicate"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MarkRevision)) == len(rescores)
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "mark.rescore")) == len(rescores)
        assert db.session.scalar(select(Mark.value)) == Decimal(17)
        assert list(audit.verify_chain()) == []
