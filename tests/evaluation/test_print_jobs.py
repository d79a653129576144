"""Batch printing: selection, one print-ready PDF, chunks and parts, reprints, who printed what, the CLI."""
from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog
from evaluation.models import PrintJob, PrintJobItem
from evaluation.services import certificates, print_jobs
from tests import factories


def _certificates(officer, body, count, when=date(2026, 11, 23), start=200):
    out = []
    for i in range(count):
        person = factories.person(f"王{'一二三四五六七八九十'[i % 10]}{i}", sequence=start + 2 * i)
        out.append(certificates.issue_certificate(
            officer, body_id=body.id, person=person, grade_code="senior", occupation_code="6-31-01-03",
            occupation_name="电工", trade=None, route="assessment", issue_date=when))
    return out


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_selection_by_dates_and_numbers(body, officer):
    early = _certificates(officer, body, 2, date(2026, 3, 1))
    late = _certificates(officer, body, 2, date(2026, 9, 1), start=300)
    pick = print_jobs.select_certificates
    assert pick(officer, print_jobs.Selection(body.id, issued_from=date(2026, 6, 1))) == late
    assert pick(officer, print_jobs.Selection(body.id, issued_to=date(2026, 6, 1))) == early
    pasted = print_jobs.parse_numbers(f"{late[1].number}\n {early[0].number.lower()} , \n")
    assert set(pick(officer, print_jobs.Selection(body.id, numbers=pasted))) == {late[1], early[0]}
    with pytest.raises(DomainError) as unknown:
        pick(officer, print_jobs.Selection(body.id, numbers=("S000050123456263999999",)))
    assert unknown.value.code == "print.unknown_numbers" and "S000050123456263999999" in unknown.value.texts()["en"]
    with pytest.raises(DomainError) as empty:
        pick(officer, print_jobs.Selection(body.id))
    assert empty.value.code == "print.empty_selection"
    with pytest.raises(DomainError):
        pick(officer, print_jobs.Selection(body.id, issued_from=date(2026, 9, 1), issued_to=date(2026, 1, 1)))


def test_selection_by_event_and_skill(body, officer):
    from evaluation.services import records
    skill = factories.skill_with_scheme(factories.event("bayu-print"))
    contestant = factories.contestant("c9", "赵子轩", 171)
    result = factories.published_result(skill, contestant, place=1, award="first")
    from_event = records.issue_from_candidate(officer, body.id, result.id, contestant.person_id)
    _certificates(officer, body, 1)
    chosen = print_jobs.select_certificates(officer, print_jobs.Selection(body.id, event_code="bayu-print",
                                                                          skill_code="B01"))
    assert chosen == [from_event]
    with pytest.raises(DomainError):
        print_jobs.select_certificates(officer, print_jobs.Selection(body.id, event_code="no-such-event"))


def test_a_job_prints_one_pdf_records_who_and_when_and_marks_reprints(app, body, officer, tmp_path):
    app.config["SAIPING_PRINT_DIR"] = str(tmp_path)
    try:
        issued = _certificates(officer, body, 3)
        db.session.commit()
        job = print_jobs.create_print_job(officer, print_jobs.Selection(body.id, issued_from=date(2026, 1, 1)))
        db.session.commit()
        assert (job.status, job.total, job.reprints) == ("queued", 3, 0)
        seen = []
        job = print_jobs.run_print_job(job.id, progress=seen.append, workers=1)
        assert job.status == "done" and sum(seen) == 3 and len(job.parts) == 1
        path = print_jobs.part_path(job, 1)
        assert _pages(path) == 3
        text = _text(path)
        assert all(c.number in text for c in issued) and "补打" not in text
        items = db.session.scalars(select(PrintJobItem).where(PrintJobItem.job_id == job.id)).all()
        assert all(item.printed_at for item in items) and job.requested_by_id == officer.id
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "print_job.done"))

        again = print_jobs.create_print_job(officer, print_jobs.Selection(body.id, numbers=(issued[1].number,)))
        db.session.commit()
        assert again.reprints == 1 and again.items[0].reprint
        again = print_jobs.run_print_job(again.id, workers=1)
        assert "补打" in _text(print_jobs.part_path(again, 1)) and "REPRINT" in _text(print_jobs.part_path(again, 1))
        with pytest.raises(DomainError):
            print_jobs.run_print_job(again.id)  # a job runs once
        assert [i.job_id for i in print_jobs.print_history(issued[1].id)] == [job.id, again.id]
    finally:
        app.config.pop("SAIPING_PRINT_DIR")


