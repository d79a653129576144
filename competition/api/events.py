"""Events, skills and published results."""
from flask_login import current_user

from competition import permissions
from competition.api import api_blueprint
from competition.api.schemas import ApiErrorResponseSchema, EventDetailSchema, EventSchema, ResultSchema
from competition.errors import forbidden, not_found
from competition.extensions import db
from competition.models import Event, Skill
from competition.services import events, results

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


@blp.route("/skills/<int:skill_id>/results", methods=["GET"])
@blp.response(200, ResultSchema(many=True))
@blp.alt_response(403, schema=ApiErrorResponseSchema)
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def skill_results(skill_id: int) -> list:
    """A skill's results: public once published; before that only organisers and the chief judge see them.
    ID numbers are never part of results."""
    skill = db.session.get(Skill, skill_id)
    if skill is None or not skill.event.is_public:
        raise not_found()
    if not permissions.can_view_results(current_user, skill):
        raise forbidden()
    return [{"place": r.place, "shared_place": r.shared_place, "competitor_number": r.entry.competitor_number,
             "name": r.entry.display_name, "organisation": r.entry.organisation.name if r.entry.organisation
             else None, "total": r.total, "scaled": r.scaled, "award": r.award}
            for r in results.result_rows(skill)]
