"""Signed certificates: Ed25519 keys, the signature printed in the QR code, W3C Verifiable Credentials
(Open Badges 3.0) with a Data Integrity proof, and the W3C Bitstring Status List for revocation.

Pure: no Flask, no database. Everything here can run offline with only the published keys, which is the
point: :func:`verify_credential` and :func:`verify_claims_signature` are what an employer's tool runs.

Choices (documented for operators):

- **Keys**: one Ed25519 key per evaluation body. The private key is stored in the database only encrypted
  with AES-256-GCM under a key derived (HKDF-SHA256) from the instance's ``SAIPING_CERTIFICATE_SECRET``;
  a database dump alone cannot sign. Losing that secret means new keys (old signatures still verify with
  the published public keys).
- **QR signature**: Ed25519 over ``CLAIMS_CONTEXT + JCS(claims)``, where the claims are exactly what the
  certificate prints (number, name, occupation, trade, grade, body, date) plus the key id, so an offline
  check needs only the paper and the published key.
- **Credential proof**: ``DataIntegrityProof`` with cryptosuite ``eddsa-jcs-2022`` (JCS canonical JSON,
  SHA-256, Ed25519, multibase base58btc), as in the W3C Data Integrity EdDSA Cryptosuites v1.0.
- **Revocation**: a ``BitstringStatusListCredential`` per body (statusPurpose ``revocation``), bit *i*
  set when the certificate with ``status_index`` *i* is revoked; at least 131,072 bits, GZIP, base64url.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CLAIMS_CONTEXT = b"saiping/certificate-claims/v1\x00"
KEY_WRAP_INFO = b"saiping/signing-key-wrap/v1"
VC_CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
STATUS_LIST_MIN_BITS = 131_072
_ED25519_MULTICODEC = b"\xed\x01"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class CredentialError(ValueError):
    """A key, signature or credential could not be used. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- encodings -----------------------------------------------------------------------------------

def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) for the JSON we produce: objects with ASCII keys, strings, integers, booleans,
    null and lists (no floats, whose JCS form Python does not produce)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise CredentialError("encoding", "not base64url") from error


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, remainder = divmod(number, 58)
        out = _BASE58[remainder] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _BASE58.find(char)
        if index < 0:
            raise CredentialError("encoding", "not base58btc")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(public_key: bytes) -> str:
    """The W3C Multikey form of an Ed25519 public key: ``z6Mk…``."""
    return "z" + base58btc(_ED25519_MULTICODEC + public_key)


def public_key_from_multibase(text: str) -> bytes:
    if not text.startswith("z"):
        raise CredentialError("key", "a Multikey starts with z")
    raw = base58btc_decode(text[1:])
    if not raw.startswith(_ED25519_MULTICODEC) or len(raw) != 34:
        raise CredentialError("key", "not an Ed25519 Multikey")
    return raw[2:]


# --- keys ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyPair:
    public_key: bytes           # raw 32 bytes
    private_key_encrypted: bytes


def _wrap_key(secret: str | bytes) -> AESGCM:
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_WRAP_INFO).derive(material)
    return AESGCM(derived)


