"""The mark sync's fast path (issue #5, performance): what a process keeps between requests never outlives a
change, a batch stores each mark once whatever it repeats, and a bearer token is checked on every call."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, func, select, text, update

from competition.extensions import db
from competition.models import (
    ApiToken,
    AuditLog,
    CacheVersion,
    Entry,
    Mark,
    MarkRevision,
    Person,
    ResultsStatus,
    Skill,
    User,
)
from competition.services import audit, cache_version, events, judging, marking
from tests import factories


def _setup(app, contestants: int = 2):
    with app.test_request_context():
        skill, entry, (judge,), chief = factories.marked_skill(contestants=contestants)
        db.session.commit()
        aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
        entry_ids = sorted(e.id for e in db.session.scalars(select(Entry).where(Entry.skill_id == skill.id)))
        return {"skill": skill.id, "entries": entry_ids, "aspects": aspects, "judge": judge.id,
                "judge_person": judge.person_id, "chief": chief.id}


def _token(client, username: str = "judge1") -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _sync(client, headers, *marks):
    response = client.post("/api/v1/marks/sync", headers=headers, json={"marks": [
        {"client_id": m.get("client_id") or str(uuid.uuid4()), **m} for m in marks]})
    assert response.status_code == 200, response.get_json()
    return [(r["status"], r["code"]) for r in response.get_json()["results"]]


def _in_app(app, change) -> None:
    """Another request (an organiser's or the chief's page) changes something and commits."""
    with app.test_request_context():
        change()
        db.session.commit()


def test_a_warm_sync_request_is_a_handful_of_statements(app, client):
    """The checks come from the process's cache: token, cache version, insert and the audit append."""
    s = _setup(app)
    headers = _token(client)
    entry, aspect = s["entries"][0], s["aspects"]["A1"]
    assert _sync(client, headers, {"entry_id": entry, "aspect_id": aspect, "value": "10"}) == [("accepted", None)]
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(_args[2])
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert _sync(client, headers, {"entry_id": entry, "aspect_id": s["aspects"]["A2"], "value": "2"}) == [
            ("accepted", None)]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads  # the token's user, with the cache version
    # + the receipt of the client id, the mark, the chain head taken, the audit row, the head moved
    assert len(statements) <= 6, statements


def test_a_lock_counts_from_the_next_request(app, client):
    s = _setup(app)
    headers = _token(client)
    entry, aspect = s["entries"][0], s["aspects"]["A1"]
    assert _sync(client, headers, {"entry_id": entry, "aspect_id": aspect, "value": "10"}) == [("accepted", None)]

    def lock():
        skill = db.session.get(Skill, s["skill"])
        skill.marks_locked_at, skill.marks_locked_by_id = datetime.now(UTC), s["chief"]  # as lock_skill does
    _in_app(app, lock)
    assert _sync(client, headers, {"entry_id": s["entries"][1], "aspect_id": aspect, "value": "10"}) == [
        ("refused", "mark.locked")]


def test_a_core_update_also_moves_the_version(app, client):
    s = _setup(app)
    headers = _token(client)
    aspect = s["aspects"]["A1"]
    assert _sync(client, headers, {"entry_id": s["entries"][0], "aspect_id": aspect, "value": "10"})[0][0] == "accepted"
    _in_app(app, lambda: db.session.execute(update(Skill).where(Skill.id == s["skill"]).values(
        results_status=ResultsStatus.PUBLISHED, results_published_at=datetime.now(UTC))))
    assert _sync(client, headers, {"entry_id": s["entries"][1], "aspect_id": aspect, "value": "10"}) == [
        ("refused", "mark.results_published")]


def test_a_textual_write_also_moves_the_version(app, client):
    s = _setup(app)
    headers = _token(client)
    aspect = s["aspects"]["A1"]
    assert _sync(client, headers, {"entry_id": s["entries"][1], "aspect_id": aspect, "value": "10"})[0][0] == "accepted"
    _in_app(app, lambda: db.session.execute(text("UPDATE entry SET status = 'withdrawn' WHERE id = :id"),
                                            {"id": s["entries"][1]}))
    assert _sync(client, headers, {"entry_id": s["entries"][1], "aspect_id": s["aspects"]["A2"], "value": "1"}) == [
        ("refused", "mark.unknown_entry")]


