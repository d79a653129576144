"""GET /api/v1/me: who the token or session belongs to."""
from flask_login import current_user, login_required

from competition.api import api_blueprint
from competition.api.schemas import ApiErrorResponseSchema, MeSchema
from competition.services import results

PREFIX = ""
blp = api_blueprint("api_me", "The signed-in user")


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, MeSchema)
@blp.alt_response(401, schema=ApiErrorResponseSchema)
@blp.doc(security=[{"bearerAuth": []}])
def me() -> dict:
    return {"id": current_user.id, "username": current_user.username, "display_name": current_user.display_name,
            "roles": sorted({g.role for g in current_user.grants}),
            "judging_skill_ids": [a.skill_id for a in results.judging_duties(current_user)]}
