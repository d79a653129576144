"""Marshmallow schemas of the API (they generate the OpenAPI document)."""
from marshmallow import Schema, fields, validate


class ApiErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    message_zh = fields.String(required=True)
    message_en = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.String())
    details = fields.Raw()


class ApiErrorResponseSchema(Schema):
    """Every error response: ``{"error": {code, message, message_zh, message_en, ...}}``."""

    error = fields.Nested(ApiErrorSchema, required=True)


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)
    device = fields.String(validate=validate.Length(max=100))


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class SkillSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    occupation_code = fields.String(required=True)
    occupation_name = fields.String(required=True)
    level_grade_code = fields.String(required=True)
    team_size = fields.Integer(required=True)
    results_published = fields.Boolean(required=True)


class EventSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    kind = fields.String(required=True)
    tier = fields.String(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class EventDetailSchema(EventSchema):
    skills = fields.List(fields.Nested(SkillSchema), required=True)


class ResultSchema(Schema):
    """One competitor's result. ``entry_id``, ``theory`` and ``practical`` are given to the event's organisers
    and the skill's chief judge only. ID numbers are never part of a result."""

    place = fields.Integer(required=True)
    shared_place = fields.Boolean(required=True)
    competitor_number = fields.String(allow_none=True)
    name = fields.String(required=True)
    organisation = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    total = fields.Decimal(as_string=True, required=True)
    scaled = fields.Decimal(as_string=True, allow_none=True)
    award = fields.String(allow_none=True)
    entry_id = fields.Integer()
    theory = fields.Decimal(as_string=True, allow_none=True)
    practical = fields.Decimal(as_string=True)


class SkillResultsSchema(Schema):
    skill = fields.Nested(SkillSchema, required=True)
    results_status = fields.String(required=True)
    results_published_at = fields.DateTime(allow_none=True)
    results = fields.List(fields.Nested(ResultSchema), required=True)


class MedalTableRowSchema(Schema):
    place = fields.Integer(required=True)
    country = fields.String(required=True, attribute="delegation")
    gold = fields.Integer(required=True)
    silver = fields.Integer(required=True)
    bronze = fields.Integer(required=True)
    medallion = fields.Integer(required=True)
    points = fields.Integer(required=True)
    competitors = fields.Integer(required=True)


# Ids are 32-bit integers in both databases: a number outside that range is refused here (422), not by the
# database driver (which would be a 500). Within it, an unknown id is refused per mark (mark.unknown_entry).
DATABASE_ID = validate.Range(min=-(2**31), max=2**31 - 1)


class MarkInSchema(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    entry_id = fields.Integer(required=True, validate=DATABASE_ID)
    aspect_id = fields.Integer(required=True, validate=DATABASE_ID)
    value = fields.Raw(required=True, metadata={"description": "A number (or numeric string).",
                                                "oneOf": [{"type": "number"}, {"type": "string"}]})
    client_time = fields.String(validate=validate.Length(max=40))


class MarkBatchSchema(Schema):
    marks = fields.List(fields.Nested(MarkInSchema), required=True, validate=validate.Length(min=1, max=5000))
    device = fields.String(validate=validate.Length(max=100))


class MarkOutcomeSchema(Schema):
    client_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "duplicate", "conflict", "refused"]))
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class MarkBatchResultSchema(Schema):
    results = fields.List(fields.Nested(MarkOutcomeSchema), required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    judging_skill_ids = fields.List(fields.Integer(), required=True)
