"""The thin path through the whole product, over HTTP with real forms and CSRF tokens: an organiser
creates an event, a contestant registers and enters, the organiser approves and assigns a judge, the
judge marks, results are computed and published, the contestant sees them, a certificate is issued."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from competition.extensions import db
from competition.models import AuditLog, Entry, Event, Mark, Result, Skill
from competition.services import audit, events
from evaluation.models import Certificate
from tests import factories
from tests.conftest import Browser


def _setup_people(app) -> None:
    with app.test_request_context():
        factories.organiser()
        factories.judge("judge1")
        factories.judge("chief", "王裁判长", 399)
        body = factories.evaluation_body()
        factories.user("officer", ("evaluation_officer", None, body.id))
        db.session.commit()


def _id(pattern: str, html: str) -> int:
    match = re.search(pattern, html)
    assert match, pattern
    return int(match.group(1))


def test_thin_path_end_to_end(app):
    _setup_people(app)
    organiser, contestant, judge, chief, officer = (Browser(app.test_client()) for _ in range(5))

    organiser.login("organiser")
    response = organiser.post("/manage/events/new", {
        "code": "bayu-2026", "name": "巴渝工匠杯测试赛", "name_en": "Bayu Cup test", "kind": "bayu_cup",
        "tier": "provincial_1", "year": "2026"})
    assert response.status_code == 302
    event_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert organiser.post(f"/manage/events/{event_id}/skills", {
        "code": "B01", "name": "电工", "name_en": "Electrician", "occupation_code": "6-31-01-03",
        "occupation_name": "电工", "level_grade_code": "senior", "team_size": "1", "theory_weight": "0",
    }).status_code == 302
    with app.test_request_context():
        skill_id = db.session.scalar(select(Skill.id).where(Skill.event_id == event_id))
        # A test event with one contestant: by default awards need 30 entrants (DOMAIN.md §1), and 10 % of
        # one entrant rounds down to no 一等奖. Both are event settings.
        events.update_settings(db.session.get(Event, event_id), "awards", {"min_entrants": 1, "rounding": "ceil"})
        db.session.commit()
    for data in ({"criterion_code": "A", "criterion_name": "安装", "code": "A1", "description": "接线正确",
                  "kind": "measurement", "max_mark": "60"},
                 {"criterion_code": "A", "criterion_name": "安装", "code": "A2", "description": "布线工艺",
                  "kind": "judgement", "max_mark": "40", "descriptors": "差\n合格\n良好\n优秀"}):
        added = organiser.post(f"/manage/skills/{skill_id}/aspects", data, follow_redirects=True)
        assert 'class="alert alert-success"' in added.get_data(as_text=True)
    published = organiser.post(f"/manage/skills/{skill_id}/scheme/publish", follow_redirects=True)
    page = published.get_data(as_text=True)
    assert 'class="alert alert-success"' in page, page[page.find("<main"):page.find("<main") + 2500]
    organiser.post(f"/manage/events/{event_id}/status/registration_open")

    response = contestant.post("/register", {
        "name": "张三丰", "id_type": "resident_id", "id_number": factories.id_number(), "username": "zhang",
        "password": "saiping2026"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert contestant.post(f"/skills/{skill_id}/enter").status_code == 302
    with app.app_context():
        entry_id = db.session.scalar(select(Entry.id))
    assert organiser.post(f"/manage/entries/{entry_id}/approve").status_code == 302
    with app.app_context():
        judge_person = db.session.scalar(select(Mark.judge_person_id))  # none yet
        assert judge_person is None
    page = organiser.get(f"/manage/skills/{skill_id}").get_data(as_text=True)
    judge_option = _id(r'<option value="(\d+)">陈建国</option>', page)
    assert organiser.post(f"/manage/skills/{skill_id}/judges",
                          {"person_id": str(judge_option), "role": "scorer"}).status_code == 302
    chief_option = _id(r'<option value="(\d+)">王裁判长</option>', organiser.get(f"/manage/skills/{skill_id}").get_data(
        as_text=True))
    organiser.post(f"/manage/skills/{skill_id}/judges", {"person_id": str(chief_option), "role": "chief"})
    for status in ("registration_closed", "competition", "marking"):
        assert organiser.post(f"/manage/events/{event_id}/status/{status}").status_code == 302

    judge.login("judge1")
    tablet = judge.get(f"/tablet/skills/{skill_id}").get_data(as_text=True)
    assert "001" in tablet and "张三丰" not in tablet  # judges see numbers, never names
    form_page = judge.get(f"/tablet/skills/{skill_id}/entries/{entry_id}").get_data(as_text=True)
    assert "张三丰" not in form_page
    aspect_ids = [int(x) for x in re.findall(r'name="aspect-(\d+)"', form_page)]
    a1, a2 = sorted(set(aspect_ids))
    assert judge.post(f"/tablet/skills/{skill_id}/entries/{entry_id}",
                      {f"aspect-{a1}": "54", f"aspect-{a2}": "2"}).status_code == 302

    chief.login("chief")
    chief_page = chief.get(f"/tablet/skills/{skill_id}/chief").get_data(as_text=True)
    assert 'class="btn btn-primary">' in chief_page  # the lock button is enabled: nothing to settle
    assert chief.post(f"/tablet/skills/{skill_id}/lock").status_code == 302
    with app.app_context():
        assert db.session.get(Skill, skill_id).marks_locked

    # Before publication the contestant sees nothing, and the public results page is refused.
    organiser.post(f"/manage/skills/{skill_id}/results/compute")
    assert app.test_client().get(f"/skills/{skill_id}/results").status_code == 403
    assert "54" not in contestant.get("/me").get_data(as_text=True).split("my-result")[1][:200]
    assert chief.post(f"/skills/{skill_id}/results/review").status_code == 302  # the chief judge reviews
    organiser.post(f"/manage/skills/{skill_id}/results/publish")

    me = contestant.get("/me").get_data(as_text=True)
    # 54 + 2/3 × 40 = 80.67; first of one.
    assert "80.67" in me and "<strong>1</strong>" in me
    assert "80.67" in app.test_client().get(f"/skills/{skill_id}/results").get_data(as_text=True)

    officer.login("officer")
    desk = officer.get("/evaluation/").get_data(as_text=True)
    assert "张三丰" in desk and "二级/技师" in desk  # 一等奖 at 高级工 → one grade up
    with app.app_context():
        result_id = db.session.scalar(select(Result.id))
        person_id = db.session.scalar(select(Entry).where(Entry.id == entry_id)).members[0].person_id
        body_id = db.session.scalar(select(Certificate.body_id))  # none yet
        assert body_id is None
        from competition.models import Organisation
        body_id = db.session.scalar(select(Organisation.id).where(Organisation.kind == "evaluation_body"))
    assert officer.post("/evaluation/issue", {"body_id": body_id, "result_id": result_id,
                                              "person_id": person_id}).status_code == 302
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        assert certificate.grade_code == "technician"
        assert certificate.number == f"S000050123456{date.today():%y}2000001"
        certificate_id = certificate.id
        actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.seq)).all()
        assert {"event.create", "skill.create", "scheme.publish", "entry.submit", "entry.approve", "judge.assign",
                "mark.create", "results.compute", "results.publish", "certificate.issue"} <= set(actions)
        assert list(audit.verify_chain()) == []
    pdf = contestant.get(f"/certificates/{certificate_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Another contestant may not download it.
    other = Browser(app.test_client())
    other.post("/register", {"name": "李四", "id_type": "resident_id", "id_number": factories.id_number(sequence=456),
                             "username": "lisi", "password": "saiping2026"})
    assert other.get(f"/certificates/{certificate_id}.pdf").status_code == 403
