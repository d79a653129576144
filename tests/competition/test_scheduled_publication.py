"""Scheduled publication through the real job store and scheduler process (not a recorder)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from competition.extensions import db
from competition.models import AuditLog, ResultsStatus, Skill, scheduled_jobs
from competition.services import publication
from tests import factories


def test_a_scheduled_publication_is_run_by_the_scheduler_process_once(app):
    with app.test_request_context():
        skill, _entries, _scorers, chief = factories.scored_skill(
            [("张三", None, 50, (2, 2, 3)), ("李四", None, 40, (1, 2, 1))], publish=False)
        publication.review(chief, skill)
        organiser = factories.organiser("publisher", skill.event_id)
        publication.schedule(organiser, skill, datetime.now(UTC) + timedelta(seconds=1))
        db.session.commit()
        skill_id = skill.id
        assert db.session.scalar(select(scheduled_jobs.c.id)) == publication.publish_job_id(skill)
        assert db.session.get(Skill, skill_id).results_status == ResultsStatus.REVIEWED

    def status() -> str:
        with app.app_context():
            db.session.remove()
            return db.session.get(Skill, skill_id).results_status

    factories.run_scheduler(app, seconds=15, until=lambda: status() == ResultsStatus.PUBLISHED)
    with app.app_context():
        published = db.session.get(Skill, skill_id)
        assert published.results_status == ResultsStatus.PUBLISHED and published.results_publish_at is None
        assert published.results_publicity_ends_at is not None
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.action == "results.publish")))
        assert actions == ["results.publish"]
        # the publication job is gone; what remains is the job that makes the results final after 公示
        remaining = set(db.session.scalars(select(scheduled_jobs.c.id)))
        assert publication.publish_job_id(published) not in remaining
