"""The public results pages on a 375 px phone, and the judging quality report's charts, in Chromium."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from competition.extensions import db
from competition.models import EventKind, OrgKind
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# SAIPING_SCREENSHOTS=<folder> keeps the screenshots for a person to look at.
SHOTS = os.environ.get("SAIPING_SCREENSHOTS")


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _fits(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _world(app) -> dict:
    with app.test_request_context():
        delegations = [factories.organisation(name, OrgKind.COUNTRY, country=code, name_en=en) for name, code, en in (
            ("泰国代表团", "TH", "Thailand"), ("越南代表团", "VN", "Viet Nam"), ("老挝代表团", "LA", "Laos"),
            ("柬埔寨代表团", "KH", "Cambodia"), ("马来西亚代表团", "MY", "Malaysia"))]
        people = [("Somchai Wongsawat", delegations[0], 60, (3, 3, 3)),
                  ("Nguyen Van An", delegations[1], 55, (3, 2, 3)), ("Bounmy Phommachanh", delegations[2], 50, (2, 2, 2)),
                  ("Sokha Chan", delegations[3], 45, (2, 1, 2)), ("Ahmad bin Ismail", delegations[4], 40, (2, 2, 1)),
                  ("Anong Srisuk", delegations[0], 30, (1, 1, 1))]
        skill, made, _scorers, _chief = factories.scored_skill(people, kind=EventKind.BELT_AND_ROAD, code="br-e2e")
        factories.organiser("organiser")
        db.session.commit()
        return {"skill": skill.id, "event": skill.event_id, "number": made[1].competitor_number}


def test_results_pages_on_a_phone(app, new_page, tmp_path: Path):
    world = _world(app)
    page = new_page(**PHONE)
    page.goto(f"/skills/{world['skill']}/results")
    assert page.locator(".results-table tbody tr").count() == 6
    assert "Somchai Wongsawat" in page.locator(".results-table tbody tr").first.inner_text()
    assert "金牌" in page.content() and _fits(page)
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.table-responsive')).every(t => t.scrollWidth <= t.clientWidth)")
    _shot(page, tmp_path, "results-skill-375")

    page.goto(f"/events/{world['event']}/results")
    assert "Nguyen Van An" in page.content() and _fits(page)
    _shot(page, tmp_path, "results-event-375")

    page.goto(f"/events/{world['event']}/medals")
    rows = page.locator(".medal-table tbody tr")
    assert rows.count() == 5 and "泰国" in rows.first.inner_text() and _fits(page)
    _shot(page, tmp_path, "medals-375")

    page.goto(f"/events/{world['event']}/lookup")
    page.select_option("#skill_id", str(world["skill"]))
    page.fill("#number", world["number"])
    page.click("#submit")
    assert "Nguyen Van An" in page.locator(".results-table").inner_text() and _fits(page)
    _shot(page, tmp_path, "lookup-375")

    english = new_page(locale="en", **PHONE)
    english.goto("/lang/en")
    english.goto(f"/skills/{world['skill']}/results")
    assert "Gold medal" in english.content() and "WorldSkills scale" in english.content()
    assert _fits(english) and english.evaluate(
        "Array.from(document.querySelectorAll('.table-responsive')).every(t => t.scrollWidth <= t.clientWidth)")
    _shot(english, tmp_path, "results-skill-375-en")


def test_quality_report_charts_render_under_the_csp(app, new_page, tmp_path: Path):
    world = _world(app)
    page = new_page(viewport={"width": 1200, "height": 900})
    login(page, "organiser")
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(f"/reports/skills/{world['skill']}/quality")
    charts = page.locator("img.quality-chart")
    assert charts.count() == 2
    widths = page.evaluate("Array.from(document.querySelectorAll('img.quality-chart')).map(i => i.naturalWidth)")
    assert all(width > 100 for width in widths), widths
    assert refused == []
    _shot(page, tmp_path, "quality")
