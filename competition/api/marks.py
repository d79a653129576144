"""POST /api/v1/marks/sync: the tablet's batch of marks in, one status per mark out."""
from flask import request
from flask_login import current_user

from competition.api import api_blueprint
from competition.api.schemas import ApiErrorResponseSchema, MarkBatchResultSchema, MarkBatchSchema
from competition.extensions import db
from competition.security import token_or_login_required
from competition.services import marking

PREFIX = "/marks"
blp = api_blueprint("api_marks", "Score entry")


@blp.route("/sync", methods=["POST"])
@token_or_login_required
@blp.arguments(MarkBatchSchema())  # instances: built once, not per request (with their nested schemas)
@blp.response(200, MarkBatchResultSchema())
@blp.alt_response(401, schema=ApiErrorResponseSchema)
@blp.doc(security=[{"bearerAuth": []}])
def sync(body: dict) -> dict:
    """Store a batch of marks. Each gets ``accepted``, ``duplicate`` (already stored: same id and value),
    ``conflict`` (same id, different value: the chief judge resolves it) or ``refused`` with a reason.
    Sending the same batch again changes nothing."""
    device = body.get("device") or request.headers.get("X-Device-Id")
    outcomes = marking.record_marks(current_user._get_current_object(), body["marks"], device=device)
    db.session.commit()
    return {"results": [o.as_json() for o in outcomes]}