def generate_key_pair(secret: str | bytes, key_id: str) -> KeyPair:
    """A new Ed25519 key; the private half is returned encrypted (AES-256-GCM, the key id as associated data)."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    nonce = hashlib.sha256(raw_private + key_id.encode()).digest()[:12]  # unique per key; never reused
    sealed = nonce + _wrap_key(secret).encrypt(nonce, raw_private, key_id.encode())
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KeyPair(public, sealed)


def unseal_private_key(secret: str | bytes, key_id: str, sealed: bytes) -> Ed25519PrivateKey:
    """Decrypt a stored private key; raises CredentialError('key_unseal') with the wrong secret or key id."""
    try:
        raw = _wrap_key(secret).decrypt(sealed[:12], sealed[12:], key_id.encode())
    except (InvalidTag, ValueError) as error:
        raise CredentialError("key_unseal", "the signing key cannot be decrypted with this secret") from error
    return Ed25519PrivateKey.from_private_bytes(raw)


def _verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the claims printed on a certificate and signed in its QR code -------------------------------

def certificate_claims(*, number: str, name: str, occupation: str, trade: str | None, grade_code: str,
                       body_name: str, issue_date: date, key_id: str) -> dict[str, Any]:
    """What the QR signature covers: every field an employer reads off the paper (trade ``--`` when none)."""
    return {"v": 1, "number": number, "name": name, "occupation": occupation,
            "trade": trade if trade and trade.strip() else "--", "grade": grade_code, "body": body_name,
            "issued": issue_date.isoformat(), "kid": key_id}


def sign_claims(private_key: Ed25519PrivateKey, claims: Mapping[str, Any]) -> str:
    """base64url Ed25519 signature (86 characters) over ``CLAIMS_CONTEXT + JCS(claims)``."""
    return b64url(private_key.sign(CLAIMS_CONTEXT + canonical_json(dict(claims))))


def verify_claims_signature(public_key: bytes, claims: Mapping[str, Any], signature: str) -> bool:
    """True when ``signature`` (base64url) signs exactly ``claims`` with ``public_key`` (raw 32 bytes).
    Any change of any claim, or another key, gives False; a malformed signature gives False too."""
    try:
        raw = b64url_decode(signature)
    except CredentialError:
        return False
    return len(raw) == 64 and _verify(public_key, raw, CLAIMS_CONTEXT + canonical_json(dict(claims)))


# --- Data Integrity proofs (eddsa-jcs-2022) ------------------------------------------------------

def _proof_hash(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    if "@context" in unsecured:
        options = {**options, "@context": unsecured["@context"]}
    return hashlib.sha256(canonical_json(options)).digest() + hashlib.sha256(canonical_json(unsecured)).digest()


def add_proof(document: Mapping[str, Any], private_key: Ed25519PrivateKey, verification_method: str,
              created: datetime) -> dict[str, Any]:
    """``document`` with a DataIntegrityProof (eddsa-jcs-2022). Deterministic for a given ``created``."""
    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
               "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    signature = private_key.sign(_proof_hash(document, options))
    return {**document, "proof": {**options, "proofValue": "z" + base58btc(signature)}}


@dataclass(frozen=True)
class CredentialCheck:
    """The outcome of an offline check. ``code``: ``valid``, ``revoked``, ``bad_signature``,
    ``unknown_key``, ``malformed``."""

    code: str

    @property
    def ok(self) -> bool:
        return self.code == "valid"


def _keys_by_method(published_keys: Mapping[str, Any]) -> dict[str, bytes]:
    out = {}
    for key in published_keys.get("keys", []):
        try:
            out[key["id"]] = public_key_from_multibase(key["publicKeyMultibase"])
        except (KeyError, TypeError, CredentialError):
            continue
    return out


def verify_proof(document: Mapping[str, Any], published_keys: Mapping[str, Any]) -> CredentialCheck:
    """Check a document's eddsa-jcs-2022 proof against the published keys (the JSON of the keys
    endpoint). Returns ``valid``, ``bad_signature``, ``unknown_key`` or ``malformed``."""
    proof = document.get("proof") if isinstance(document, Mapping) else None
    if not isinstance(proof, Mapping) or proof.get("cryptosuite") != "eddsa-jcs-2022":
        return CredentialCheck("malformed")
    public_key = _keys_by_method(published_keys).get(proof.get("verificationMethod", ""))
    if public_key is None:
        return CredentialCheck("unknown_key")
    value = proof.get("proofValue", "")
    try:
        signature = base58btc_decode(value[1:]) if value.startswith("z") else b""
    except CredentialError:
        return CredentialCheck("malformed")
    if len(signature) != 64 or not _verify(public_key, signature, _proof_hash(document, proof)):
        return CredentialCheck("bad_signature")
    return CredentialCheck("valid")


def verify_credential(credential: Mapping[str, Any], published_keys: Mapping[str, Any],
                      status_list_credential: Mapping[str, Any] | None = None) -> CredentialCheck:
    """Offline check of a certificate credential: its proof, then (when the body's status list
    credential is given, itself checked) whether its bit is set: ``revoked``."""
    check = verify_proof(credential, published_keys)
    if not check.ok or status_list_credential is None:
        return check
    if not verify_proof(status_list_credential, published_keys).ok:
        return CredentialCheck("bad_signature")
    try:
        entry = credential["credentialStatus"]
        bits = decode_status_list(status_list_credential["credentialSubject"]["encodedList"])
        index = int(entry["statusListIndex"])
    except (KeyError, TypeError, ValueError, CredentialError):
        return CredentialCheck("malformed")
    if entry.get("statusListCredential") != status_list_credential.get("id"):
        return CredentialCheck("malformed")
    return CredentialCheck("revoked" if status_bit(bits, index) else "valid")


# --- Bitstring Status List -----------------------------------------------------------------------

def encode_status_list(revoked_indexes: Iterable[int], size_bits: int = STATUS_LIST_MIN_BITS) -> str:
    """Multibase base64url (``u…``) of the GZIP-compressed bitstring; bit 0 is the left-most bit of
    the first byte (as the W3C Bitstring Status List specifies)."""
    indexes = list(revoked_indexes)
    size = max(size_bits, ((max(indexes, default=0) // 8) + 1) * 8)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise CredentialError("encoding", "an encoded list starts with u")
    try:
        return gzip.decompress(b64url_decode(encoded[1:]))
    except (OSError, EOFError) as error:
        raise CredentialError("encoding", "not a GZIP bitstring") from error


def status_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialError("status_index", "index outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
