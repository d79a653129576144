"""The judges' pages over HTTP with real forms: who may see and do what, the conflicts page with its reasons
and waivers, panels and seats, the assignment preview and apply, letters, and a judge's own declarations."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import AuditLog, JudgeAssignment
from competition.models.judging import AssignmentRun, ConflictWaiver, JudgePanel, JudgeRelation, PanelSeat
from competition.services import judging
from tests import factories
from tests.conftest import Browser


@pytest.fixture
def world(app) -> dict:
    """An event with one skill, a company sending a contestant, and six judges (one from that company)."""
    with app.test_request_context():
        company = factories.organisation()
        ev, skill = factories.judged_event()
        factories.organiser()
        other = factories.event("other-event")
        factories.organiser("organiser_other", other.id)
        factories.contestant("outsider", "局外人", 401)
        judges = [factories.pool_judge(f"裁判{i}", 311 + 2 * i, chair=i < 2, level="national" if i < 2 else "municipal",
                                       org=company if i == 5 else None, username=f"judge{i}") for i in range(6)]
        entry = factories.entry(skill, "c1", "张三", 123, org=company)
        db.session.commit()
        return {"event": ev.id, "skill": skill.id, "entry": entry.id, "judges": [j.id for j in judges],
                "conflicted": judges[5].id}


def _as(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username)
    return browser


ORGANISER_PAGES = ["/manage/judges", "/manage/judges/{judge}", "/manage/events/{event}/conflicts",
                   "/manage/skills/{skill}/panels", "/manage/events/{event}/assignment"]
EVENT_PAGES = ORGANISER_PAGES[2:]


def test_organiser_pages_refuse_everyone_else(app, world):
    urls = [u.format(judge=world["judges"][0], **world) for u in ORGANISER_PAGES]
    for username in ("outsider", "judge0"):
        browser = _as(app, username)
        for url in urls:
            assert browser.get(url).status_code == 403, (username, url)
        assert browser.post(f"/manage/events/{world['event']}/assignment/preview").status_code == 403
    other = _as(app, "organiser_other")
    for url in EVENT_PAGES:
        assert other.get(url.format(**world)).status_code == 403, url
    anonymous = app.test_client()
    for url in urls + ["/judge/conflicts"]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_conflicts_page_shows_each_conflict_and_why(app, world):
    organiser = _as(app, "organiser")
    page = organiser.get(f"/manage/events/{world['event']}/conflicts").get_data(as_text=True)
    rows = re.findall(r'<tr data-type="([a-z_]+)" data-judge="(\d+)" data-entry="(\d+)">', page)
    assert rows == [("same_employer", str(world["conflicted"]), str(world["entry"]))]
    assert "重庆渝江机械制造有限公司" in page and "裁判5" in page


def test_waiving_needs_a_reason_over_http_too(app, world):
    organiser = _as(app, "organiser")
    url = f"/manage/events/{world['event']}/conflicts/waive"
    data = {"judge_person_id": world["conflicted"], "entry_id": world["entry"], "conflict_type": "same_employer"}
    organiser.post(url, {**data, "reason": "  "})
    page = organiser.get(f"/manage/events/{world['event']}/conflicts").get_data(as_text=True)
    assert 'class="alert alert-danger"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConflictWaiver)) == 0
    organiser.post(url, {**data, "reason": "集团很大，两人不在同一分公司"})
    with app.app_context():
        waiver = db.session.scalar(select(ConflictWaiver))
        assert waiver.reason == "集团很大，两人不在同一分公司" and waiver.granted_by.username == "organiser"
        waiver_id = waiver.id
    page = organiser.get(f"/manage/events/{world['event']}/conflicts").get_data(as_text=True)
    assert "集团很大" in page and "data-type=" not in page
    organiser.post(f"/manage/waivers/{waiver_id}/revoke")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConflictWaiver)) == 0
        actions = set(db.session.scalars(select(AuditLog.action)))
        assert {"conflict.waive", "conflict.waiver_revoke"} <= actions


def test_conflict_settings_are_saved_per_event(app, world):
    organiser = _as(app, "organiser")
    organiser.post(f"/manage/events/{world['event']}/conflicts/settings", {"same_employer": "not_marking",
                                                                           "same_district": "off"})
    with app.test_request_context():
        from competition.models import Event
        settings = judging.conflict_settings(db.session.get(Event, world["event"]))
        assert settings.same_employer == "not_marking" and settings.same_district is None


def test_panels_seats_and_a_refused_seat(app, world):
    organiser = _as(app, "organiser")
    base = f"/manage/skills/{world['skill']}/panels"
    organiser.post(base, {"new-module": "", "new-scorers_min": "3", "new-scorers_target": "3", "new-scorers_max": "4",
                          "new-deputies_min": "0", "new-deputies_max": "1", "new-national": "1"})
    with app.app_context():
        panel_id = db.session.scalar(select(JudgePanel.id))
    chief, *scorers = world["judges"][:4]
    for person, role in ((chief, "chief"), *((s, "scorer") for s in scorers)):
        response = organiser.post(f"/manage/panels/{panel_id}/seats", {f"s{panel_id}-person_id": person,
                                                                        f"s{panel_id}-role": role})
        assert response.status_code == 302
    organiser.post(f"/manage/panels/{panel_id}/seats", {f"s{panel_id}-person_id": world["conflicted"],
                                                        f"s{panel_id}-role": "scorer"})
    page = organiser.get(base).get_data(as_text=True)
    assert "重庆渝江机械制造有限公司" in page and 'class="alert alert-danger"' in page   # the refusal, flashed
    with app.app_context():
        seated = set(db.session.scalars(select(PanelSeat.person_id)))
        assert seated == {chief, *scorers}
        assert db.session.scalar(select(JudgeAssignment.role).where(JudgeAssignment.person_id == chief)) == "chief"
    organiser.post(f"/manage/panels/{panel_id}/seats/{scorers[0]}/role", {"role": "deputy"})
    organiser.post(f"/manage/panels/{panel_id}/seats/{scorers[1]}/remove")
    with app.app_context():
        roles = dict(db.session.execute(select(PanelSeat.person_id, PanelSeat.role)).all())
        assert roles == {chief: "chief", scorers[0]: "deputy", scorers[2]: "scorer"}
    pdf = organiser.get(f"/manage/skills/{world['skill']}/panel-sheet.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    skill_page = organiser.get(f"/manage/skills/{world['skill']}").get_data(as_text=True)
    assert f'href="{base}"' in skill_page


def test_preview_and_apply_over_http(app, world):
    organiser = _as(app, "organiser")
    with app.test_request_context():
        from competition.models import Skill
        judging.create_panel(db.session.get(Skill, world["skill"]))
        db.session.commit()
    response = organiser.post(f"/manage/events/{world['event']}/assignment/preview", {"seed": "42"})
    assert response.status_code == 302 and "run=" in response.headers["Location"]
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="proposal-table"' in page and "42" in page
    with app.app_context():
        run = db.session.scalar(select(AssignmentRun))
        assert db.session.scalar(select(func.count()).select_from(PanelSeat)) == 0
        proposed = {pid for seats in run.proposal.values() for pid, _ in seats}
        assert world["conflicted"] not in proposed
    assert organiser.post(f"/manage/assignment-runs/{run.id}/apply").status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(PanelSeat.person_id))) == proposed
    letters = organiser.get(f"/manage/events/{world['event']}/letters.pdf")
    assert letters.status_code == 200 and letters.data.startswith(b"%PDF")
    one = organiser.get(f"/manage/events/{world['event']}/letters/{sorted(proposed)[0]}.pdf")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")


def test_an_impossible_assignment_is_shown_with_its_cause(app, world):
    organiser = _as(app, "organiser")
    with app.test_request_context():
        from competition.models import Skill
        skill = db.session.get(Skill, world["skill"])
        judging.create_panel(skill, scorers_min=9, scorers_max=9, scorers_target=9)
        db.session.commit()
    response = organiser.post(f"/manage/events/{world['event']}/assignment/preview", {"seed": "1"})
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="run-problems"' in page and "B01 电工" in page and "Apply" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PanelSeat)) == 0


def test_the_judge_record_page(app, world):
    organiser = _as(app, "organiser")
    judge_id = world["judges"][2]
    url = f"/manage/judges/{judge_id}"
    assert "裁判2" in organiser.get(url).get_data(as_text=True)
    organiser.post(url, {"level": "national", "occupations": ["6-31-01-03"], "district": "万州区",
                         "languages": "zh en", "past_events": "2025年巴渝工匠杯\n2024年行业赛", "max_panels": "3",
                         "may_chair": "y", "active": "y"})
    organiser.post(f"{url}/relations", {"kind": "relative", "other_name": "张三", "note": "外甥"})
    with app.app_context():
        profile = judging.profile_of(judge_id)
        assert (profile.level, profile.district, profile.max_panels, profile.may_chair) == ("national", "万州区", 3, True)
        assert profile.past_events == ["2025年巴渝工匠杯", "2024年行业赛"] and profile.languages == ["en", "zh"]
        relation = db.session.scalar(select(JudgeRelation))
        assert relation.declared_by_judge is False and relation.other_name == "张三"
    organiser.post(f"/manage/relations/{relation.id}/withdraw")
    with app.app_context():
        assert db.session.get(JudgeRelation, relation.id).withdrawn_at is not None


def test_a_judge_declares_from_their_own_page(app, world):
    judge = _as(app, "judge0")
    assert 'id="declare-form"' in judge.get("/judge/conflicts").get_data(as_text=True)
    judge.post("/judge/conflicts", {"kind": "teacher_of", "other_name": "张三", "note": "我的徒弟"})
    with app.app_context():
        relation = db.session.scalar(select(JudgeRelation))
        assert (relation.judge_person_id, relation.kind, relation.declared_by_judge) == (
            world["judges"][0], "teacher_of", True)
    assert "我的徒弟" in judge.get("/judge/conflicts").get_data(as_text=True)
    organiser = _as(app, "organiser")
    page = organiser.get(f"/manage/events/{world['event']}/conflicts").get_data(as_text=True)
    assert 'data-type="teacher_of"' in page
    assert _as(app, "outsider").get("/judge/conflicts").status_code == 403
