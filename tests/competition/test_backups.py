"""Backups: ``flask backup`` while marks are being written, ``flask restore`` into a fresh database whose
audit chain verifies and whose counts are those of one moment during the load; the nightly job."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from competition import create_app, scheduler
from competition.extensions import db
from competition.models import Aspect, AuditHead, AuditLog, Criterion, Entry, Mark, MarkingScheme
from competition.services import accounts, backups
from tests import factories
from tests.conftest import TEST_SCHEMA


def _fresh_database_url(tmp_path: Path) -> str:
    """An empty database of the kind under test: a new SQLite file, or a new PostgreSQL database."""
    if os.environ.get("SAIPING_TEST_DATABASE", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    import psycopg
    from sqlalchemy.engine import make_url
    server = make_url(os.environ["SAIPING_TEST_POSTGRES_URL"].replace("postgresql+psycopg://", "postgresql://"))
    name = f"{TEST_SCHEMA}_restore"
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server.set(database=name).render_as_string(hide_password=False) + \
        f"?options=-csearch_path%3D{TEST_SCHEMA}"


def _drop_fresh_database() -> None:
    if os.environ.get("SAIPING_TEST_DATABASE", "sqlite") == "postgres":
        import psycopg
        plain = os.environ["SAIPING_TEST_POSTGRES_URL"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {TEST_SCHEMA}_restore WITH (FORCE)")


def _counts(application) -> tuple[int, int, int]:
    with application.app_context():
        marks = db.session.scalar(select(func.count()).select_from(Mark))
        created = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "mark.create"))
        head = db.session.get(AuditHead, 1).seq
        db.session.remove()
        return marks, created, head


@pytest.fixture
def loaded(app):
    """Three judges on a skill with 15 contestants (90 marks to write), each judge with a bearer token."""
    with app.test_request_context():
        skill, _entry, scorers, _chief = factories.marked_skill(judges=3, contestants=15)
        tokens = [accounts.issue_token(user, "tablet")[0] for user in scorers]
        entry_ids = db.session.scalars(select(Entry.id).where(Entry.skill_id == skill.id).order_by(Entry.id)).all()
        aspects = db.session.scalars(select(Aspect).join(Criterion).join(MarkingScheme)
                                     .where(MarkingScheme.skill_id == skill.id)).all()
        work = [(entry_id, aspect.id) for entry_id in entry_ids for aspect in aspects]
        max_marks = {aspect.id: int(aspect.max_mark) for aspect in aspects}
        kinds = {aspect.id: aspect.kind for aspect in aspects}
        db.session.commit()
    return tokens, work, max_marks, kinds


def _write_marks(app, tokens, work, kinds, stop: threading.Event, written: list) -> None:
    """A tablet per judge, one mark per request, until the work is done or ``stop`` is set. A failure is
    put in ``written`` (the test raises it)."""
    try:
        _send_marks(app, tokens, work, kinds, stop, written)
    except BaseException as error:  # handed to the test thread
        written.append(error)


def _send_marks(app, tokens, work, kinds, stop: threading.Event, written: list) -> None:
    client = app.test_client()
    for entry_id, aspect_id in work:
        for n, token in enumerate(tokens):
            if stop.is_set():
                return
            value = 2 if kinds[aspect_id] == "judgement" else 30
            response = client.post("/api/v1/marks/sync", headers={"Authorization": f"Bearer {token}"},
                                   json={"marks": [{"client_id": f"backup-test-{entry_id}-{aspect_id}-{n}", "entry_id": entry_id,
                                                    "aspect_id": aspect_id, "value": value}]})
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.get_json()["results"][0]["status"] == "accepted", response.get_json()
            written.append(1)


def test_backup_under_load_restores_to_a_database_that_verifies(app, loaded, tmp_path):
    tokens, work, _max, kinds = loaded
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_marks, args=(app, tokens, work, kinds, stop, written))
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while len(written) < 20 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        before = _counts(app)[0]
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "under-load.bak")])
        after_backup = _counts(app)[0]
        while len(written) < after_backup + 10 and writer.is_alive():
            time.sleep(0.01)  # writing goes on after the backup
    finally:
        stop.set()
        writer.join()
    failures = [item for item in written if isinstance(item, BaseException)]
    if failures:
        raise failures[0]
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and (tmp_path / "under-load.bak").stat().st_size > 0
    final = _counts(app)[0]
    assert 0 < before <= after_backup < final, (before, after_backup, final)

    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _fresh_database_url(tmp_path),
                           "SECRET_KEY": "test-secret", "SAIPING_CERTIFICATE_SECRET": "x"})
    try:
        runner = restored.test_cli_runner()
        outcome = runner.invoke(args=["restore", str(tmp_path / "under-load.bak")])
        assert outcome.exit_code == 0, outcome.output
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and "audit chain OK" in verified.output, verified.output
        marks, created, head = _counts(restored)
        # One moment of the load: every stored mark has its audit row, nothing after the backup is there.
        assert before <= marks <= after_backup and marks == created, (before, marks, after_backup, created)
        assert f"{head} rows" in verified.output
        print(f"backup under load: {before} marks before it, {marks} in it, {after_backup} just after, {final} at the "
              f"end; audit chain {head} rows")
        # A second restore over the now non-empty database is refused without --force …
        again = runner.invoke(args=["restore", str(tmp_path / "under-load.bak")])
        assert again.exit_code != 0 and "--force" in again.output
        assert _counts(restored) == (marks, created, head)
        # … and with --force replaces everything (here: with the same content).
        forced = runner.invoke(args=["restore", "--force", str(tmp_path / "under-load.bak")])
        assert forced.exit_code == 0, forced.output
        assert _counts(restored) == (marks, created, head)
    finally:
        with restored.app_context():
            db.engine.dispose()
        _drop_fresh_database()


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(app, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    result = app.test_cli_runner().invoke(args=["restore", "--force", str(bogus)])
    assert result.exit_code != 0 and "不是此类数据库" in result.output
    with app.app_context():
        assert db.session.get(AuditHead, 1) is not None  # the database is untouched


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    existing = tmp_path / "taken.bak"
    existing.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "已存在" in result.output
    assert existing.read_text() == "keep me"


def test_nightly_backup_is_scheduled_and_keeps_the_newest(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SAIPING_BACKUP_DIR", str(tmp_path / "nightly"))
    monkeypatch.setitem(app.config, "SAIPING_BACKUP_KEEP", 2)
    monkeypatch.setitem(app.config, "SAIPING_BACKUP_TIME", "03:15")
    job = scheduler.configure(app, BackgroundScheduler()).get_job("nightly-backup")
    assert job is not None
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("3", "15")
    for _ in range(3):
        job.func()
    kept = sorted((tmp_path / "nightly").iterdir())
    assert len(kept) == 2 and all(path.name.startswith("saiping-") for path in kept)
    with app.app_context():
        assert backups.prune(1) == [kept[0]]


@pytest.mark.parametrize("bad", ["25:00", "7", "noon", "12:60"])
def test_a_bad_backup_time_is_refused(bad):
    with pytest.raises(ValueError):
        scheduler.parse_time_of_day(bad)