def test_large_batches_render_in_chunks_and_parts_in_worker_processes(app, body, officer, tmp_path):
    app.config.update(SAIPING_PRINT_DIR=str(tmp_path), SAIPING_PRINT_CHUNK_SIZE=2, SAIPING_PRINT_PART_SIZE=4)
    try:
        _certificates(officer, body, 5)
        db.session.commit()
        job = print_jobs.create_print_job(officer, print_jobs.Selection(body.id, issued_from=date(2026, 1, 1)))
        db.session.commit()
        chunks = []
        job = print_jobs.run_print_job(job.id, progress=chunks.append, workers=2)
        assert chunks == [2, 2, 1]
        assert [_pages(print_jobs.part_path(job, n)) for n in (1, 2)] == [4, 1]
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"job-{job.id}-1.pdf", f"job-{job.id}-2.pdf"]
    finally:
        for key in ("SAIPING_PRINT_DIR", "SAIPING_PRINT_CHUNK_SIZE", "SAIPING_PRINT_PART_SIZE"):
            app.config.pop(key)


def test_a_batch_with_an_unprintable_name_is_refused_naming_it(body, officer):
    issued = _certificates(officer, body, 2)
    issued[1].person.name = "龙𪚥"
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        print_jobs.create_print_job(officer, print_jobs.Selection(body.id, issued_from=date(2026, 1, 1)))
    text = refused.value.texts()["en"]
    assert refused.value.code == "print.missing_glyph" and issued[1].number in text and "U+2A6A5" in text
    assert issued[0].number not in text


def test_the_pages_and_the_progress_endpoint(app, browser, tmp_path):
    app.config["SAIPING_PRINT_DIR"] = str(tmp_path)
    try:
        with app.test_request_context():
            body = factories.evaluation_body()
            officer = factories.officer(body)
            issued = _certificates(officer, body, 2)
            db.session.commit()
            body_id, numbers = body.id, [c.number for c in issued]
        browser.login("officer")
        response = browser.post("/evaluation/print", {"body_id": str(body_id), "numbers": "\n".join(numbers)})
        assert response.status_code == 302
        job_url = response.headers["Location"]
        page = browser.get(job_url).get_data(as_text=True)
        assert 'id="print-progress"' in page and "print_job.js" in page and "<script>" not in page
        progress = browser.get(job_url + ".json").get_json()
        assert progress["status"] == "done" and progress["percent"] == 100 and len(progress["parts"]) == 1
        pdf = browser.get(progress["parts"][0])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"
        pdf.close()
        refused = browser.post("/evaluation/print", {"body_id": str(body_id), "numbers": "S000050123456263999999"})
        assert refused.status_code == 200 and "S000050123456263999999" in refused.get_data(as_text=True)
    finally:
        app.config.pop("SAIPING_PRINT_DIR")


def test_queued_jobs_wait_for_the_scheduler(app, browser, tmp_path):
    app.config.update(SAIPING_PRINT_DIR=str(tmp_path), SAIPING_PRINT_INLINE_LIMIT=0)
    try:
        with app.test_request_context():
            body = factories.evaluation_body()
            officer = factories.officer(body)
            _certificates(officer, body, 2)
            db.session.commit()
            body_id = body.id
        browser.login("officer")
        job_url = browser.post("/evaluation/print", {"body_id": str(body_id), "issued_from": "2026-01-01"}
                               ).headers["Location"]
        assert browser.get(job_url + ".json").get_json()["status"] == "queued"
        with app.app_context():
            assert len(print_jobs.run_pending_print_jobs()) == 1
        assert browser.get(job_url + ".json").get_json()["status"] == "done"
    finally:
        app.config.pop("SAIPING_PRINT_DIR")
        app.config.pop("SAIPING_PRINT_INLINE_LIMIT")


def test_cli_prints_with_a_progress_bar(app, tmp_path):
    app.config["SAIPING_PRINT_DIR"] = str(tmp_path)
    try:
        with app.test_request_context():
            event = factories.event("bayu-cli")
            skill = factories.skill_with_scheme(event)
            body = factories.evaluation_body()
            officer = factories.officer(body)
            from evaluation.services import records
            for i in range(2):
                contestant = factories.contestant(f"cli{i}", f"钱{'一二'[i]}", 181 + 2 * i)
                result = factories.published_result(skill, contestant, place=i + 1, award="first")
                records.issue_from_candidate(officer, body.id, result.id, contestant.person_id)
            db.session.commit()
        outcome = app.test_cli_runner().invoke(args=["certificates", "print", "--officer", "officer",
                                                     "--event", "bayu-cli", "--workers", "1"])
        assert outcome.exit_code == 0, outcome.output
        assert "2 certificates (0 reprints) in 1 PDF(s)" in outcome.output and "job 1" in outcome.output
        pdf = next(tmp_path.glob("job-*-1.pdf"))
        assert _pages(pdf) == 2
        refused = app.test_cli_runner().invoke(args=["certificates", "print", "--officer", "officer",
                                                     "--event", "no-such"])
        assert refused.exit_code != 0 and "no-such" in refused.output
        with app.app_context():
            assert db.session.scalar(select(PrintJob.status)) == "done"
    finally:
        app.config.pop("SAIPING_PRINT_DIR")
