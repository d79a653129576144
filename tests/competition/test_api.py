"""The JSON API: OpenAPI document, bearer tokens, permissions and the idempotent mark sync."""
from __future__ import annotations

import uuid

from openapi_spec_validator import validate
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import Mark
from tests import factories


def test_openapi_document_validates_as_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/auth/token", "/api/v1/marks/sync", "/api/v1/events", "/api/v1/me"} <= set(spec["paths"])


def _token(client, username: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": factories.PASSWORD,
                                                        "device": "tablet-7"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def _marking_setup(app):
    with app.test_request_context():
        from competition.services import events
        skill, entry, (judge,), _chief = factories.marked_skill()
        outsider = factories.judge("outsider", "刘德明", 313)
        db.session.commit()
        aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
        return entry.id, aspects, judge.id, outsider.id


def test_token_auth_and_me(app, client):
    with app.test_request_context():
        factories.organiser()
        db.session.commit()
    assert client.get("/api/v1/me").status_code == 401
    token = _token(client, "organiser")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["username"] == "organiser" and me["roles"] == ["organiser"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_wrong_password_gives_401_in_both_languages(app, client):
    with app.test_request_context():
        factories.organiser()
        db.session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "organiser", "password": "nope-nope1"})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["message_zh"] == "用户名或密码错误。" and error["message_en"] == "The user name or password is wrong."


def test_malformed_body_is_400_with_details(client):
    response = client.post("/api/v1/auth/token", json={"username": ""})
    assert response.status_code == 422 or response.status_code == 400
    assert "password" in str(response.get_json()["error"]["details"])


def test_mark_sync_is_idempotent_and_reports_each_mark(app, client):
    entry_id, aspects, *_ = _marking_setup(app)
    headers = {"Authorization": f"Bearer {_token(client, 'judge1')}"}
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    batch = {"marks": [
        {"client_id": first, "entry_id": entry_id, "aspect_id": aspects["A1"], "value": "55.5"},
        {"client_id": second, "entry_id": entry_id, "aspect_id": aspects["A2"], "value": 2},
        {"client_id": str(uuid.uuid4()), "entry_id": entry_id, "aspect_id": aspects["A2"], "value": 7},
        {"client_id": str(uuid.uuid4()), "entry_id": entry_id, "aspect_id": 999999, "value": 1},
        {"client_id": str(uuid.uuid4()), "entry_id": 999999, "aspect_id": aspects["A1"], "value": 1},
        {"client_id": str(uuid.uuid4()), "entry_id": entry_id, "aspect_id": aspects["A1"], "value": "abc"},
    ]}
    statuses = [r["status"] for r in client.post("/api/v1/marks/sync", json=batch, headers=headers)
                .get_json()["results"]]
    assert statuses == ["accepted", "accepted", "refused", "refused", "refused", "refused"]
    again = client.post("/api/v1/marks/sync", json={"marks": batch["marks"][:2]}, headers=headers).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    changed = {"marks": [{"client_id": first, "entry_id": entry_id, "aspect_id": aspects["A1"], "value": "40"}]}
    conflict = client.post("/api/v1/marks/sync", json=changed, headers=headers).get_json()["results"][0]
    assert conflict["status"] == "conflict"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 2
        assert {str(v) for v in db.session.scalars(select(Mark.value))} == {"55.50", "2.00"}


def test_mark_refusals_carry_a_reason(app, client):
    entry_id, aspects, *_ = _marking_setup(app)
    headers = {"Authorization": f"Bearer {_token(client, 'judge1')}"}
    out = client.post("/api/v1/marks/sync", headers=headers, json={"marks": [
        {"client_id": str(uuid.uuid4()), "entry_id": entry_id, "aspect_id": aspects["A2"], "value": 7}]}
    ).get_json()["results"][0]
    assert out["status"] == "refused" and out["code"] == "mark.out_of_range" and "7" in out["message"]


def test_judge_not_on_the_panel_is_refused_and_nothing_stored(app, client):
    entry_id, aspects, *_ = _marking_setup(app)
    headers = {"Authorization": f"Bearer {_token(client, 'outsider')}"}
    out = client.post("/api/v1/marks/sync", headers=headers, json={"marks": [
        {"client_id": str(uuid.uuid4()), "entry_id": entry_id, "aspect_id": aspects["A1"], "value": 10}]}
    ).get_json()["results"][0]
    assert out == {"client_id": out["client_id"], "status": "refused", "code": "mark.not_on_panel",
                   "message": "您不是该赛项的裁判。"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 0


def test_cookie_session_api_calls_need_the_csrf_token(app):
    _marking_setup(app)
    from tests.conftest import Browser
    browser = Browser(app.test_client())
    browser.login("judge1")
    response = browser.client.post("/api/v1/marks/sync", json={"marks": [
        {"client_id": str(uuid.uuid4()), "entry_id": 1, "aspect_id": 1, "value": 1}]})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"


def test_unpublished_results_are_invisible_through_the_api(app, client):
    with app.test_request_context():
        ev = factories.event()
        skill = factories.skill_with_scheme(ev)
        from competition.services import events
        events.change_status(ev, "registration_open")
        db.session.commit()
        skill_id = skill.id
    assert client.get(f"/api/v1/skills/{skill_id}/results").status_code == 403
