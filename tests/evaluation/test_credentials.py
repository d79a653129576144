"""evaluation.credentials: the pure cryptography behind signed certificates (no Flask, no database)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation import credentials

SECRET = "test-certificate-secret-of-some-length"


def _key():
    pair = credentials.generate_key_pair(SECRET, "k1")
    return pair, credentials.unseal_private_key(SECRET, "k1", pair.private_key_encrypted)


def _claims(**changes):
    claims = credentials.certificate_claims(number="S000050123456263000017", name="张三丰", occupation="电工",
                                            trade=None, grade_code="senior", body_name="重庆市渝才职业技能评价中心",
                                            issue_date=date(2026, 11, 23), key_id="k1")
    return {**claims, **changes}


@given(st.binary(max_size=64))
def test_base58_round_trip(data):
    assert credentials.base58btc_decode(credentials.base58btc(data)) == data


def test_multikey_is_the_w3c_form():
    pair, _private = _key()
    multibase = credentials.public_key_multibase(pair.public_key)
    assert multibase.startswith("z6Mk") and credentials.public_key_from_multibase(multibase) == pair.public_key


def test_private_key_is_sealed_under_the_secret():
    pair, _private = _key()
    assert pair.public_key not in pair.private_key_encrypted
    with pytest.raises(credentials.CredentialError):
        credentials.unseal_private_key("another-secret-entirely", "k1", pair.private_key_encrypted)
    with pytest.raises(credentials.CredentialError):
        credentials.unseal_private_key(SECRET, "k2", pair.private_key_encrypted)


def test_claims_signature_verifies_and_any_change_breaks_it():
    pair, private = _key()
    signature = credentials.sign_claims(private, _claims())
    assert len(signature) == 86
    assert credentials.verify_claims_signature(pair.public_key, _claims(), signature)
    for change in ({"name": "张三峰"}, {"grade": "technician"}, {"issued": "2026-11-24"}, {"trade": "维修电工"}):
        assert not credentials.verify_claims_signature(pair.public_key, _claims(**change), signature)
    other, _ = _key()
    assert not credentials.verify_claims_signature(other.public_key, _claims(), signature)
    assert not credentials.verify_claims_signature(pair.public_key, _claims(), "garbage!")


def test_data_integrity_proof_and_status_list():
    pair, private = _key()
    keys = {"keys": [{"id": "https://x/keys#k1", "publicKeyMultibase": credentials.public_key_multibase(pair.public_key)}]}
    created = datetime(2026, 11, 23, tzinfo=UTC)
    vc = credentials.add_proof({"@context": credentials.VC_CONTEXTS, "id": "urn:x", "credentialSubject": {"name": "张三丰"},
                                "credentialStatus": {"statusListIndex": "5", "statusListCredential": "https://x/s"}},
                               private, "https://x/keys#k1", created)
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022" and vc["proof"]["proofValue"].startswith("z")
    assert credentials.verify_proof(vc, keys).ok
    assert credentials.verify_proof({**vc, "credentialSubject": {"name": "李四"}}, keys).code == "bad_signature"
    assert credentials.verify_proof(vc, {"keys": []}).code == "unknown_key"

    def status(revoked):
        return credentials.add_proof({"id": "https://x/s", "credentialSubject": {
            "encodedList": credentials.encode_status_list(revoked)}}, private, "https://x/keys#k1", created)
    assert credentials.verify_credential(vc, keys, status([1, 2])).code == "valid"
    assert credentials.verify_credential(vc, keys, status([5])).code == "revoked"
    bits = credentials.decode_status_list(credentials.encode_status_list([0, 9]))
    assert len(bits) * 8 >= credentials.STATUS_LIST_MIN_BITS and bits[0] == 0x80 and bits[1] == 0x40