def test_a_conflict_arising_while_marking_refuses_the_next_mark_and_a_waiver_lifts_it(app, client):
    s = _setup(app)
    headers = _token(client)
    aspect = s["aspects"]["A1"]
    first, second = s["entries"]
    assert _sync(client, headers, {"entry_id": first, "aspect_id": aspect, "value": "10"})[0][0] == "accepted"

    def same_employer():
        org = factories.organisation()
        db.session.get(Person, s["judge_person"]).organisation_id = org.id
        db.session.get(Entry, second).members[0].person.organisation_id = org.id
    _in_app(app, same_employer)
    assert _sync(client, headers, {"entry_id": second, "aspect_id": aspect, "value": "10"}) == [
        ("refused", "mark.conflicted")]
    assert _sync(client, headers, {"entry_id": first, "aspect_id": s["aspects"]["A2"], "value": "2"}) == [
        ("accepted", None)]  # the other competitor is still theirs to mark

    def waive():
        skill = db.session.get(Skill, s["skill"])
        judging.waive_conflict(skill.event, judge_person_id=s["judge_person"], entry_id=second,
                               conflict_type="same_employer", reason="组委会同意：不同车间")
    _in_app(app, waive)
    assert _sync(client, headers, {"entry_id": second, "aspect_id": aspect, "value": "10"}) == [("accepted", None)]


def test_a_judge_taken_off_the_panel_is_refused_at_once(app, client):
    s = _setup(app)
    headers = _token(client)
    aspect = s["aspects"]["A1"]
    assert _sync(client, headers, {"entry_id": s["entries"][0], "aspect_id": aspect, "value": "10"})[0][0] == "accepted"

    def unassign():
        from competition.models import JudgeAssignment
        db.session.execute(JudgeAssignment.__table__.delete().where(
            JudgeAssignment.person_id == s["judge_person"]))
    _in_app(app, unassign)
    assert _sync(client, headers, {"entry_id": s["entries"][1], "aspect_id": aspect, "value": "10"}) == [
        ("refused", "mark.not_on_panel")]


def test_the_version_moves_with_the_commit_and_not_for_marks(ctx):
    factories.marked_skill()
    db.session.commit()
    before = cache_version.current(db.session)
    assert before is not None
    skill = db.session.scalar(select(Skill))
    skill.name_en = "Electrician (renamed)"
    db.session.flush()
    assert cache_version.current(db.session) is None  # this transaction changed data: nothing may be cached
    db.session.commit()
    after = cache_version.current(db.session)
    assert after[0] == before[0] and after[1] > before[1]
    judge = db.session.scalar(select(User).where(User.username == "judge1"))
    entry = db.session.scalar(select(Entry))
    aspect = events.published_scheme(skill.id).aspects[0]
    assert marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect.id, "value": "5"}])[0].status \
        == "accepted"
    db.session.commit()
    assert cache_version.current(db.session) == after  # a mark changes nothing the checks depend on


def test_an_emptied_database_gets_a_new_token(ctx):
    factories.marked_skill()
    db.session.commit()
    token, _n = cache_version.current(db.session)
    db.session.execute(CacheVersion.__table__.delete())
    db.session.commit()
    assert cache_version.current(db.session) is None
    factories.organisation()
    db.session.commit()
    new_token, n = cache_version.current(db.session)
    assert new_token != token and n == 1


