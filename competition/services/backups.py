"""Backups of the whole database, and restoring one into an empty database.

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
  web workers go on writing (WAL: the copy reads one snapshot; writers are not blocked).
- PostgreSQL: ``pg_dump --format=custom`` (one snapshot of one transaction), restored by ``pg_restore``.
  Only the schema the application uses is dumped when its URL sets ``search_path`` (as the tests do).
  pg_dump must be of the server's major version or newer (Debian: ``postgresql-client-<major>``).

Backups go to ``SAIPING_BACKUP_DIR`` (default ``instance/backups``) unless a path is given; the scheduler's
nightly job keeps the newest ``SAIPING_BACKUP_KEEP``. Nothing here touches the audit log: a backup changes
nothing, and a restored database is exactly the one backed up (its own chain verifies)."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
BACKUP_GLOB = "saiping-*"


class BackupError(Invalid):
    """A backup or restore could not be made; the message says why and what to do."""


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def backup_dir() -> Path:
    configured = current_app.config.get("SAIPING_BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def default_backup_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    suffix = ".sqlite3" if _is_sqlite(_url()) else ".pgdump"
    return backup_dir() / f"saiping-{stamp}{suffix}"


def backup(path: Path | str | None = None) -> Path:
    """Write a consistent copy of the whole database to ``path`` (default: a new timestamped file in
    :func:`backup_dir`) and return the path. Raises :class:`BackupError`."""
    target = Path(path) if path else default_backup_path()
    if target.exists():
        raise BackupError("backup.exists", N_("The file %(path)s already exists: choose another name."),
                          path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    url = _url()
    partial = target.with_name(target.name + ".partial")
    try:
        if _is_sqlite(url):
            _sqlite_backup(url, partial)
        else:
            _pg_dump(url, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)  # a backup file is complete or absent, never half-written
    return target


def restore(path: Path | str, *, force: bool = False) -> None:
    """Replace the database's content with the backup at ``path``. Refuses a database that has tables
    unless ``force``. Raises :class:`BackupError` (bad file) or :class:`StateConflict` (not empty)."""
    source = Path(path)
    if not source.is_file():
        raise BackupError("backup.missing", N_("There is no backup file at %(path)s."), path=str(source))
    url = _url()
    with source.open("rb") as fh:
        header = fh.read(16)
    expected = SQLITE_HEADER if _is_sqlite(url) else PG_DUMP_HEADER
    if not header.startswith(expected):
        raise BackupError("backup.wrong_kind", N_("%(path)s is not a backup of this kind of database (%(kind)s)."),
                          path=str(source), kind=url.get_backend_name())
    if not force and database_has_tables():
        raise StateConflict("restore.not_empty", N_("The database is not empty. Restore into an empty database, "
                                                    "or add --force to replace everything in it."))
    db.session.remove()
    db.engine.dispose()
    if _is_sqlite(url):
        _sqlite_restore(url, source)
    else:
        _pg_restore(url, source)
    db.engine.dispose()


def database_has_tables() -> bool:
    return bool(inspect(db.engine).get_table_names())


def prune(keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in :func:`backup_dir`; return the deleted paths."""
    found = sorted((p for p in backup_dir().glob(BACKUP_GLOB) if not p.name.endswith(".partial")),
                   key=lambda p: p.name, reverse=True)
    old = found[max(keep, 1):]
    for stale in old:
        stale.unlink()
    return old


def nightly_backup() -> Path:
    """The scheduler's job: one backup into :func:`backup_dir`, then keep the newest SAIPING_BACKUP_KEEP."""
    made = backup()
    prune(current_app.config["SAIPING_BACKUP_KEEP"])
    current_app.logger.info("backup written", extra={"ctx": {"path": str(made)}})
    return made


# --- SQLite ------------------------------------------------------------------------------------------

def _sqlite_file(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("backup.memory", N_("An in-memory database cannot be backed up."))
    return url.database


def _sqlite_backup(url: URL, target: Path) -> None:
    source = sqlite3.connect(f"file:{_sqlite_file(url)}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
    finally:
        copy.close()
        source.close()


def _sqlite_restore(url: URL, source_path: Path) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        problem = source.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError("backup.corrupt", N_("The backup file is damaged: %(problem)s"), problem=problem)
        target = sqlite3.connect(_sqlite_file(url))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------

def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _schema(url: URL) -> str | None:
    """The schema named by ``options=-csearch_path=...`` in the URL, if any."""
    options = url.query.get("options")
    options = options[0] if isinstance(options, tuple) else options
    match = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", unquote(options or ""))
    return match.group(1) if match else None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError("backup.no_tool", N_("%(tool)s is not installed: install the PostgreSQL client "
                                               "(Debian: postgresql-client) of the server's major version."),
                          tool=name)
    return found


def _check_versions(tool: str) -> None:
    """pg_dump refuses a newer server; say so with the versions rather than pass on its error."""
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    tool_major = int(re.search(r"\)\s*(\d+)", output).group(1))
    server_major = int(db.session.scalar(text("SHOW server_version_num"))) // 10000
    db.session.remove()
    if tool_major < server_major:
        raise BackupError("backup.old_tool", N_("%(tool)s is version %(tool_version)s but the server is "
                                                "version %(server_version)s: install postgresql-client-%(server_version)s."),
                          tool=Path(tool).name, tool_version=tool_major, server_version=server_major)


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError("backup.tool_failed", N_("%(tool)s failed: %(detail)s"), tool=Path(command[0]).name,
                          detail=done.stderr.strip()[-500:])


def _pg_dump(url: URL, target: Path) -> None:
    tool = _tool("pg_dump")
    _check_versions(tool)
    conninfo, env = _libpq(url)
    command = [tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    if schema := _schema(url):
        command.append(f"--schema={schema}")
    _run(command + [f"--dbname={conninfo}"], env)


def _pg_restore(url: URL, source: Path) -> None:
    tool = _tool("pg_restore")
    conninfo, env = _libpq(url)
    schema = _schema(url) or "public"
    with db.engine.begin() as conn:  # empty the target schema (restore was allowed: empty, or --force)
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if schema == "public":
            conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    _run([tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={conninfo}", str(source)], env)
