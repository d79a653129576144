"""The table of timed jobs (``competition.services.jobs``): APScheduler's ``SQLAlchemyJobStore`` layout, declared
here so that the migrations make it and the models-vs-migrations test covers it."""
from __future__ import annotations

from sqlalchemy import Column, Float, LargeBinary, Table, Unicode

from competition.extensions import db

scheduled_jobs = Table(
    "apscheduler_jobs", db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),  # a UTC timestamp; 25 = an 8-byte float
    Column("job_state", LargeBinary, nullable=False),  # the pickled job
)
