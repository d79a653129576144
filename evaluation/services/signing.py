"""Each evaluation body's Ed25519 key, the signature of each certificate, its W3C Verifiable Credential
(Open Badges 3.0) and the body's revocation status list. The cryptography itself is in
:mod:`evaluation.credentials` (pure); this module adds the database and the public addresses.

Key storage (our choice, documented in the README): the private key is kept in ``signing_key`` only as
AES-256-GCM ciphertext under a key derived from ``SAIPING_CERTIFICATE_SECRET``, which lives in the
instance folder or the environment, never in the database.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from competition.extensions import db
from competition.models import Organisation, OrgKind
from competition.services import audit
from evaluation import credentials
from evaluation.models import Certificate, CertificateStatus, SigningKey


def _secret() -> str:
    return current_app.config["SAIPING_CERTIFICATE_SECRET"]


def public_url(endpoint: str, **values: Any) -> str:
    """``SAIPING_PUBLIC_URL`` + the endpoint's path, also outside a request (the scheduler, the CLI)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return current_app.config["SAIPING_PUBLIC_URL"].rstrip("/") + path


_public = public_url


def active_key(body_id: int) -> SigningKey:
    """The body's current signing key, created (and audited) on first use."""
    key = db.session.scalar(select(SigningKey).where(SigningKey.body_id == body_id, SigningKey.retired_at.is_(None))
                            .order_by(SigningKey.id.desc()).limit(1))
    if key is None:
        key_id = f"b{body_id}-{secrets.token_hex(6)}"
        pair = credentials.generate_key_pair(_secret(), key_id)
        key = SigningKey(body_id=body_id, key_id=key_id, public_key=pair.public_key,
                         private_key_encrypted=pair.private_key_encrypted)
        db.session.add(key)
        audit.record("signing_key.create", key, after={"body_id": body_id, "key_id": key_id,
                                                        "public_key": credentials.public_key_multibase(pair.public_key)})
    return key


def _private(key: SigningKey):
    return credentials.unseal_private_key(_secret(), key.key_id, key.private_key_encrypted)


def claims_of(certificate: Certificate, key_id: str) -> dict[str, Any]:
    """What the certificate's signature covers: the printed fields (see ``credentials.certificate_claims``)."""
    return credentials.certificate_claims(
        number=certificate.number, name=certificate.person.name, occupation=certificate.occupation_name,
        trade=certificate.trade, grade_code=certificate.grade_code, body_name=certificate.body.name,
        issue_date=certificate.issue_date, key_id=key_id)


def sign_certificate(certificate: Certificate) -> None:
    """Sign the certificate's claims with its body's active key (sets ``signature`` and ``signing_key``)."""
    key = active_key(certificate.body_id)
    certificate.signing_key = key
    certificate.signature = credentials.sign_claims(_private(key), claims_of(certificate, key.key_id))


def signature_matches(certificate: Certificate, signature: str | None = None) -> bool | None:
    """Does ``signature`` (default: the stored one) sign the certificate's current data? None when the
    certificate was never signed (issued before signing existed: ``flask certificates sign-missing``)."""
    signature = signature or certificate.signature
    if certificate.signing_key is None or not signature:
        return None
    return credentials.verify_claims_signature(certificate.signing_key.public_key,
                                               claims_of(certificate, certificate.signing_key.key_id), signature)


def sign_missing() -> int:
    """Sign every certificate that has no signature yet (and give it a status-list bit). Returns how many."""
    from evaluation.services.certificates import STATUS_INDEX_COUNTER, next_serial
    count = 0
    for certificate in db.session.scalars(select(Certificate).where(Certificate.signature.is_(None))):
        if certificate.status_index is None:
            certificate.status_index = next_serial(certificate.body_id, *STATUS_INDEX_COUNTER) - 1
        sign_certificate(certificate)
        audit.record("certificate.sign", certificate, after={"key_id": certificate.signing_key.key_id})
        count += 1
    return count


