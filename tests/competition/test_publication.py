"""Publication of results: draft → reviewed by the chief judge → published for 公示 → final, scheduled
publication, and the refusals (wrong role, missing marks, unresolved ties, degenerate skills)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog, EventKind, ResultsStatus
from competition.services import publication, results
from tests import factories
from tests.conftest import Browser

SCORES = [("47.5", 2), ("41.25", 1), ("60", 3)]


@pytest.fixture(autouse=True)
def scheduled(monkeypatch) -> dict:
    return factories.record_jobs(monkeypatch)


def _refused(code: str, action, *args) -> DomainError:
    with pytest.raises(DomainError) as refused:
        action(*args)
    assert refused.value.code == code, refused.value.code
    texts = refused.value.texts()
    assert texts["zh_CN"] != texts["en"]  # a Chinese and an English message
    return refused.value


def test_draft_reviewed_published_final(ctx, scheduled):
    skill, _entries, _scorers, chief = factories.locked_skill(SCORES)
    organiser = factories.organiser()
    assert results.compute(skill) == 3
    totals = {r.entry.competitor_number: (r.total, r.place) for r in results.result_rows(skill)}
    # 47.5 + 2/3 × 40 = 74.17; 41.25 + 13.33 = 54.58; 60 + 40 = 100.
    assert totals == {"001": (Decimal("74.17"), 2), "002": (Decimal("54.58"), 3), "003": (Decimal("100.00"), 1)}
    assert results.result_rows(skill)[0].criteria == {"A": "100.00"}
    _refused("results.not_reviewed", publication.publish, organiser, skill)
    publication.review(chief, skill)
    assert skill.results_status == ResultsStatus.REVIEWED and not skill.results_published
    publication.publish(organiser, skill)
    assert skill.results_status == ResultsStatus.PUBLISHED and skill.results_published
    # 公示: five working days; the end is scheduled as a job.
    ends = skill.results_publicity_ends_at
    assert ends - skill.results_published_at >= timedelta(days=5)
    func, run_at, kwargs = scheduled[publication.final_job_id(skill)]
    assert (func, run_at, kwargs) == ("competition.services.publication:run_finalisation", ends,
                                      {"skill_id": skill.id})
    _refused("results.publicity_running", publication.finalise, skill)
    _refused("results.published", results.compute, skill)  # published results change only by appeal
    skill.results_publicity_ends_at = datetime.now(UTC) - timedelta(minutes=1)
    publication.run_finalisation(skill.id)
    assert skill.results_status == ResultsStatus.FINAL and skill.results_published
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.seq)))
    assert [a for a in actions if a.startswith("results.")] == [
        "results.compute", "results.review", "results.publish", "results.final"]


def test_the_wrong_role_cannot_review_or_publish(ctx, scheduled):
    skill, _entries, (scorer, *_), chief = factories.locked_skill(SCORES)
    organiser = factories.organiser()
    other_organiser = factories.organiser("other_organiser", event_id=factories.event(code="other").id)
    supervisor = factories.user("supervisor", (factories.Role.SUPERVISOR, None, None))
    results.compute(skill)
    for user in (scorer, organiser, supervisor):
        _refused("results.review_not_chief", publication.review, user, skill)
    assert skill.results_status == ResultsStatus.DRAFT
    publication.review(chief, skill)
    contestant = factories.contestant("someone", "王五", 151)
    for user in (chief, scorer, other_organiser, supervisor, contestant):
        _refused("results.publish_not_allowed", publication.publish, user, skill)
        _refused("results.publish_not_allowed", publication.schedule, user, skill,
                 datetime.now(UTC) + timedelta(hours=1))
    assert skill.results_status == ResultsStatus.REVIEWED and skill.results_published_at is None
    assert scheduled == {}


def test_missing_marks_are_listed_and_block_the_results(ctx):
    skill, entries, scorers, chief = factories.locked_skill(SCORES[:2], lock=False)
    from competition.models import Mark
    db.session.delete(db.session.scalar(select(Mark).where(Mark.entry_id == entries[1].id,
                                                           Mark.judge_person_id == scorers[2].person_id)))
    db.session.flush()
    error = _refused("results.missing_marks", results.compute, skill)
    assert "002/A2/裁判3" in error.text()
    assert results.result_rows(skill) == [] and skill.results_status == ResultsStatus.NONE
    assert [(m.competitor_number, m.aspect_code, m.judge) for m in results.missing_marks(skill)] == [
        ("002", "A2", "裁判3")]


def test_review_needs_locked_marks(ctx):
    skill, _entries, _scorers, chief = factories.locked_skill(SCORES, lock=False)
    results.compute(skill)
    _refused("results.not_locked", publication.review, chief, skill)
    assert skill.results_status == ResultsStatus.DRAFT


def test_an_unresolved_tie_blocks_publication(ctx):
    skill, _entries, _scorers, chief = factories.locked_skill([("50", 2), ("50", 2), ("30", 1)])
    skill.settings = {"ranking": {"no_shared_places_in_top": 3}}  # the national competition's rule
    results.compute(skill)
    assert [(r.place, r.unresolved_tie) for r in results.result_rows(skill)] == [(1, True), (1, True), (3, False)]
    error = _refused("results.unresolved_tie", publication.review, chief, skill)
    assert "001, 002" in error.text()
    assert skill.results_status == ResultsStatus.DRAFT


@pytest.mark.parametrize("scores", [[("45", 2)] * 4, [("45", 2)]], ids=["all-equal", "one-contestant"])
def test_degenerate_skills_publish_without_dividing_by_zero(ctx, scores):
    skill, _entries, _scorers, chief = factories.locked_skill(scores, kind=EventKind.BELT_AND_ROAD)
    results.compute(skill)
    rows = results.result_rows(skill)
    assert {(r.total, r.scaled, r.place) for r in rows} == {(Decimal("71.67"), Decimal("700.00"), 1)}
    publication.review(chief, skill)
    publication.publish(factories.organiser(), skill)
    assert skill.results_published


def test_scheduled_publication_runs_its_job_and_can_be_cancelled(ctx, scheduled):
    skill, _entries, _scorers, chief = factories.locked_skill(SCORES)
    organiser = factories.organiser()
    results.compute(skill)
    when = datetime.now(UTC) + timedelta(hours=2)
    _refused("results.not_reviewed", publication.schedule, organiser, skill, when)
    publication.review(chief, skill)
    _refused("results.schedule_past", publication.schedule, organiser, skill, datetime.now(UTC) - timedelta(hours=1))
    publication.schedule(organiser, skill, when)
    job_id = publication.publish_job_id(skill)
    assert scheduled[job_id] == ("competition.services.publication:run_scheduled_publication", when,
                                      {"skill_id": skill.id})
    publication.cancel_schedule(organiser, skill)
    assert job_id not in scheduled and skill.results_publish_at is None
    publication.run_scheduled_publication(skill.id)  # a cancelled job that runs anyway publishes nothing
    assert not skill.results_published
    publication.schedule(organiser, skill, when)
    func, _run_at, kwargs = scheduled[job_id]
    module, name = func.split(":")
    getattr(__import__(module, fromlist=[name]), name)(**kwargs)  # what the scheduler process does
    db.session.refresh(skill)
    assert skill.results_published and skill.results_publish_at is None and job_id not in scheduled
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"results.schedule", "results.unschedule", "results.publish"} <= actions


def test_recomputing_cancels_the_review_and_the_schedule(ctx, scheduled):
    skill, _entries, _scorers, chief = factories.locked_skill(SCORES)
    organiser = factories.organiser()
    results.compute(skill)
    publication.review(chief, skill)
    publication.schedule(organiser, skill, datetime.now(UTC) + timedelta(days=1))
    ids = [r.id for r in results.result_rows(skill)]
    results.compute(skill)
    assert skill.results_status == ResultsStatus.DRAFT and skill.results_publish_at is None
    assert scheduled == {}
    assert [r.id for r in results.result_rows(skill)] == ids  # result ids survive a recompute


def test_the_pages_walk_through_review_and_publication(app, browser):
    with app.test_request_context():
        skill, _entries, _scorers, _chief = factories.locked_skill(SCORES)
        factories.organiser()
        results.compute(skill)
        db.session.commit()
        skill_id = skill.id
    browser.login("chief")
    page = browser.get(f"/skills/{skill_id}/results/review").get_data(as_text=True)
    assert "74.17" in page and "审核成绩" in page
    assert browser.post(f"/skills/{skill_id}/results/review").status_code == 302
    organiser = Browser(app.test_client())
    organiser.login("organiser")
    page = organiser.get(f"/manage/skills/{skill_id}").get_data(as_text=True)
    assert f"manage/skills/{skill_id}/results/publish" in page
    organiser.post(f"/manage/skills/{skill_id}/results/publish")
    with app.app_context():
        from competition.models import Skill
        assert db.session.get(Skill, skill_id).results_status == ResultsStatus.PUBLISHED
