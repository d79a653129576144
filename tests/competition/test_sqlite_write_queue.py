"""SQLite writers queue for the write lock instead of sleeping in SQLite's busy handler (competition.database)."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from competition import database
from competition.database import WriteQueueConnection


def _connect(path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), factory=WriteQueueConnection, check_same_thread=False, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def two(tmp_path):
    first, second = _connect(tmp_path / "q.db"), _connect(tmp_path / "q.db")
    first.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    first.commit()
    yield first, second
    first.close()
    second.close()


def _write_in_thread(connection, value) -> tuple[threading.Thread, list]:
    done = []

    def write():
        connection.execute("INSERT INTO t (v) VALUES (?)", (value,))
        connection.commit()
        done.append(time.monotonic())
    thread = threading.Thread(target=write)
    thread.start()
    return thread, done


def test_a_second_writer_waits_for_the_first_to_commit(two):
    first, second = two
    first.execute("INSERT INTO t (v) VALUES ('a')")  # a write transaction is open
    thread, done = _write_in_thread(second, "b")
    time.sleep(0.2)
    assert not done  # queued behind the open transaction
    committed = time.monotonic()
    first.commit()
    thread.join(5)
    assert done and done[0] - committed < 0.1  # went ahead as soon as the first committed
    assert [v for (v,) in first.execute("SELECT v FROM t ORDER BY v")] == ["a", "b"]


@pytest.mark.parametrize("end", ["rollback", "failed statement", "close"])
def test_the_queue_is_left_when_the_transaction_ends_any_way(two, end):
    first, second = two
    first.execute("INSERT INTO t (v) VALUES ('a')")
    first.commit()
    if end == "failed statement":
        with pytest.raises(sqlite3.OperationalError):
            first.execute("INSERT INTO missing (v) VALUES ('b')")  # fails before a transaction opens
        assert not first.in_transaction
    else:
        first.execute("INSERT INTO t (v) VALUES ('b')")
    if end == "rollback":
        first.rollback()
    elif end == "close":
        first.close()
    thread, done = _write_in_thread(second, "c")
    thread.join(5)
    assert done


def test_only_sqlite_files_get_the_queue_and_lose_the_ping():
    options = {"pool_pre_ping": True}
    assert database.engine_options("postgresql+psycopg://u@h/db", options) == options
    sqlite = database.engine_options("sqlite:////tmp/x.db", options)
    assert "pool_pre_ping" not in sqlite and sqlite["connect_args"]["factory"] is WriteQueueConnection
    assert database._queue_for(":memory:") is None and database._queue_for("file:x?mode=ro") is None


def test_a_forked_process_starts_with_the_queue_free(two, tmp_path):
    """The parent holds the queue when it forks (no SQLite transaction open: SQLite's own locks must never
    cross a fork): the child queues on its own and goes ahead once the parent leaves, not after the timeout."""
    import os
    path = str(tmp_path / "q.db")
    queue = database._queue_for(path)
    assert queue.acquire()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            started = time.monotonic()
            child = sqlite3.connect(path, factory=WriteQueueConnection, timeout=10)
            child.execute("INSERT INTO t (v) VALUES ('child')")
            child.commit()
            code = 0 if time.monotonic() - started < 5 else 2
        finally:
            os._exit(code)
    time.sleep(0.2)
    queue.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [v for (v,) in two[1].execute("SELECT v FROM t")] == ["child"]
