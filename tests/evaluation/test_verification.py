"""Public verification (page and API), signed credentials, revocation: valid, revoked, forged; nothing leaked."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from sqlalchemy import text

from competition.extensions import db
from evaluation import credentials
from evaluation.services import certificates, signing
from tests import factories

PROJECT = Path(__file__).resolve().parents[2]


def _issued(app, name="张三丰"):
    with app.test_request_context():
        body = factories.evaluation_body()
        officer = factories.officer(body)
        contestant = factories.contestant(username="holder", name=name)
        certificate = certificates.issue_certificate(
            officer, body_id=body.id, person=contestant.person, grade_code="senior", occupation_code="6-31-01-03",
            occupation_name="电工", trade=None, route="assessment", issue_date=date(2026, 11, 23))
        db.session.commit()
        return certificate.id, certificate.number, certificate.verification_code, certificate.signature, body.id


def test_valid_certificate_shows_only_the_public_fields(app, client):
    _id, number, code, signature, _body = _issued(app)
    page = client.get(f"/verify?number={number}&code={code}&sig={signature}").get_data(as_text=True)
    assert "verify-result" in page and "张*丰" in page and "三级/高级工" in page and "重庆市渝才职业技能评价中心" in page
    assert "张三丰" not in page and factories.id_number() not in page
    api = client.get(f"/api/v1/verify?number={number}&code={code}").get_json()
    assert api == {"status": "valid", "name": "张*丰", "occupation": "电工", "trade": "--", "grade": "三级/高级工",
                   "grade_en": "Level 3 / Senior Worker", "body": "重庆市渝才职业技能评价中心", "issue_date": "2026-11-23",
                   "revoked_at": None, "revoked_reason": None, "signed": True}
    # Typed as printed: spaces, hyphens and lower case are fine.
    spaced = f"{number[:5]} {number[5:12]} {number[12:]}".lower()
    assert client.get("/api/v1/verify", query_string={"number": spaced, "code": f"{code[:4]}-{code[4:]}".lower()}
                      ).status_code == 200


def test_wrong_number_and_wrong_code_give_the_same_answer(app, client):
    _id, number, code, _sig, _body = _issued(app)
    other_number = number[:-1] + ("2" if number[-1] != "2" else "3")
    answers = [client.get("/api/v1/verify", query_string=q) for q in (
        {"number": number, "code": "AAAAAAAA"}, {"number": other_number, "code": code},
        {"number": "S00005012345626", "code": code})]
    assert {a.status_code for a in answers} == {404}
    assert len({json.dumps(a.get_json(), sort_keys=True) for a in answers}) == 1
    body = answers[0].get_json()["error"]
    assert body["message_zh"] != body["message_en"] and number not in json.dumps(body)
    pages = [client.get("/verify", query_string=q).get_data(as_text=True).replace(q["number"], "").replace(q["code"], "")
             for q in ({"number": number, "code": "AAAAAAAA"}, {"number": other_number, "code": code})]
    assert pages[0] == pages[1] and "verify-result" not in pages[0]


def test_revoked_certificate_shows_date_and_reason_everywhere(app, client):
    certificate_id, number, code, _sig, body_id = _issued(app)
    with app.test_request_context():
        from evaluation.models import Certificate
        certificate = db.session.get(Certificate, certificate_id)
        certificates.revoke_certificate(factories_officer(), certificate, "以欺骗手段取得")
        db.session.commit()
    page = client.get(f"/verify?number={number}&code={code}").get_data(as_text=True)
    assert "以欺骗手段取得" in page and "border-danger" in page
    api = client.get(f"/api/v1/verify?number={number}&code={code}").get_json()
    assert api["status"] == "revoked" and api["revoked_reason"] == "以欺骗手段取得" and api["revoked_at"]
    keys = client.get("/api/v1/evaluation/keys").get_json()
    status = client.get(f"/api/v1/evaluation/status/{body_id}").get_json()
    client_login(client, "officer")
    vc = client.get(f"/certificates/{certificate_id}/credential.json").get_json()
    assert credentials.verify_credential(vc, keys, status).code == "revoked"


def factories_officer():
    from sqlalchemy import select

    from competition.models import User
    return db.session.scalar(select(User).where(User.username == "officer"))


def client_login(client, username):
    from tests.conftest import csrf_from
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": factories.PASSWORD, "csrf_token": token})


def test_credential_verifies_offline_and_tampering_fails(app, client, tmp_path):
    certificate_id, number, _code, _sig, body_id = _issued(app)
    client_login(client, "holder")
    response = client.get(f"/certificates/{certificate_id}/credential.json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    vc = response.get_json()
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["credentialSubject"]["certificateNumber"] == number
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    keys = client.get("/api/v1/evaluation/keys").get_json()
    assert keys["keys"][0]["publicKeyMultibase"].startswith("z6Mk")
    status = client.get(f"/api/v1/evaluation/status/{body_id}").get_json()
    assert credentials.verify_credential(vc, keys, status).code == "valid"

    forged = json.loads(json.dumps(vc))
    forged["credentialSubject"]["achievement"]["name"] = "电工 一级/高级技师"
    assert credentials.verify_credential(forged, keys, status).code == "bad_signature"

    # The same checks offline, with the command and the files only.
    for name, document in (("vc.json", vc), ("forged.json", forged), ("keys.json", keys), ("status.json", status)):
        (tmp_path / name).write_text(json.dumps(document, ensure_ascii=False))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["certificates", "verify-credential", str(tmp_path / "vc.json"), "--keys",
                             str(tmp_path / "keys.json"), "--status", str(tmp_path / "status.json")])
    bad = runner.invoke(args=["certificates", "verify-credential", str(tmp_path / "forged.json"), "--keys",
                              str(tmp_path / "keys.json")])
    assert (ok.exit_code, ok.output.strip()) == (0, "valid")
    assert (bad.exit_code, bad.output.strip()) == (1, "bad_signature")
    # Another person cannot download it.
    client_login(client, "officer")  # the body's officer may
    assert client.get(f"/api/v1/certificates/{number}/credential").status_code == 200


def test_forged_data_in_the_database_or_the_qr_code_is_detected(app, client):
    certificate_id, number, code, signature, _body = _issued(app)
    with app.app_context():
        db.session.execute(text("UPDATE certificate SET grade_code = 'senior_technician' WHERE id = :id"),
                           {"id": certificate_id})
        db.session.commit()
    api = client.get(f"/api/v1/verify?number={number}&code={code}").get_json()
    assert api["status"] == "tampered" and api["signed"] is False
    page = client.get(f"/verify?number={number}&code={code}").get_data(as_text=True)
    assert "border-danger" in page
    with app.app_context():
        db.session.execute(text("UPDATE certificate SET grade_code = 'senior' WHERE id = :id"), {"id": certificate_id})
        db.session.commit()
    assert client.get(f"/api/v1/verify?number={number}&code={code}").get_json()["status"] == "valid"
    forged_sig = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert client.get(f"/api/v1/verify?number={number}&code={code}&sig={forged_sig}").get_json()["status"] == "tampered"


def test_qr_code_carries_number_code_and_signature(app):
    certificate_id, number, code, signature, _body = _issued(app)
    with app.test_request_context():
        from evaluation.models import Certificate
        payload = certificates.qr_payload(db.session.get(Certificate, certificate_id))
    assert payload == f"http://127.0.0.1:5000/verify?number={number}&code={code}&sig={signature}"
    with app.test_request_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert signing.signature_matches(certificate, signature) is True


RATE_LIMIT_SCRIPT = textwrap.dedent("""
    import json, os, sys, tempfile
    tmp = tempfile.mkdtemp()
    os.environ["SAIPING_INSTANCE_PATH"] = tmp
    from competition import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/t.db", "SECRET_KEY": "x",
                      "SAIPING_CERTIFICATE_SECRET": "rate-limit-test-secret", "RATELIMIT_ENABLED": True,
                      "SAIPING_VERIFY_LIMIT": "5 per minute", "SAIPING_QUIET_REQUESTS": True})
    import flask_migrate
    with app.app_context():
        flask_migrate.upgrade()
    client = app.test_client()
    page = [client.get("/verify?number=S000050123456263000001&code=AAAAAAAA").status_code for _ in range(7)]
    api = [client.get("/api/v1/verify?number=S000050123456263000001&code=AAAAAAAA").status_code for _ in range(7)]
    other = client.get("/api/v1/verify?number=S000050123456263000001&code=AAAAAAAA",
                       environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
    limited = client.get("/api/v1/verify?number=S000050123456263000001&code=AAAAAAAA")
    print(json.dumps({"page": page, "api": api, "other": other, "body": limited.get_json()}))
""")


def test_thousands_of_verifications_from_one_address_are_refused(tmp_path):
    """In a process of its own: the test app turns rate limiting off, and the limiter is process-wide."""
    run = subprocess.run([sys.executable, "-c", RATE_LIMIT_SCRIPT], capture_output=True, text=True, cwd=PROJECT,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["page"] == [200] * 5 + [429] * 2
    assert outcome["api"] == [404] * 5 + [429] * 2
    assert outcome["other"] == 404  # another address is not affected
    error = outcome["body"]["error"]
    assert error["code"] == "http_429" and error["message_zh"] != error["message_en"]
