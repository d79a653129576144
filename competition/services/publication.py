"""Publishing a skill's results: draft → reviewed (by the skill's chief judge) → published for 公示 (public;
appeals may still change it) → final (after the publicity period, when no appeal is open).

Publication can be scheduled: :func:`schedule` stores the time and asks the scheduler process
(:mod:`competition.services.jobs`) to run :func:`run_scheduled_publication` then; :func:`publish` schedules
:func:`run_finalisation` for the end of the period. Each transition is audited. Every refusal leaves the
skill unchanged."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from competition import permissions
from competition.errors import N_, DomainError, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.models import Appeal, AppealStatus, Result, ResultsStatus, Skill, User
from competition.rules import publication as rules
from competition.services import audit, jobs, results
from competition.services.settings import settings_for


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def publish_job_id(skill: Skill) -> str:
    return f"results-publish-{skill.id}"


def final_job_id(skill: Skill) -> str:
    return f"results-final-{skill.id}"


def _transition(skill: Skill, action: str, actor: User | None, status: str, **after: object) -> None:
    before = {"status": skill.results_status}
    skill.results_status = status
    audit.record(action, skill, actor=actor, before=before, after={"status": status, **after})


def _ready(skill: Skill, stage: str) -> None:
    """Refuse while marks are unlocked or missing, or an unresolved tie remains."""
    if not skill.marks_locked:
        raise StateConflict("results.not_locked", N_("The chief judge must lock the marks before the results are "
                                                     "reviewed or published."))
    missing = results.missing_marks(skill)
    if missing:
        raise results.missing_refusal(missing, f"results.missing_marks_{stage}")
    tied = db.session.scalars(select(Result).where(Result.skill_id == skill.id, Result.unresolved_tie)).all()
    if tied:
        numbers = ", ".join(sorted(r.entry.competitor_number or "?" for r in tied))
        raise StateConflict("results.unresolved_tie", N_("Competitors %(numbers)s share a place that the event's "
                                                         "rules do not allow to be shared: break the tie (e.g. by a "
                                                         "further test) and recompute before publishing."),
                            numbers=numbers)


def review(chief: User, skill: Skill) -> Skill:
    """The skill's chief judge confirms the draft results."""
    if not permissions.is_chief_judge(chief, skill):
        raise NotAllowed("results.review_not_chief", N_("Only the chief judge of this skill can review its "
                                                        "results."))
    if skill.results_status != ResultsStatus.DRAFT:
        raise StateConflict("results.not_draft", N_("Only computed, unpublished draft results can be reviewed."))
    _ready(skill, "review")
    skill.results_reviewed_at, skill.results_reviewed_by_id = now(), chief.id
    _transition(skill, "results.review", chief, ResultsStatus.REVIEWED)
    return skill


def publish(user: User | None, skill: Skill) -> Skill:
    """Publish reviewed results for 公示. ``user`` None is the scheduler running a scheduled publication
    (authorised when it was scheduled)."""
    if user is not None and not permissions.can_publish_results(user, skill):
        raise NotAllowed("results.publish_not_allowed", N_("Only the organisers of this event can publish its "
                                                           "results."))
    if skill.results_status != ResultsStatus.REVIEWED:
        raise StateConflict("results.not_reviewed", N_("The chief judge must review the results before they are "
                                                       "published."))
    _ready(skill, "publish")
    if skill.results_publish_at is not None:
        jobs.cancel(publish_job_id(skill))
        skill.results_publish_at = None
    _start_publicity(skill)
    _transition(skill, "results.publish", user, ResultsStatus.PUBLISHED,
                publicity_ends_at=skill.results_publicity_ends_at)
    return skill


def _start_publicity(skill: Skill) -> None:
    skill.results_published_at = now()
    period = settings_for(skill, "publication", rules.PublicationSettings)
    skill.results_publicity_ends_at = rules.publicity_ends(local(skill.results_published_at), period).astimezone(UTC)
    jobs.schedule_once(final_job_id(skill), "competition.services.publication:run_finalisation",
                       skill.results_publicity_ends_at, {"skill_id": skill.id})


