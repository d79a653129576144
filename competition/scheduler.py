"""The scheduler process: background work that must run once however many web workers there are.

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
    return scheduler


def run(app: Flask) -> None:
    configure(app, BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])).start()