def _method_id(key: SigningKey) -> str:
    return _public("api_evaluation.published_keys") + "#" + key.key_id


def published_keys() -> dict[str, Any]:
    """Every body's public keys (active and retired: old certificates stay verifiable), as Multikey
    documents, for offline verification."""
    keys = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    return {"id": _public("api_evaluation.published_keys"), "keys": [{
        "id": _method_id(key), "type": "Multikey", "controller": _issuer_id(key.body_id),
        "publicKeyMultibase": credentials.public_key_multibase(key.public_key),
        "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": credentials.b64url(key.public_key)},
        "body": key.body.name, "bodyCode": f"{key.body.body_kind or ''}{key.body.body_code or ''}",
        "created": key.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if key.created_at.tzinfo
        else key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "revoked": key.retired_at.strftime("%Y-%m-%dT%H:%M:%SZ") if key.retired_at else None,
    } for key in keys]}


def _issuer_id(body_id: int) -> str:
    return _public("api_evaluation.issuer", body_id=body_id)


def _created(certificate: Certificate) -> datetime:
    return datetime.combine(certificate.issue_date, time(0, 0), tzinfo=UTC)


def credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C VC 2.0) with an eddsa-jcs-2022
    proof by the body's key and a BitstringStatusListEntry for revocation. Signs it first if needed."""
    if certificate.signing_key is None:
        sign_certificate(certificate)
    key = certificate.signing_key
    grade = certificate.grade
    status_list = _public("api_evaluation.status_list", body_id=certificate.body_id)
    document = {
        "@context": credentials.VC_CONTEXTS,
        "id": _public("evaluation.verify", number=certificate.number, code=certificate.verification_code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "职业技能等级证书 Vocational Skill Level Certificate",
        "issuer": {"id": _issuer_id(certificate.body_id), "type": ["Profile"], "name": certificate.body.name},
        "validFrom": _created(certificate).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.person.name,
            "achievement": {
                "id": f"urn:saiping:achievement:{certificate.occupation_code}:{grade.code}",
                "type": ["Achievement"], "achievementType": "Certificate",
                "name": f"{certificate.occupation_name} {grade.certificate_label}",
                "description": f"{certificate.occupation_name} · {grade.certificate_label_en}",
                "criteria": {"narrative": f"route: {certificate.route}"},
                "fieldOfStudy": certificate.occupation_name,
                "specialization": certificate.trade or "--",
            },
            "certificateNumber": certificate.number,
            "grade": grade.code,
            "claimsSignature": certificate.signature,
        },
        "credentialStatus": {
            "id": f"{status_list}#{certificate.status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(certificate.status_index),
            "statusListCredential": status_list,
        },
    }
    if certificate.international_number:
        document["credentialSubject"]["internationalCertificateNumber"] = certificate.international_number
    return credentials.add_proof(document, _private(key), _method_id(key), _created(certificate))


def status_list(body_id: int) -> dict[str, Any] | None:
    """The body's BitstringStatusListCredential: bit ``status_index`` set for each revoked certificate.
    None when ``body_id`` is not an evaluation body."""
    body = db.session.get(Organisation, body_id)
    if body is None or body.kind != OrgKind.EVALUATION_BODY:
        return None
    revoked = db.session.scalars(select(Certificate.status_index).where(
        Certificate.body_id == body_id, Certificate.status == CertificateStatus.REVOKED,
        Certificate.status_index.is_not(None))).all()
    key = active_key(body_id)
    url = _public("api_evaluation.status_list", body_id=body_id)
    document = {
        "@context": [credentials.VC_CONTEXTS[0]],
        "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": _issuer_id(body_id), "name": body.name},
        "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": url + "#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
                              "encodedList": credentials.encode_status_list(revoked)},
    }
    return credentials.add_proof(document, _private(key), _method_id(key), datetime.now(UTC))
