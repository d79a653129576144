"""The organiser's conflicts page and the assignment preview and apply, in Chromium; and a judge declaring
a conflict from their own page."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from competition.extensions import db
from competition.models.judging import ConflictWaiver, JudgeRelation, PanelSeat
from competition.services import judging
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def _world(app) -> dict:
    with app.test_request_context():
        company = factories.organisation()
        ev, skill = factories.judged_event()
        factories.organiser()
        judges = [factories.pool_judge(f"裁判{i}", 311 + 2 * i, chair=i < 2, level="national" if i < 2 else "municipal",
                                       org=company if i == 5 else None, username=f"judge{i}") for i in range(6)]
        factories.entry(skill, "c1", "张三", 123, org=company)
        judging.create_panel(skill)
        db.session.commit()
        return {"event": ev.id, "skill": skill.id, "conflicted": judges[5].id}


def test_conflicts_page_waiver_and_assignment_in_chromium(app, new_page, tmp_path: Path):
    world = _world(app)
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "organiser")

    page.goto(f"/manage/events/{world['event']}/conflicts")
    row = page.locator(f"#conflict-table tr[data-judge='{world['conflicted']}']")
    assert row.count() == 1
    assert "重庆渝江机械制造有限公司" in row.locator(".conflict-reason").inner_text()
    row.locator("details.waive summary").click()
    row.locator("button[type=submit]").click()                       # no reason: refused
    page.wait_for_selector(".alert-danger")
    with app.app_context():
        assert db.session.scalar(select(ConflictWaiver.id)) is None
    row = page.locator(f"#conflict-table tr[data-judge='{world['conflicted']}']")
    row.locator("details.waive summary").click()
    row.locator("textarea[name=reason]").fill("集团五千人，两人从未共事")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "集团五千人" in page.locator("#waived").inner_text()
    page.screenshot(path=str(tmp_path / "conflicts.png"), full_page=True)
    page.locator("#waived button:has-text('撤销'), #waived button:has-text('Revoke')").first.click()
    page.wait_for_selector(".alert-success")
    assert page.locator(f"#conflict-table tr[data-judge='{world['conflicted']}']").count() == 1

    page.goto(f"/manage/events/{world['event']}/assignment")
    page.fill("#seed", "2026")
    page.click("#preview button[type=submit], #preview input[type=submit]")
    page.wait_for_selector("#proposal-table")
    assert "裁判5" in page.locator("#proposal-table .kept-off").inner_text()  # shown as kept off, never proposed
    proposed = page.locator("#proposal-table td:nth-child(2)").inner_text()
    assert "裁判5" not in proposed and "裁判0" in proposed
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
    page.click("#run form button[type=submit]")
    page.wait_for_selector(".alert-success")
    with app.app_context():
        seated = set(db.session.scalars(select(PanelSeat.person_id)))
    assert world["conflicted"] not in seated and len(seated) >= 4
    assert "裁判0" in page.locator("#panels").inner_text()


def test_a_judge_declares_a_conflict_in_chromium(app, new_page):
    _world(app)
    page = new_page()
    login(page, "judge0")
    page.goto("/judge/conflicts")
    page.select_option("#kind", "relative")
    page.fill("#other_name", "张三")
    page.fill("#note", "表弟")
    page.click("#declare-form #submit")
    page.wait_for_selector("#my-declarations li:has-text('张三')")
    with app.app_context():
        assert db.session.scalar(select(JudgeRelation.other_person_id)) is None   # matched by name when checked
