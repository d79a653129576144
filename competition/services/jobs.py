"""One-off jobs run later by the scheduler process (``flask --app wsgi scheduler``).

Placeholder on the results branch: it records each request in :data:`SCHEDULED` so that the callers'
tests can see what was scheduled; the real implementation (persistent, run in an app context by the
scheduler process) replaces it at merge with the same two functions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

SCHEDULED: dict[str, tuple[str, datetime, dict[str, Any]]] = {}


def schedule_once(job_id: str, func: str, run_at: datetime, kwargs: dict[str, Any] | None = None) -> None:
    """Run ``func`` ("module:callable") once at ``run_at`` with ``kwargs``; the same id replaces the job."""
    SCHEDULED[job_id] = (func, run_at, dict(kwargs or {}))


def cancel(job_id: str) -> None:
    """Unschedule the job (nothing happens when there is none)."""
    SCHEDULED.pop(job_id, None)
