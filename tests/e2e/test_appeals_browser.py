"""An appeal in Chromium: the contestant files it on a phone-sized screen, the arbitration group rules."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from competition.extensions import db
from competition.models import EventKind, Role
from competition.services import publication, results
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_contestant_files_and_the_supervisor_rules(app, new_page, tmp_path: Path):
    shots = Path(os.environ.get("SAIPING_SCREENSHOTS", tmp_path))
    with app.test_request_context():
        skill, _entries, _scorers, chief = factories.locked_skill([("47.5", 2), ("41.25", 1)],
                                                                  kind=EventKind.WORLDSKILLS_SELECTION)
        results.compute(skill)
        publication.review(chief, skill)
        publication.publish(factories.organiser(), skill)
        factories.user("supervisor", (Role.SUPERVISOR, None, None))
        db.session.commit()
    phone = new_page(viewport={"width": 390, "height": 844})
    login(phone, "contestant")
    assert "74.17" in phone.inner_text(".breakdown")  # the per-criterion breakdown, once published
    phone.click("a[href='/appeals']")
    phone.click("a[href$='/new']")
    phone.check("input[name='marks'] >> nth=0")
    phone.fill("#grounds", "A1 接线正确，却被判为错误，请复测。")
    phone.screenshot(path=str(shots / "appeal-form.png"), full_page=True)
    phone.click("#submit")
    phone.wait_for_url("**/appeals")
    assert "等待监督仲裁组裁决" in phone.inner_text(".appeal-status")

    desk = new_page(viewport={"width": 1280, "height": 900})
    login(desk, "supervisor")
    desk.click("a[href='/arbitration']")
    assert "请复测" in desk.inner_text(".appeal .grounds")
    desk.select_option("#decision", "reject")
    desk.fill("#reason", "复测结果与原评分一致，驳回申诉。")
    desk.screenshot(path=str(shots / "arbitration.png"), full_page=True)
    desk.click(".decide-form #submit")
    desk.wait_for_selector(".alert-success")
    phone.reload()
    assert "已驳回" in phone.inner_text(".appeal-status") or "驳回" in phone.inner_text(".appeal")
    phone.screenshot(path=str(shots / "appeal-status.png"), full_page=True)
