"""The thin path through the real pages in Chromium, as the people who use them would click it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from competition.extensions import db
from competition.models import Event
from competition.services import events
from tests import factories
from tests.e2e.conftest import login, wait_until

pytestmark = pytest.mark.e2e


def test_thin_path_in_chromium(app, new_page, tmp_path: Path):
    with app.test_request_context():
        factories.organiser()
        factories.judge("judge1")
        factories.judge("chief", "王裁判长", 399)
        body = factories.evaluation_body()
        factories.user("officer", ("evaluation_officer", None, body.id))
        db.session.commit()

    organiser = new_page()
    login(organiser, "organiser")
    organiser.click("a[href='/manage/']")
    organiser.click("a[href='/manage/events/new']")
    organiser.fill("#code", "bayu-e2e")
    organiser.fill("#name", "巴渝工匠杯浏览器测试赛")
    organiser.fill("#name_en", "Bayu Cup browser test")
    organiser.select_option("#tier", "provincial_1")
    organiser.fill("#year", "2026")
    organiser.click("#submit")
    organiser.wait_for_selector("h1:has-text('巴渝工匠杯浏览器测试赛')")
    with app.test_request_context():
        event = db.session.scalar(select(Event).where(Event.code == "bayu-e2e"))
        events.update_settings(event, "awards", {"min_entrants": 1, "rounding": "ceil"})
        db.session.commit()
    organiser.fill("#code", "B01")
    organiser.fill("#name", "电工")
    organiser.fill("#occupation_code", "6-31-01-03")
    organiser.fill("#occupation_name", "电工")
    organiser.select_option("#level_grade_code", "senior")
    organiser.click("#submit")
    organiser.click("a.list-group-item:has-text('电工')")
    skill_url = organiser.url
    for code, kind, max_mark, descriptors in (("A1", "measurement", "60", ""),
                                             ("A2", "judgement", "40", "差\n合格\n良好\n优秀")):
        organiser.click("#add-aspect summary")
        organiser.fill("#criterion_code", "A")
        organiser.fill("#criterion_name", "安装")
        organiser.fill("#code", code)
        organiser.fill("#description", "接线正确" if code == "A1" else "布线工艺")
        organiser.select_option("#kind", kind)
        organiser.fill("#max_mark", max_mark)
        organiser.fill("#descriptors", descriptors)
        organiser.click("#add-aspect #submit")
        organiser.wait_for_selector(f"td:has-text('{code}')")
    organiser.click("form[action$='/scheme/publish'] button")
    organiser.wait_for_selector(".alert-success")
    organiser.click("a:has-text('巴渝工匠杯浏览器测试赛')")
    organiser.click("form[action$='/status/registration_open'] button")
    organiser.wait_for_selector(".badge.status-registration_open")

    contestant = new_page(viewport={"width": 390, "height": 844})  # a phone
    contestant.goto("/register")
    contestant.fill("#name", "张三丰")
    contestant.fill("#id_number", factories.id_number())
    contestant.fill("#username", "zhang")
    contestant.fill("#password", factories.PASSWORD)
    contestant.click("#submit")
    contestant.wait_for_url("**/me")
    contestant.goto("/")
    contestant.click("text=巴渝工匠杯浏览器测试赛")
    contestant.click("form[action$='/enter'] button")
    contestant.wait_for_selector(".alert-success")
    assert "待审核" in contestant.locator(".my-entries").inner_text()  # submitted, waiting for review

    organiser.goto(skill_url)
    organiser.click("form[action$='/approve'] button")
    organiser.wait_for_selector(".badge.status-approved")
    organiser.select_option("#person_id", label="陈建国")
    organiser.select_option("#role", "scorer")
    organiser.click("#judges #submit")
    organiser.wait_for_selector("#judges li:has-text('陈建国')")
    organiser.select_option("#person_id", label="王裁判长")
    organiser.select_option("#role", "chief")
    organiser.click("#judges #submit")
    organiser.wait_for_selector("#judges li:has-text('王裁判长')")
    organiser.click("a:has-text('巴渝工匠杯浏览器测试赛')")
    for status in ("registration_closed", "competition", "marking"):
        organiser.click(f"form[action$='/status/{status}'] button")
        organiser.wait_for_selector(f".badge.status-{status}")

    judge = new_page(viewport={"width": 1280, "height": 800})  # a 10-inch tablet
    login(judge, "judge1")
    judge.click("a[href='/tablet/']")
    judge.click("text=B01")
    assert "张三丰" not in judge.content()
    judge.click(".competitor-card[data-entry='001']")
    judge.fill("input.measurement-input", "54")
    judge.press("input.measurement-input", "Tab")
    judge.click("button.btn-judgement[data-level='2']")
    wait_until(judge, "document.querySelectorAll('.mark-state.state-server').length === 2")
    judge.screenshot(path=str(tmp_path / "tablet.png"), full_page=True)

    chief = new_page(viewport={"width": 1280, "height": 800})
    login(chief, "chief")
    chief.click("a[href='/tablet/']")
    chief.click("text=B01")
    chief.click("form[action$='/lock'] button")
    chief.wait_for_selector(".alert-success")

    organiser.goto(skill_url)
    organiser.click("form[action$='/results/compute'] button")
    organiser.wait_for_selector(".alert-success")
    contestant.goto("/me")
    assert "80.67" not in contestant.content()
    chief.reload()  # the chief judge reviews the draft results
    chief.click("a[href$='/results/review']")
    assert "80.67" in chief.inner_text(".review-table")
    chief.click("form[action$='/results/review'] button")
    chief.wait_for_selector(".alert-success")
    organiser.goto(skill_url)
    organiser.click("form[action$='/results/publish'] button")
    organiser.wait_for_selector(".alert-success")

    contestant.goto("/me")
    result = contestant.locator(".my-result").inner_text()
    assert "80.67" in result and "1" in result
    contestant.screenshot(path=str(tmp_path / "contestant.png"), full_page=True)

    officer = new_page()
    login(officer, "officer")
    officer.click("a[href='/evaluation/']")
    row = officer.locator(".candidates tr:has-text('张三丰')")
    assert "二级/技师" in row.inner_text()
    row.locator("button.btn-primary").click()
    officer.wait_for_selector(".alert-success")
    response = officer.context.request.get(officer.locator(".issued a[href$='.pdf']").first.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "职业技能等级证书" in text and "张三丰" in text and "二级/技师" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(pdf), str(tmp_path / "certificate")],
                   check=True)
    assert (tmp_path / "certificate.png").stat().st_size > 5000
