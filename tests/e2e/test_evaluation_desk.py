"""The evaluation desk in Chromium: an assessment record from the form to the printed batch and the public check."""
from __future__ import annotations

from pathlib import Path

import pytest

from competition.extensions import db
from tests import factories

pytestmark = pytest.mark.e2e


def test_officer_records_approves_prints_and_the_public_verifies(app, new_page, tmp_path: Path):
    app.config["SAIPING_PRINT_DIR"] = str(tmp_path / "prints")
    try:
        with app.test_request_context():
            body = factories.evaluation_body()
            factories.officer(body)
            db.session.commit()
        page = new_page(viewport={"width": 1280, "height": 900})
        page.goto("/login")
        page.fill("#username", "officer")
        page.fill("#password", factories.PASSWORD)
        page.click("#submit")
        page.wait_for_url("**/me")
        page.goto("/evaluation/")
        page.click("a[href$='/evaluation/records/new/assessment']")
        page.fill("#name", "王淼垚")
        page.fill("#id_number", factories.id_number(sequence=191))
        page.fill("#occupation_code", "6-31-01-03")
        page.fill("#occupation_name", "电工")
        page.select_option("#grade_code", "intermediate")
        page.fill("#theory", "78")
        page.fill("#practical", "84")
        page.fill("#years_in_occupation", "7")
        page.click("#submit")
        page.wait_for_selector(".eligibility")
        page.screenshot(path=str(tmp_path / "record.png"), full_page=True)
        assert "years_in_occupation" in page.inner_text(".eligibility")
        page.click(".decision button.btn-success")
        page.wait_for_selector("h1 code")
        number = page.inner_text("h1 code")
        assert len(number) == 22 and number.endswith("4000001")
        page.screenshot(path=str(tmp_path / "certificate.png"), full_page=True)

        page.goto("/evaluation/print")
        page.fill("#numbers", number)
        page.click("#submit")
        page.wait_for_selector(".job-parts a")
        assert page.get_attribute(".job-bar", "value") == "100"
        page.screenshot(path=str(tmp_path / "print.png"), full_page=True)

        public = new_page(viewport={"width": 390, "height": 844})
        page.goto("/evaluation/")
        page.click(f"text={number}")
        verify_link = page.get_attribute("a[href*='/verify?number=']", "href")
        public.goto(verify_link)
        public.wait_for_selector(".verify-result")
        assert "王*垚" in public.inner_text(".verify-result") and "王淼垚" not in public.content()
        public.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
    finally:
        app.config.pop("SAIPING_PRINT_DIR")
