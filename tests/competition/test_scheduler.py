"""The scheduler process runs queued background work in the application context."""
from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from competition import scheduler


def test_the_print_job_runner_is_scheduled_and_runs_in_the_app(app, monkeypatch):
    ran = []
    monkeypatch.setattr("evaluation.services.print_jobs.run_pending_print_jobs",
                        lambda: ran.append(__import__("flask").current_app.name))
    configured = scheduler.configure(app, BackgroundScheduler())
    job = configured.get_job("print-jobs")
    assert job is not None and job.trigger.interval.total_seconds() == 5
    job.func()
    assert ran == [app.name]
