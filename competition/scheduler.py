"""The scheduler process: background work that must run once however many web workers there are.

Run exactly one: ``flask --app wsgi scheduler`` (``make run`` starts it beside gunicorn). Each job claims
its work in the database (e.g. a print job moves from queued to running in one UPDATE), so even a second
scheduler started by mistake cannot run the same work twice."""
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
    """Add SaiPing's jobs to ``scheduler`` (intervals are settings)."""
    from evaluation.services.print_jobs import run_pending_print_jobs
    scheduler.add_job(_in_app(app, run_pending_print_jobs), "interval", id="print-jobs",
                      seconds=app.config.get("SAIPING_PRINT_POLL_SECONDS", 5), max_instances=1, coalesce=True)
    return scheduler


def run(app: Flask) -> None:
    configure(app, BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])).start()
