"""Timed work kept in the database: APScheduler jobs in the ``apscheduler_jobs`` table of the app's database.

Web workers only *write* jobs (:func:`schedule_once`, :func:`cancel`), in the caller's transaction, so a
job exists exactly when the change that asked for it is committed. Only the scheduler process
(``flask --app wsgi scheduler``, :mod:`competition.scheduler`) *runs* them: it reads the same table through
APScheduler's ``SQLAlchemyJobStore``, so jobs survive a restart of either side, and a job whose time passed
while the scheduler was down runs as soon as it is back (no misfire limit). A job function must be
harmless when run twice (e.g. a conditional UPDATE), because nothing stops an operator from starting a
second scheduler by mistake.

``func`` is a ``"module:callable"`` reference; it is called with ``kwargs`` inside an application context of
the scheduler process. Re-scheduling the same ``job_id`` replaces the job.
"""
from __future__ import annotations

import logging
import pickle
from datetime import UTC, datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import ref_to_obj
from flask import Flask
from sqlalchemy import MetaData, delete, insert

from competition.extensions import db
from competition.models.jobs import scheduled_jobs as JOBS_TABLE  # noqa: N812

__all__ = ["JOBS_TABLE", "JOB_STORE", "bind", "cancel", "job_store", "run", "schedule_once"]

log = logging.getLogger(__name__)

JOB_STORE = "database"  # the alias of the store in the scheduler process

_bound: dict[str, Flask] = {}


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")
    return moment


def schedule_once(job_id: str, func: str, run_at: datetime, kwargs: dict | None = None) -> None:
    """Run ``func`` (``"module:callable"``) once at ``run_at`` (timezone-aware) in the scheduler process, with
    ``kwargs`` (picklable). Replaces any job with the same ``job_id``. Written in the current transaction:
    the caller commits. Raises ``ValueError`` for a naive ``run_at``, ``LookupError`` for a ``func`` that cannot be imported."""
    run_at = _aware(run_at)
    ref_to_obj(func)  # refuse now, not in the scheduler, a reference that does not resolve
    trigger = DateTrigger(run_date=run_at, timezone=UTC)
    job = Job(None, id=job_id, func="competition.services.jobs:run", trigger=trigger, executor="default",
              args=(), kwargs={"target": func, "kwargs": dict(kwargs or {})}, name=f"{job_id} ({func})",
              misfire_grace_time=None, coalesce=True, max_instances=1)
    job.next_run_time = run_at  # set directly: Job would convert it with a scheduler's timezone, and has none here
    state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)
    db.session.execute(delete(JOBS_TABLE).where(JOBS_TABLE.c.id == job_id))
    db.session.execute(insert(JOBS_TABLE).values(id=job_id, next_run_time=run_at.timestamp(), job_state=state))


def cancel(job_id: str) -> None:
    """Forget the job (nothing happens when there is none). In the current transaction: the caller commits."""
    db.session.execute(delete(JOBS_TABLE).where(JOBS_TABLE.c.id == job_id))


def pending(prefix: str = "") -> dict[str, datetime]:
    """Job id → next run time (UTC) of the stored jobs whose id starts with ``prefix`` (for pages and tests)."""
    rows = db.session.execute(JOBS_TABLE.select().where(JOBS_TABLE.c.id.startswith(prefix))).all()
    return {row.id: datetime.fromtimestamp(row.next_run_time, UTC) for row in rows if row.next_run_time}


# --- the scheduler process ------------------------------------------------------------------------------

def bind(app: Flask) -> None:
    """Tell :func:`run` which application to run jobs in (the scheduler process calls this once)."""
    _bound["app"] = app


class _SharedJobStore(SQLAlchemyJobStore):
    """APScheduler's store on a table others write too: web workers and jobs themselves :func:`cancel` rows,
    so a row the scheduler goes to remove (a date job just started) may already be gone, and that is fine."""

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            pass


def job_store(app: Flask) -> SQLAlchemyJobStore:
    """The scheduler's view of the table (APScheduler's ``SQLAlchemyJobStore`` on the app's engine)."""
    with app.app_context():
        engine = db.engine
    return _SharedJobStore(engine=engine, tablename=JOBS_TABLE.name, metadata=MetaData())


def run(target: str, kwargs: dict[str, Any]) -> None:
    """What every stored job calls: ``target(**kwargs)`` in an application context, committed after."""
    app = _bound.get("app")
    if app is None:
        raise RuntimeError("competition.services.jobs.bind(app) was not called in this process")
    with app.app_context():
        try:
            ref_to_obj(target)(**kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", target)
            raise
        finally:
            db.session.remove()