def test_one_batch_stores_each_mark_once_whatever_it_repeats(app, client):
    s = _setup(app)
    headers = _token(client)
    a1, a2 = s["aspects"]["A1"], s["aspects"]["A2"]
    first, second = s["entries"]
    same = str(uuid.uuid4())
    batch = [
        {"client_id": same, "entry_id": first, "aspect_id": a1, "value": "10"},
        {"client_id": same, "entry_id": first, "aspect_id": a1, "value": "10"},   # sent twice: a duplicate
        {"client_id": same, "entry_id": first, "aspect_id": a1, "value": "11"},   # same id, other value
        {"entry_id": first, "aspect_id": a2, "value": "1"},
        {"entry_id": first, "aspect_id": a2, "value": "3"},                       # the cell again: a re-score
        {"client_id": str(uuid.uuid4()), "entry_id": second, "aspect_id": a1, "value": "60"},
    ]
    assert _sync(client, headers, *batch) == [("accepted", None), ("duplicate", None), ("conflict", "mark.conflict"),
                                              ("accepted", None), ("accepted", None), ("accepted", None)]
    assert _sync(client, headers, *batch[:2], batch[5]) == [("duplicate", None)] * 3  # the whole queue again
    with app.app_context():
        marks = {(m.entry_id, m.aspect_id): m.value for m in db.session.scalars(select(Mark))}
        assert marks == {(first, a1): Decimal(10), (first, a2): Decimal(3), (second, a1): Decimal(60)}
        revision = db.session.scalar(select(MarkRevision))
        assert (revision.old_value, revision.new_value) == (Decimal(1), Decimal(3))
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("mark.%"))
                                     .order_by(AuditLog.seq)).all()
        assert sorted(actions) == ["mark.conflict", "mark.create", "mark.create", "mark.create", "mark.rescore"]
        assert list(audit.verify_chain()) == []


def test_a_backlog_is_stored_in_order_and_answered_in_order(app, client):
    s = _setup(app, contestants=3)
    headers = _token(client)
    cells = [(e, a) for e in s["entries"] for a in s["aspects"].values()]
    marks = [{"client_id": f"backlog-{i:04d}", "entry_id": e, "aspect_id": a, "value": str(1 + i // len(cells))}
             for i, (e, a) in enumerate(cells * 3)]  # three rounds: each cell re-scored twice
    assert _sync(client, headers, *marks) == [("accepted", None)] * len(marks)
    with app.app_context():
        stored = {(m.entry_id, m.aspect_id): (m.client_id, m.value) for m in db.session.scalars(select(Mark))}
        last = {(m["entry_id"], m["aspect_id"]): (m["client_id"], Decimal(m["value"])) for m in marks}
        assert stored == last  # each cell holds the last mark sent for it
        assert db.session.scalar(select(func.count()).select_from(MarkRevision)) == len(marks) - len(cells)
        assert list(audit.verify_chain()) == []


def test_a_revoked_expired_or_deactivated_token_is_refused(app, client):
    s = _setup(app)
    headers = _token(client)
    mark = {"entry_id": s["entries"][0], "aspect_id": s["aspects"]["A1"], "value": "10"}

    def sync_status():
        return client.post("/api/v1/marks/sync", headers=headers, json={"marks": [
            {"client_id": str(uuid.uuid4()), **mark}]}).status_code
    assert sync_status() == 200
    for change, undo in (
            (lambda: db.session.execute(update(ApiToken).values(revoked=True)),
             lambda: db.session.execute(update(ApiToken).values(revoked=False))),
            (lambda: db.session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(1))),
             lambda: db.session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) + timedelta(1)))),
            (lambda: db.session.execute(update(User).where(User.id == s["judge"]).values(active=False)),
             lambda: db.session.execute(update(User).where(User.id == s["judge"]).values(active=True)))):
        _in_app(app, change)
        response = client.post("/api/v1/marks/sync", headers=headers, json={"marks": [
            {"client_id": str(uuid.uuid4()), **mark}]})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
        _in_app(app, undo)
        assert sync_status() == 200
    assert client.post("/api/v1/marks/sync", json={"marks": [{"client_id": str(uuid.uuid4()), **mark}]}
                       ).status_code == 401


def test_the_token_user_is_audited_as_the_actor(app, client):
    s = _setup(app)
    headers = _token(client)
    _sync(client, headers, {"entry_id": s["entries"][0], "aspect_id": s["aspects"]["A1"], "value": "10"})
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "mark.create"))
        assert (row.actor_user_id, row.actor) == (s["judge"], "judge1")
