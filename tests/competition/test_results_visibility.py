"""Before publication a skill's results are visible to its event's organisers and its chief judge only:
through every page and API that can show them (every GET route that takes at most a skill, event or entry
id is requested). After publication the contestant sees their own breakdown per criterion on /me."""
from __future__ import annotations

import pytest

from competition.extensions import db
from competition.models import JudgeRole, Role
from competition.services import publication, results
from tests import factories
from tests.conftest import Browser

SCORES = [("47.5", 2), ("41.25", 1)]   # totals 74.17 and 54.58
TOTALS = ("74.17", "54.58")
SKIPPED = {"static", "bootstrap.static", "public.switch_language", "auth.logout", "tablet.service_worker",
           "api-docs.openapi_json"}
SLOW_DOCUMENTS = {"judges.letters", "judges.panel_sheet", "manage.paper_forms"}  # print forms, no results

ROLES = ["anonymous", "contestant", "team_leader", "other_panel_judge", "judge", "supervisor",
         "evaluation_officer", "other_event_organiser"]


def _setup(app) -> dict:
    with app.test_request_context():
        org = factories.organisation("重庆市九龙坡区代表队")
        skill, entries, _scorers, _chief = factories.locked_skill(SCORES, org=org)
        results.compute(skill)
        factories.organiser("organiser", event_id=skill.event_id)
        other_event = factories.event(code="other-event")
        other_skill = factories.skill_with_scheme(other_event, code="X01")
        factories.assign(other_skill, factories.judge("other_judge", "赵其他", 391), JudgeRole.SCORER)
        factories.user("team_leader", (Role.TEAM_LEADER, None, org.id))
        factories.user("supervisor", (Role.SUPERVISOR, None, None))
        factories.officer(factories.evaluation_body(), "evaluation_officer")
        factories.organiser("other_event_organiser", event_id=other_event.id)
        db.session.commit()
        return {"skill_id": skill.id, "event_id": skill.event_id, "entry_id": entries[0].id}


def _urls(app, ids: dict) -> list[str]:
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED | SLOW_DOCUMENTS:
                continue
            if not set(rule.arguments) <= set(ids):
                continue
            urls.append(url_for(rule.endpoint, **{k: ids[k] for k in rule.arguments}))
    return sorted(urls)


def _leaks(client, urls: list[str]) -> list[str]:
    leaks = []
    for url in urls:
        response = client.get(url)
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) \
            else ""
        if response.status_code == 200 and any(total in body for total in TOTALS):
            leaks.append(url)
        if "/skills/" in url and "/results" in url and "/review" not in url and response.status_code == 200:
            leaks.append(url)  # a results route of an unpublished skill answers nobody here (an event's results
            # pages answer, listing its published skills only: the totals check above covers them)
    return leaks


def _client(app, role: str):
    browser = Browser(app.test_client())
    username = {"contestant": "contestant", "team_leader": "team_leader", "other_panel_judge": "other_judge",
                "judge": "judge1", "supervisor": "supervisor", "evaluation_officer": "evaluation_officer",
                "other_event_organiser": "other_event_organiser"}.get(role)
    if username:
        browser.login(username)
    return browser


@pytest.mark.parametrize("role", ROLES)
def test_unpublished_results_are_invisible(app, role):
    ids = _setup(app)
    urls = _urls(app, ids)
    assert f"/skills/{ids['skill_id']}/results" in urls and f"/api/v1/skills/{ids['skill_id']}/results" in urls
    client = _client(app, role)
    assert _leaks(client, urls) == []  # draft
    with app.test_request_context():
        from competition.models import Skill, User
        skill = db.session.get(Skill, ids["skill_id"])
        chief = db.session.scalar(db.select(User).where(User.username == "chief"))
        publication.review(chief, skill)
        db.session.commit()
    assert _leaks(client, urls) == []  # reviewed by the chief judge, still not published


@pytest.mark.parametrize("username", ["organiser", "chief"])
def test_organisers_and_the_chief_judge_see_them(app, username):
    ids = _setup(app)
    client = _client(app, "anonymous")
    client.login(username)
    page = client.get(f"/skills/{ids['skill_id']}/results/review").get_data(as_text=True)
    assert all(total in page for total in TOTALS)
    api = client.get(f"/api/v1/skills/{ids['skill_id']}/results")
    assert api.status_code == 200 and {r["total"] for r in api.get_json()} == {"74.17", "54.58"}
    # The leak check finds them for these two (so it finds what it looks for).
    assert f"/skills/{ids['skill_id']}/results" in _leaks(client, _urls(app, ids))


def test_after_publication_the_contestant_sees_their_breakdown(app):
    ids = _setup(app)
    client = _client(app, "contestant")
    assert "74.17" not in client.get("/me").get_data(as_text=True)
    with app.test_request_context():
        from competition.models import Skill, User
        skill = db.session.get(Skill, ids["skill_id"])
        publication.review(db.session.scalar(db.select(User).where(User.username == "chief")), skill)
        publication.publish(db.session.scalar(db.select(User).where(User.username == "organiser")), skill)
        db.session.commit()
    me = client.get("/me").get_data(as_text=True)
    breakdown = me.split('class="table table-sm small mt-1 mb-0 breakdown"')[1].split("</table>")[0]
    assert "A 安装" in breakdown and "74.17" in breakdown
    assert "54.58" not in me  # not the other contestant's
    assert client.get(f"/api/v1/skills/{ids['skill_id']}/results").status_code == 200
