"""POST /api/v1/marks/sync: the tablet's batch of marks in, one status per mark out.

The route is called for every mark a judge enters, by every tablet at once, so it avoids work that changes
nothing: a bearer token is checked with one statement (:func:`competition.security.token_or_login_required`),
a body of the plain shape tablets send is taken as it is (:func:`plain_mark_batch`; anything else goes
through :class:`MarkBatchSchema`, which explains what is wrong), and the answer is written directly in the
shape :class:`MarkBatchResultSchema` documents."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from competition.api import api_blueprint
from competition.api.schemas import DATABASE_ID, ApiErrorResponseSchema, MarkBatchResultSchema, MarkBatchSchema
from competition.extensions import db
from competition.security import token_or_login_required
from competition.services import marking

PREFIX = "/marks"
blp = api_blueprint("api_marks", "Score entry")

MARK_BATCH = MarkBatchSchema()
_BATCH_KEYS = frozenset({"marks", "device"})
_MARK_KEYS = frozenset({"client_id", "entry_id", "aspect_id", "value", "client_time"})
_ID_MIN, _ID_MAX = DATABASE_ID.min, DATABASE_ID.max  # ids the database can hold (as the schema checks)


def plain_mark_batch(data: Any) -> dict | None:
    """``data`` itself when it is what :data:`MARK_BATCH` would load it to unchanged: an object with 1–5,000
    marks (and maybe a ``device`` of up to 100 characters), each with a client id of 8–64 characters, integer
    entry and aspect ids in the database's range, a value that is not null and maybe a ``client_time`` of up to 40 characters, and
    nothing else. None for anything else (ids as strings, unknown keys, …): the schema decides then."""
    if type(data) is not dict or "marks" not in data or not data.keys() <= _BATCH_KEYS:
        return None
    if "device" in data and not (type(data["device"]) is str and len(data["device"]) <= 100):
        return None
    marks = data["marks"]
    if type(marks) is not list or not 1 <= len(marks) <= 5000:
        return None
    for mark in marks:
        if type(mark) is not dict or not mark.keys() <= _MARK_KEYS:
            return None
        client_id = mark.get("client_id")
        if type(client_id) is not str or not 8 <= len(client_id) <= 64:
            return None
        entry_id, aspect_id = mark.get("entry_id"), mark.get("aspect_id")
        if type(entry_id) is not int or type(aspect_id) is not int or mark.get("value") is None \
                or not (_ID_MIN <= entry_id <= _ID_MAX and _ID_MIN <= aspect_id <= _ID_MAX):
            return None
        if "client_time" in mark and not (type(mark["client_time"]) is str and len(mark["client_time"]) <= 40):
            return None
    return data


class _MarkBatchParser(FlaskParser):
    """The API's parser, with :func:`plain_mark_batch` tried first for the mark batch."""

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        if argmap is MARK_BATCH and location == "json":
            req = req or request
            if is_json_request(req):
                try:
                    plain = plain_mark_batch(core.parse_json(req.get_data(cache=True)))
                except ValueError:  # not JSON: the schema's parser says so
                    plain = None
                if plain is not None:
                    return plain
        return super().parse(argmap, req, location=location, **kwargs)


blp.ARGUMENTS_PARSER = _MarkBatchParser()


@blp.route("/sync", methods=["POST"])
@token_or_login_required
@blp.arguments(MARK_BATCH)
@blp.response(200, MarkBatchResultSchema)
@blp.alt_response(401, schema=ApiErrorResponseSchema)
@blp.doc(security=[{"bearerAuth": []}])
def sync(body: dict) -> Any:
    """Store a batch of marks. Each gets ``accepted``, ``duplicate`` (already stored: same id and value),
    ``conflict`` (same id, different value: the chief judge resolves it) or ``refused`` with a reason.
    Sending the same batch again changes nothing."""
    device = body.get("device") or request.headers.get("X-Device-Id")
    outcomes = marking.record_marks(current_user._get_current_object(), body["marks"], device=device)
    db.session.commit()
    return jsonify(results=[o.as_json() for o in outcomes])  # MarkBatchResultSchema's shape, as documented
