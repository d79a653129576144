"""Events, skills and published results."""
from flask_login import current_user

from competition import permissions
from competition.api import api_blueprint
from competition.api.schemas import (
    ApiErrorResponseSchema,
    EventDetailSchema,
    EventSchema,
    MedalTableRowSchema,
    ResultSchema,
    SkillResultsSchema,
)
from competition.errors import forbidden, not_found
from competition.extensions import db
from competition.models import Event, Skill
from competition.services import events, results_public

PREFIX = ""
blp = api_blueprint("api_events", "Events, skills and results")


@blp.route("/events", methods=["GET"])
@blp.response(200, EventSchema(many=True))
def list_events() -> list:
    """Public events (drafts are visible to their organisers only, on the pages)."""
    return events.public_events()


@blp.route("/events/<int:event_id>", methods=["GET"])
@blp.response(200, EventDetailSchema)
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not (event.is_public or permissions.can_manage_event(current_user, event)):
        raise not_found()
    return event


def _result(result, full: bool) -> dict:
    entry = result.entry
    row = {"place": result.place, "shared_place": result.shared_place, "competitor_number": entry.competitor_number,
           "name": entry.display_name, "organisation": entry.organisation.name if entry.organisation else None,
           "country": results_public.delegation_country(entry), "total": result.total, "scaled": result.scaled,
           "award": result.award}
    if full:
        row.update(entry_id=entry.id, theory=result.theory, practical=result.practical)
    return row


def _rows(skill: Skill) -> list[dict]:
    full = permissions.can_view_unpublished_results(current_user, skill)
    return [_result(r, full) for r in results_public.ranking(skill)]


@blp.route("/skills/<int:skill_id>/results", methods=["GET"])
@blp.response(200, ResultSchema(many=True))
@blp.alt_response(403, schema=ApiErrorResponseSchema)
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def skill_results(skill_id: int) -> list:
    """A skill's results: public once published; before that only organisers and the chief judge see them
    (they also get the entry id and the theory and practical scores). ID numbers are never part of results."""
    skill = db.session.get(Skill, skill_id)
    if skill is None or not skill.event.is_public:
        raise not_found()
    if not permissions.can_view_results(current_user, skill):
        raise forbidden()
    return _rows(skill)


@blp.route("/events/<int:event_id>/results", methods=["GET"])
@blp.response(200, SkillResultsSchema(many=True))
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def event_results(event_id: int) -> list:
    """The results of every skill of the event the caller may see: the published ones (everyone), and
    drafts for the event's organisers and each skill's chief judge."""
    event = db.session.get(Event, event_id)
    if event is None or not (event.is_public or permissions.can_manage_event(current_user, event)):
        raise not_found()
    return [{"skill": skill, "results_status": skill.results_status,
             "results_published_at": skill.results_published_at, "results": _rows(skill)}
            for skill in results_public.visible_skills(event, current_user)]


@blp.route("/events/<int:event_id>/medals", methods=["GET"])
@blp.response(200, MedalTableRowSchema(many=True))
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def event_medals(event_id: int) -> list:
    """The medal table by country of a 一带一路 event, from its published skills (4/3/2/1 points by default)."""
    event = db.session.get(Event, event_id)
    if event is None or not event.is_public or not results_public.has_medal_table(event):
        raise not_found()
    return results_public.medal_table(event)
