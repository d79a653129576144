"""The scheduler process: background work that must run once however many web workers there are
(queued print jobs; the nightly backup at SAIPING_BACKUP_TIME, keeping SAIPING_BACKUP_KEEP files).

Run exactly one: ``flask --app wsgi scheduler`` (``make run`` starts it beside gunicorn). Each job claims
its work in the database (e.g. a print job moves from queued to running in one UPDATE; a registration
window opens with ``UPDATE … WHERE status = 'draft'``), so even a second scheduler started by mistake
cannot run the same work twice.

Two kinds of jobs: the periodic ones added here (kept in memory, re-added at every start), and the timed
ones that web workers write to the database (:mod:`competition.services.jobs`), which this process reads
from the ``apscheduler_jobs`` table at every wake-up (at least every ``SAIPING_PRINT_POLL_SECONDS``, the
print-job interval) and runs at their time, or at once when their time passed while it was down."""
from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask


def _in_app(app: Flask, work: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            work()
    run.__name__ = run.__qualname__ = getattr(work, "__name__", "job")
    return run


def configure(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Add SaiPing's jobs to ``scheduler`` (intervals are settings) and the database job store."""
    from competition.services import jobs
    from evaluation.services.print_jobs import run_pending_print_jobs
    jobs.bind(app)
    scheduler.add_jobstore(jobs.job_store(app), alias=jobs.JOB_STORE)
    scheduler.add_job(_in_app(app, run_pending_print_jobs), "interval", id="print-jobs",
                      seconds=app.config.get("SAIPING_PRINT_POLL_SECONDS", 5), max_instances=1, coalesce=True)
    from competition.services.backups import nightly_backup
    hour, minute = parse_time_of_day(app.config["SAIPING_BACKUP_TIME"])
    scheduler.add_job(_in_app(app, nightly_backup), "cron", id="nightly-backup", hour=hour, minute=minute,
                      max_instances=1, coalesce=True, misfire_grace_time=3600)
    return scheduler


def parse_time_of_day(value: str) -> tuple[int, int]:
    """``"HH:MM"`` (24-hour clock, the app's time zone) as (hour, minute); ValueError otherwise."""
    hour_text, _, minute_text = value.partition(":")
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"not a time of day: {value!r}")
    return hour, minute


def run(app: Flask) -> None:
    configure(app, BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])).start()
