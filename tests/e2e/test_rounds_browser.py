"""世赛选拔 rounds in Chromium: the organiser starts round 2 from round 1's squad; the results page of a round
with carried scores shows them (and fits a phone)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from competition.extensions import db
from competition.services import publication, results
from tests import factories
from tests.competition.test_selection_rounds import first_round, mark_round, second_round
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SAIPING_SCREENSHOTS")
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_the_organiser_starts_round_two_and_the_carried_scores_show(app, new_page, tmp_path):
    with app.test_request_context():
        skill1, _ = first_round()
        ev2, skill2 = second_round(skill1.event, selection={"carry_weight": 30})
        factories.organiser("rounds-organiser")
        db.session.commit()
        event_id, skill_id, previous_id = ev2.id, skill2.id, skill1.event_id
    page = new_page()
    login(page, "rounds-organiser")
    page.goto(f"/manage/events/{event_id}")
    assert page.locator("#previous_round_id").input_value() == str(previous_id)
    page.get_by_role("button", name="从上一轮的集训队开始").click()
    page.wait_for_url(f"**/manage/events/{event_id}")
    assert "已报入上一轮集训队的 2 个参赛" in page.inner_text(".alert-success")
    page.screenshot(path=str(Path(SHOTS or tmp_path) / "rounds-event.png"), full_page=True)
    with app.test_request_context():
        from competition.models import Skill
        skill2 = db.session.get(Skill, skill_id)
        chief = mark_round(skill2, {"甲": 30, "乙": 32})
        results.compute(skill2)
        publication.review(chief, skill2)
        publication.publish(None, skill2)
        db.session.commit()
    phone = new_page(**PHONE)
    phone.goto(f"/skills/{skill_id}/results")
    table = phone.inner_text(".results-table")
    assert "带入成绩" in table and "76.00" in table and "74.40" in table
    assert "名次按带入成绩排定" in phone.inner_text(".carried-note")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(Path(SHOTS or tmp_path) / "rounds-results.png"), full_page=True)
