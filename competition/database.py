"""Database connection settings that the ORM does not cover."""
from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another before SQLite says 'database is locked'


def configure_sqlite() -> None:
    """Every SQLite connection: WAL (readers never block the writer), foreign keys enforced, a busy
    timeout instead of immediate 'database is locked', and synchronous=NORMAL (safe with WAL)."""
    global _configured
    if _configured:
        return
    _configured = True

    @event.listens_for(Engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def engine_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """The engine options for ``url``: on SQLite, connections that queue for the write lock
    (:class:`WriteQueueConnection`) and no ping before each use (a file cannot drop a connection)."""
    if not url.startswith("sqlite"):
        return options
    options = {key: value for key, value in options.items() if key != "pool_pre_ping"}
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("factory", WriteQueueConnection)
    return {**options, "connect_args": connect_args}


# --- SQLite writers queue instead of polling -----------------------------------------------------------
#
# SQLite lets one transaction write at a time. A second writer gets SQLITE_BUSY and its busy handler sleeps
# 1, 2, 5, 10 … ms before trying again, while the first writer's transaction (a mark: two inserts, the audit
# row, the commit) lasts a fraction of a millisecond: under load the web workers spend their time asleep with
# the lock free. So a connection about to start a write transaction first takes a lock of its own, for the
# database file: a threading lock within the process and flock() on "<database>-writequeue" between
# processes, held until the transaction ends (commit, rollback, close). The wait is polled in steps of
# 0.1–1 ms for at most BUSY_TIMEOUT; after that the write goes ahead without it and SQLite's own locking
# decides, as it always does: this queue only saves sleeping, correctness never depends on it.

_WRITE = re.compile(r"\s*(insert|update|delete|replace)\b", re.I)  # what makes sqlite3 open a transaction


class _WriteQueue:
    def __init__(self, path: str) -> None:
        self.path = path
        self.threads = threading.Lock()
        self.fd: int | None = None

    def acquire(self) -> bool:
        deadline = time.monotonic() + BUSY_TIMEOUT
        if not self.threads.acquire(timeout=BUSY_TIMEOUT):
            return False
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = 0.0001
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(pause)
                    pause = min(pause * 2, 0.001)
        except OSError:
            pass  # no lock file (read-only folder…): SQLite's own locking only
        self.threads.release()
        return False

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_queues: dict[str, _WriteQueue] = {}
_queues_lock = threading.Lock()


def _forget_after_fork() -> None:
    """A forked process (a gunicorn worker, a print job) starts with every queue free: the parent's thread
    locks and descriptors (a flock belongs to the open file, shared with the parent) stay the parent's."""
    global _queues_lock
    _queues_lock = threading.Lock()
    for queue in _queues.values():
        queue.threads, queue.fd = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_after_fork)


def _queue_for(database: Any) -> _WriteQueue | None:
    name = os.fspath(database) if isinstance(database, str | os.PathLike) else None
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = os.path.abspath(name) + "-writequeue"
    with _queues_lock:
        return _queues.setdefault(path, _WriteQueue(path))


class _QueueingCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = ()) -> Any:  # type: ignore[override]
        return self.connection._statement(sql, super().execute, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any) -> Any:  # type: ignore[override]
        return self.connection._statement(sql, super().executemany, seq_of_parameters)


class WriteQueueConnection(sqlite3.Connection):
    """A SQLite connection that takes its database's write queue before a statement opens a write
    transaction, and leaves it when the transaction ends (see the note above)."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._queue = _queue_for(database) if not kwargs.get("uri") else None
        self._queued = False
        self._pid = os.getpid()

    def cursor(self, factory: Any = _QueueingCursor) -> Any:
        return super().cursor(factory)

    def _statement(self, sql: str, run: Any, parameters: Any) -> Any:
        """Run one statement, queued first if it opens a write transaction."""
        if self._queue is not None and not self._queued and not self.in_transaction and _WRITE.match(sql):
            self._queued = self._queue.acquire()
        try:
            return run(sql, parameters)
        finally:
            if not self.in_transaction:  # autocommit, or the statement failed and rolled back
                self._leave()

    def _leave(self) -> None:
        if self._queued:
            self._queued = False
            if self._pid == os.getpid():  # not a connection carried over a fork: its queue was the parent's
                self._queue.release()

    def _end(self, end: Any) -> None:
        try:
            end()
        finally:
            if not self.in_transaction:
                self._leave()

    def commit(self) -> None:
        self._end(super().commit)

    def rollback(self) -> None:
        self._end(super().rollback)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave()
