"""Permission checks are on the server: every organiser, tablet and evaluation route refuses the wrong role,
and a refused request changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import AuditLog, Entry, EntryMember
from competition.services import entries, events
from tests import factories
from tests.conftest import Browser


@pytest.fixture
def world(app):
    """An event with one approved entry, a judge on its skill, another judge, and the other roles."""
    with app.test_request_context():
        factories.organiser()
        ev = factories.event()
        skill = factories.skill_with_scheme(ev)
        other_event = factories.event(code="other")
        factories.organiser("organiser_other", other_event.id)
        judge = factories.judge("judge1")
        factories.judge("judge2", "刘德明", 313)
        factories.assign(skill, judge)
        events.change_status(ev, "registration_open")
        contestant = factories.contestant()
        entry = entries.enter_skill(contestant, skill)
        db.session.flush()
        entries.decide_entry(entry, True)
        body = factories.evaluation_body()
        factories.user("officer", ("evaluation_officer", None, body.id))
        db.session.commit()
        return {"event": ev.id, "skill": skill.id, "entry": entry.id}


def _audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog))


ORGANISER_PAGES = ["/manage/", "/manage/events/new", "/manage/events/{event}", "/manage/skills/{skill}"]
ORGANISER_POSTS = ["/manage/events/{event}/status/registration_closed", "/manage/events/{event}/skills",
                   "/manage/skills/{skill}/aspects", "/manage/skills/{skill}/scheme/publish",
                   "/manage/entries/{entry}/approve", "/manage/entries/{entry}/reject",
                   "/manage/skills/{skill}/judges", "/manage/skills/{skill}/results/compute",
                   "/manage/skills/{skill}/results/publish"]


@pytest.mark.parametrize("username", ["contestant", "judge1", "officer", "organiser_other"])
def test_organiser_routes_refuse_other_roles(app, world, username):
    browser = Browser(app.test_client())
    browser.login(username)
    before = _audit_rows(app)
    for url in ORGANISER_PAGES:
        status = browser.get(url.format(**world)).status_code
        # An organiser of another event may see the desk and create nothing here; others see nothing.
        allowed = username == "organiser_other" and url == "/manage/"
        assert status == (200 if allowed else 403), (username, url, status)
    for url in ORGANISER_POSTS:
        response = browser.post(url.format(**world), {"reason": "x", "code": "X1"})
        assert response.status_code == 403, (username, url, response.status_code)
    assert _audit_rows(app) == before


def test_anonymous_users_are_sent_to_sign_in(app, world, client):
    for url in ORGANISER_PAGES + ["/tablet/", "/evaluation/", "/me"]:
        response = client.get(url.format(**world))
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_tablet_only_for_the_skills_judges(app, world):
    own, other = Browser(app.test_client()), Browser(app.test_client())
    own.login("judge1")
    other.login("judge2")
    assert own.get("/tablet/skills/{skill}".format(**world)).status_code == 200
    for url in ("/tablet/skills/{skill}", "/tablet/skills/{skill}/entries/{entry}"):
        assert other.get(url.format(**world)).status_code == 403
    before = _audit_rows(app)
    assert other.post("/tablet/skills/{skill}/entries/{entry}".format(**world), {"aspect-1": "5"}).status_code == 403
    assert _audit_rows(app) == before


def test_evaluation_desk_only_for_officers(app, world):
    browser = Browser(app.test_client())
    browser.login("organiser")
    assert browser.get("/evaluation/").status_code == 403
    assert browser.post("/evaluation/issue", {"body_id": 1, "result_id": 1, "person_id": 1}).status_code == 403


def test_unknown_ids_are_404_and_bad_status_is_409(app, world):
    browser = Browser(app.test_client())
    browser.login("organiser")
    assert browser.get("/manage/events/999999").status_code == 404
    assert browser.get("/manage/skills/999999").status_code == 404
    assert browser.post("/manage/entries/999999/approve").status_code == 404
    before = _audit_rows(app)
    # registration open → archived is not a lifecycle step: refused with a message, nothing changes.
    response = browser.post("/manage/events/{event}/status/archived".format(**world), follow_redirects=True)
    assert response.status_code == 200 and 'class="alert alert-danger"' in response.get_data(as_text=True)
    assert _audit_rows(app) == before


def test_entering_twice_is_refused_and_stored_once(app, world):
    browser = Browser(app.test_client())
    browser.login("contestant")
    browser.post("/skills/{skill}/enter".format(**world))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EntryMember)) == 1
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_wrong_password_is_refused_and_audited(app, world, client):
    browser = Browser(client)
    response = client.post("/login", data={"username": "organiser", "password": "wrong-password-1",
                                           "csrf_token": browser.token()})
    assert response.status_code == 401
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).order_by(AuditLog.seq.desc()).limit(1)) == \
            "auth.login_failed"


def test_registering_a_new_person_is_not_mistaken_for_an_existing_account(app, world):
    """Regression: a new Person without an id must not match accounts that have no person."""
    browser = Browser(app.test_client())
    response = browser.post("/register", {"name": "李四", "id_type": "resident_id", "username": "lisi",
                                          "id_number": factories.id_number(sequence=457), "password": "saiping2026"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
