"""The evaluation side of /api/v1: public certificate verification, the published signing keys, each
body's revocation status list, issuer profiles, and a holder's signed credential.

Registered on the API by ``evaluation.views`` when its blueprint is registered (no shared file lists it).
"""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from competition import permissions
from competition.api import api_blueprint
from competition.api.schemas import ApiErrorResponseSchema
from competition.errors import N_, NotFound, forbidden
from competition.extensions import db, limiter
from competition.models import Organisation, OrgKind
from evaluation.models import Certificate
from evaluation.rules.certificate_number import normalise_certificate_number
from evaluation.services import signing, verification

PREFIX = ""
blp = api_blueprint("api_evaluation", "Certificates: verification, signing keys, revocation status lists")


class VerifyQuerySchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "The 22-character certificate number."})
    code = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "The verification code printed beside the number."})
    sig = fields.String(validate=validate.Length(max=120),
                        metadata={"description": "The signature from the QR code, when scanned."})


class VerificationSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked", "tampered"]))
    name = fields.String(required=True, metadata={"description": "Masked: 张*丰."})
    occupation = fields.String(required=True)
    trade = fields.String(required=True)
    grade = fields.String(required=True)
    grade_en = fields.String(required=True)
    body = fields.String(required=True)
    issue_date = fields.Date(required=True)
    revoked_at = fields.Date(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    signed = fields.Boolean(required=True)


def _json_document(description: str) -> dict:
    """OpenAPI for a free-form JSON(-LD) document (credentials, key sets), returned as is."""
    return {"responses": {"200": {"description": description,
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}


def _no_match() -> NotFound:
    """One answer for a wrong number and a wrong code, so neither can be enumerated."""
    return NotFound("certificate.no_match", N_("No certificate matches this number and code. Check both and "
                                               "try again."))


def _verify_limit() -> str:
    from evaluation.views import verify_limit
    return verify_limit()


@blp.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit)
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, VerificationSchema)
@blp.alt_response(404, schema=ApiErrorResponseSchema, description="No certificate with this number and code")
@blp.alt_response(429, schema=ApiErrorResponseSchema, description="Too many requests from this address")
def verify(query: dict) -> dict:
    """Verify a certificate by number and verification code (or the QR code's link): status, masked name,
    occupation, grade, body and date; nothing else. Rate-limited per address."""
    result = verification.verify(query["number"], query["code"], query.get("sig"))
    if result is None:
        raise _no_match()
    return result.public_fields()


@blp.route("/evaluation/keys", methods=["GET"])
@blp.doc(**_json_document("The key set: {id, keys: [{id, type: Multikey, publicKeyMultibase, publicKeyJwk, …}]}"))
def published_keys() -> Response:
    """Every evaluation body's Ed25519 public keys (W3C Multikey and JWK), to verify certificates offline."""
    return jsonify(signing.published_keys())


@blp.route("/evaluation/status/<int:body_id>", methods=["GET"])
@blp.doc(**_json_document("A BitstringStatusListCredential (statusPurpose revocation)"))
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def status_list(body_id: int) -> Response:
    """The body's revocation list as a signed W3C BitstringStatusListCredential."""
    document = signing.status_list(body_id)
    if document is None:
        raise NotFound("body.not_found", N_("The page or record you asked for does not exist."))
    db.session.commit()  # the body's key is created on first use
    return jsonify(document)


@blp.route("/evaluation/issuers/<int:body_id>", methods=["GET"])
@blp.doc(**_json_document("An Open Badges Profile"))
@blp.alt_response(404, schema=ApiErrorResponseSchema)
def issuer(body_id: int) -> Response:
    """An evaluation body as an Open Badges issuer profile."""
    body = db.session.get(Organisation, body_id)
    if body is None or body.kind != OrgKind.EVALUATION_BODY:
        raise NotFound("body.not_found", N_("The page or record you asked for does not exist."))
    return jsonify({"id": request.base_url, "type": ["Profile"], "name": body.name,
                    "otherIdentifier": [{"type": "IdentifierEntry", "identifierType": "identifier",
                                         "identifier": f"{body.body_kind or ''}{body.body_code or ''}"}]})


@blp.route("/certificates/<string:number>/credential", methods=["GET"])
@login_required
@blp.doc(**_json_document("An OpenBadgeCredential with a DataIntegrityProof (eddsa-jcs-2022)"))
@blp.alt_response(403, schema=ApiErrorResponseSchema)
@blp.alt_response(404, schema=ApiErrorResponseSchema)
@blp.doc(security=[{"bearerAuth": []}])
def credential(number: str) -> Response:
    """The holder's (or an officer's) signed Open Badges 3.0 credential for one certificate."""
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.number == normalise_certificate_number(number)))
    if certificate is None:
        raise NotFound("not_found", N_("The page or record you asked for does not exist."))
    if not (current_user.person_id == certificate.person_id
            or permissions.can_issue_certificates(current_user, certificate.body_id)):
        raise forbidden()
    document = signing.credential(certificate)
    db.session.commit()
    return jsonify(document)