def republish(skill: Skill, actor: User | None, reason: str) -> Skill:
    """Published results changed (an upheld appeal): published again, with a new publicity period."""
    _start_publicity(skill)
    _transition(skill, "results.republish", actor, ResultsStatus.PUBLISHED, reason=reason,
                publicity_ends_at=skill.results_publicity_ends_at)
    return skill


def schedule(user: User, skill: Skill, when: datetime) -> Skill:
    """Publish the reviewed results at ``when`` (timezone-aware, in the future)."""
    if not permissions.can_publish_results(user, skill):
        raise NotAllowed("results.publish_not_allowed", N_("Only the organisers of this event can publish its "
                                                           "results."))
    if skill.results_status != ResultsStatus.REVIEWED:
        raise StateConflict("results.not_reviewed", N_("The chief judge must review the results before they are "
                                                       "published."))
    if when.tzinfo is None or when <= now():
        raise Invalid("results.schedule_past", N_("Choose a publication time in the future."))
    _ready(skill, "publish")
    before = {"publish_at": aware(skill.results_publish_at)}
    skill.results_publish_at = when.astimezone(UTC)
    jobs.schedule_once(publish_job_id(skill), "competition.services.publication:run_scheduled_publication",
                       skill.results_publish_at, {"skill_id": skill.id})
    audit.record("results.schedule", skill, actor=user, before=before, after={"publish_at": skill.results_publish_at})
    return skill


def cancel_schedule(user: User, skill: Skill) -> Skill:
    if not permissions.can_publish_results(user, skill):
        raise NotAllowed("results.publish_not_allowed", N_("Only the organisers of this event can publish its "
                                                           "results."))
    if skill.results_publish_at is None:
        raise StateConflict("results.not_scheduled", N_("No publication is scheduled for this skill."))
    before = {"publish_at": aware(skill.results_publish_at)}
    skill.results_publish_at = None
    jobs.cancel(publish_job_id(skill))
    audit.record("results.unschedule", skill, actor=user, before=before, after={"publish_at": None})
    return skill


def open_appeals(skill: Skill) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(
        Appeal.skill_id == skill.id, Appeal.status.in_([AppealStatus.PENDING, AppealStatus.UPHELD]))))


def finalise(skill: Skill, actor: User | None = None) -> Skill:
    """The 公示 period is over and no appeal is open: the results become final."""
    if skill.results_status != ResultsStatus.PUBLISHED:
        raise StateConflict("results.not_published", N_("Only results published for public review can become "
                                                        "final."))
    ends = aware(skill.results_publicity_ends_at)
    if ends is not None and now() < ends:
        raise StateConflict("results.publicity_running", N_("The publicity period has not ended yet."))
    if open_appeals(skill):
        raise StateConflict("results.appeal_open", N_("An appeal is still open: the results become final when it "
                                                      "is settled."))
    skill.results_final_at = now()
    _transition(skill, "results.final", actor, ResultsStatus.FINAL)
    return skill


def finalise_if_due(skill: Skill, actor: User | None = None) -> bool:
    """Finalise when the period has ended and nothing is open (after an appeal is settled, or by the job)."""
    try:
        finalise(skill, actor)
    except StateConflict:
        return False
    return True


# --- the scheduler's callables ("module:callable", run in an app context) --------------------------------

def run_scheduled_publication(skill_id: int) -> None:
    """Publish a scheduled skill; a refusal (e.g. recomputed since) is audited and leaves it unpublished."""
    skill = db.session.get(Skill, skill_id)
    if skill is None or skill.results_publish_at is None:
        return  # cancelled
    try:
        publish(None, skill)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        skill = db.session.get(Skill, skill_id)
        audit.record("results.schedule_failed", skill, after={"code": error.code, "params": error.params})
        db.session.commit()


def run_finalisation(skill_id: int) -> None:
    skill = db.session.get(Skill, skill_id)
    if skill is not None and finalise_if_due(skill):
        db.session.commit()
