"""Batch printing: an officer selects certificates (by event, skill, issue dates or a pasted list of
numbers) and gets print-ready PDFs; who printed what and when is recorded, and reprints are marked.

A job is a row of ``print_job`` with its items in print order. :func:`run_print_job` renders it (the
scheduler process calls :func:`run_pending_print_jobs`; ``flask certificates print`` runs one at once;
a small job runs inside the request). Rendering is chunked and may use worker processes
(:mod:`evaluation.batch_render`), so memory stays flat whatever the batch size; progress is committed
after each chunk for the page's progress bar.

Settings: ``SAIPING_PRINT_DIR`` (default ``<instance>/prints``), ``SAIPING_PRINT_CHUNK_SIZE`` (50),
``SAIPING_PRINT_PART_SIZE`` (1000 certificates per PDF), ``SAIPING_PRINT_WORKERS`` (2 on two or more
cores), ``SAIPING_PRINT_INLINE_LIMIT`` (jobs up to this size run in the request: 10).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from competition import permissions
from competition.errors import N_, Invalid, NotAllowed, StateConflict, not_found
from competition.extensions import db
from competition.models import Entry, Event, Result, Skill, User
from competition.services import audit
from evaluation import batch_render, printing
from evaluation.models import (
    Certificate,
    CertificateStatus,
    PrintJob,
    PrintJobItem,
    PrintJobStatus,
)
from evaluation.rules.certificate_number import normalise_certificate_number
from evaluation.services import certificates as certificate_service

MAX_GLYPH_PROBLEMS = 20


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def print_dir() -> Path:
    path = Path(_setting("SAIPING_PRINT_DIR", Path(current_app.instance_path) / "prints"))
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- selecting -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """What to print: any combination narrows the choice; ``numbers`` (pasted, one per line or separated
    by commas or spaces) alone picks exactly those certificates."""

    body_id: int
    event_code: str | None = None
    skill_code: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    numbers: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"body_id": self.body_id, "event_code": self.event_code, "skill_code": self.skill_code,
                "issued_from": self.issued_from.isoformat() if self.issued_from else None,
                "issued_to": self.issued_to.isoformat() if self.issued_to else None,
                "numbers": list(self.numbers)}


def parse_numbers(text: str | None) -> tuple[str, ...]:
    """Pasted certificate numbers: split on new lines, commas, semicolons and spaces; typed noise removed."""
    parts = re.split(r"[\n,;，；\t]+|\s{2,}", text or "")
    out = []
    for part in parts:
        number = normalise_certificate_number(part)
        if number and number not in out:
            out.append(number)
    return tuple(out)


def select_certificates(officer: User, selection: Selection) -> list[Certificate]:
    """Valid certificates of the selection's body, in number order. Raises NotAllowed for another body's
    officer, Invalid for an empty selection, a date range backwards, an unknown event or skill, or pasted
    numbers that are not this body's valid certificates (all of them named)."""
    if not permissions.can_issue_certificates(officer, selection.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    if not (selection.event_code or selection.skill_code or selection.issued_from or selection.issued_to
            or selection.numbers):
        raise Invalid("print.empty_selection", N_("Choose what to print: an event, a skill, issue dates or a "
                                                  "list of certificate numbers."))
    if selection.issued_from and selection.issued_to and selection.issued_to < selection.issued_from:
        raise Invalid("print.dates", N_("The end date is before the start date."))
    query = select(Certificate).where(Certificate.body_id == selection.body_id,
                                      Certificate.status == CertificateStatus.VALID)
    if selection.event_code or selection.skill_code:
        query = query.join(Result, Certificate.result_id == Result.id).join(Entry, Result.entry_id == Entry.id) \
            .join(Skill, Entry.skill_id == Skill.id).join(Event, Skill.event_id == Event.id)
        if selection.event_code:
            if db.session.scalar(select(Event.id).where(Event.code == selection.event_code)) is None:
                raise Invalid("print.event", N_("There is no event with the code %(code)s."),
                              code=selection.event_code)
            query = query.where(Event.code == selection.event_code)
        if selection.skill_code:
            query = query.where(Skill.code == selection.skill_code)
    if selection.issued_from:
        query = query.where(Certificate.issue_date >= selection.issued_from)
    if selection.issued_to:
        query = query.where(Certificate.issue_date <= selection.issued_to)
    if selection.numbers:
        query = query.where(Certificate.number.in_(selection.numbers))
    found = list(db.session.scalars(query.order_by(Certificate.number)))
    if selection.numbers:
        missing = sorted(set(selection.numbers) - {c.number for c in found})
        if missing:
            raise Invalid("print.unknown_numbers", N_("These numbers are not valid certificates of this body: "
                                                      "%(numbers)s"), numbers=", ".join(missing[:30])
                          + (" …" if len(missing) > 30 else ""))
    return found


# --- creating ------------------------------------------------------------------------------------

def check_glyphs(views: list[printing.CertificateView], problems: list[str]) -> None:
    """Append a line per certificate whose printed characters the font lacks (number, character, field)."""
    for view in views:
        try:
            printing.check_font_coverage([view])
        except printing.MissingGlyphError as error:
            problems.append(f"{view.certificate_number}: {error.char} ({error.codepoint}, "
                            f"{printing.FIELD_LABELS_ZH.get(error.field, error.field)} / "
                            f"{printing.FIELD_LABELS_EN.get(error.field, error.field)})")


def create_print_job(officer: User, selection: Selection) -> PrintJob:
    """Queue a job for the selected certificates, each marked as a reprint when it was printed before.
    Refuses (Invalid 'print.missing_glyph', naming every certificate and character, up to 20) when any
    certificate cannot be printed, so a batch never comes out with blank boxes. Audited."""
    chosen = select_certificates(officer, selection)
    if not chosen:
        raise Invalid("print.nothing", N_("No valid certificate matches this selection."))
    problems: list[str] = []
    for start in range(0, len(chosen), 200):
        check_glyphs([certificate_service.certificate_view(c) for c in chosen[start:start + 200]], problems)
        if len(problems) >= MAX_GLYPH_PROBLEMS:
            break
    if problems:
        raise Invalid("print.missing_glyph", N_("Some certificates contain a character the certificate font "
                                                "lacks, so nothing was queued: %(list)s. Correct or deselect "
                                                "them."), list="; ".join(problems[:MAX_GLYPH_PROBLEMS]))
    printed_before = set(db.session.scalars(select(PrintJobItem.certificate_id).where(
        PrintJobItem.certificate_id.in_([c.id for c in chosen]), PrintJobItem.printed_at.is_not(None))))
    job = PrintJob(body_id=selection.body_id, requested_by_id=officer.id, selection=selection.as_json(),
                   total=len(chosen), reprints=len(printed_before))
    for position, certificate in enumerate(chosen):
        job.items.append(PrintJobItem(certificate_id=certificate.id, position=position,
                                      reprint=certificate.id in printed_before))
    db.session.add(job)
    audit.record("print_job.create", job, actor=officer,
                 after={"selection": job.selection, "total": job.total, "reprints": job.reprints})
    return job


def job_for_officer(officer: User, job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise not_found()
    if not permissions.can_issue_certificates(officer, job.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    return job


def recent_jobs(body_ids: list[int], limit: int = 20) -> list[PrintJob]:
    return list(db.session.scalars(select(PrintJob).where(PrintJob.body_id.in_(body_ids))
                                   .order_by(PrintJob.id.desc()).limit(limit)))


def print_history(certificate_id: int) -> list[PrintJobItem]:
    return list(db.session.scalars(select(PrintJobItem).join(PrintJob).where(
        PrintJobItem.certificate_id == certificate_id, PrintJobItem.printed_at.is_not(None))
        .order_by(PrintJobItem.printed_at)))


# --- running -------------------------------------------------------------------------------------

def claim(job_id: int) -> bool:
    """Mark a queued job running; False when another runner took it first (one UPDATE, so two scheduler
    processes never run the same job)."""
    claimed = db.session.execute(update(PrintJob).where(PrintJob.id == job_id,
                                                        PrintJob.status == PrintJobStatus.QUEUED)
                                 .values(status=PrintJobStatus.RUNNING, started_at=datetime.now(UTC)))
    db.session.commit()
    return claimed.rowcount == 1


def _views(job: PrintJob, chunk_size: int) -> Iterator[list[printing.CertificateView]]:
    """The job's certificates as views, one chunk at a time (memory holds one chunk of rows)."""
    position = -1
    while True:
        items = db.session.scalars(select(PrintJobItem).where(PrintJobItem.job_id == job.id,
                                                              PrintJobItem.position > position)
                                   .order_by(PrintJobItem.position).limit(chunk_size)).all()
        if not items:
            return
        views = [certificate_service.certificate_view(item.certificate, reprint=item.reprint) for item in items]
        position = items[-1].position
        problems: list[str] = []
        check_glyphs(views, problems)
        if problems:  # issued or edited since the job was queued
            raise Invalid("print.missing_glyph", N_("Some certificates contain a character the certificate font "
                                                    "lacks, so nothing was queued: %(list)s. Correct or deselect "
                                                    "them."), list="; ".join(problems))
        # No expunge: the identity map holds rows weakly, so a chunk's rows go once its views are built.
        yield views


def run_print_job(job_id: int, *, progress: Callable[[int], Any] | None = None,
                  workers: int | None = None) -> PrintJob:
    """Render one job to PDF parts in the print folder, committing progress after each chunk, then mark its
    items printed (who: the job's officer; when: now) and the job done. A job that fails is marked failed
    with the reason in both languages; nothing is marked printed. Claims a queued job first (a job already
    running or finished is left alone: StateConflict). ``progress(n)`` gets each chunk's count."""
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise not_found()
    if job.status == PrintJobStatus.QUEUED and not claim(job_id):
        raise StateConflict("print.taken", N_("Another process is already printing this job."))
    job = db.session.get(PrintJob, job_id)
    if job.status != PrintJobStatus.RUNNING:
        raise StateConflict("print.not_queued", N_("This print job has already run."))
    chunk_size = int(_setting("SAIPING_PRINT_CHUNK_SIZE", batch_render.DEFAULT_CHUNK_SIZE))
    part_size = int(_setting("SAIPING_PRINT_PART_SIZE", batch_render.DEFAULT_PART_SIZE))
    part_size = max(chunk_size, part_size - part_size % chunk_size)
    workers = workers if workers is not None else int(_setting("SAIPING_PRINT_WORKERS",
                                                               batch_render.default_workers()))
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        db.session.execute(update(PrintJob).where(PrintJob.id == job_id).values(done=done))
        db.session.commit()
        if progress is not None:
            progress(count)

    try:
        rendered = batch_render.render_in_parts(_views(job, chunk_size), print_dir(), name=f"job-{job_id}",
                                                part_size=part_size, workers=workers, progress=advance)
    except Exception as error:  # the job must end failed, whatever broke; the reason is kept
        db.session.rollback()
        failed = db.session.get(PrintJob, job_id)
        failed.status = PrintJobStatus.FAILED
        failed.finished_at = datetime.now(UTC)
        failed.error = _error_text(error)
        audit.record("print_job.fail", failed, actor=failed.requested_by, after={"error": failed.error})
        db.session.commit()
        if isinstance(error, Invalid | printing.MissingGlyphError | printing.LayoutOverflowError):
            return failed
        raise
    job = db.session.get(PrintJob, job_id)
    now = datetime.now(UTC)
    job.parts = [path.name for path in rendered.paths]
    job.status = PrintJobStatus.DONE
    job.done = job.total
    job.finished_at = now
    db.session.execute(update(PrintJobItem).where(PrintJobItem.job_id == job_id).values(printed_at=now))
    audit.record("print_job.done", job, actor=job.requested_by,
                 after={"total": job.total, "reprints": job.reprints, "parts": job.parts, "pages": rendered.pages})
    db.session.commit()
    return job


def _error_text(error: Exception) -> str:
    if isinstance(error, Invalid):
        texts = error.texts()
        return f"{texts['zh_CN']} / {texts['en']}"
    return str(error)[:2000] or error.__class__.__name__


def run_pending_print_jobs(limit: int | None = None) -> list[int]:
    """For the scheduler: run queued jobs, oldest first, each claimed so that two runners never share one.
    Returns the ids run. Needs an application context."""
    ran: list[int] = []
    while limit is None or len(ran) < limit:
        job_id = db.session.scalar(select(PrintJob.id).where(PrintJob.status == PrintJobStatus.QUEUED)
                                   .order_by(PrintJob.id).limit(1))
        if job_id is None:
            break
        if claim(job_id):
            run_print_job(job_id)
            ran.append(job_id)
    return ran


def fail_stale_jobs(older_than: timedelta = timedelta(hours=2)) -> int:
    """Jobs left running by a process that died are marked failed (the officer queues them again)."""
    cutoff = datetime.now(UTC) - older_than
    result = db.session.execute(update(PrintJob).where(PrintJob.status == PrintJobStatus.RUNNING,
                                                       PrintJob.started_at < cutoff)
                                .values(status=PrintJobStatus.FAILED, finished_at=datetime.now(UTC),
                                        error="interrupted / 中断"))
    db.session.commit()
    return result.rowcount


def job_progress(job: PrintJob) -> dict[str, Any]:
    """The small JSON the page polls."""
    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total,
            "percent": 100 if job.status == PrintJobStatus.DONE else (job.done * 100 // job.total if job.total else 0),
            "parts": len(job.parts or []), "error": job.error}


def part_path(job: PrintJob, part: int) -> Path:
    if job.status != PrintJobStatus.DONE or not 1 <= part <= len(job.parts or []):
        raise not_found()
    path = print_dir() / job.parts[part - 1]
    if not path.is_file():
        raise not_found()
    return path


def print_one(officer: User, certificate: Certificate) -> bytes:
    """An officer prints one certificate now: rendered in this process and recorded as a one-item job
    (a reprint when it was printed before)."""
    if not permissions.can_issue_certificates(officer, certificate.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    reprint = db.session.scalar(select(func.count()).select_from(PrintJobItem).where(
        PrintJobItem.certificate_id == certificate.id, PrintJobItem.printed_at.is_not(None))) > 0
    pdf = certificate_service.certificate_pdf(certificate, reprint=reprint)
    now = datetime.now(UTC)
    job = PrintJob(body_id=certificate.body_id, requested_by_id=officer.id, status=PrintJobStatus.DONE,
                   selection={"body_id": certificate.body_id, "numbers": [certificate.number], "single": True},
                   total=1, done=1, reprints=int(reprint), started_at=now, finished_at=now)
    job.items.append(PrintJobItem(certificate_id=certificate.id, position=0, reprint=reprint, printed_at=now))
    db.session.add(job)
    audit.record("print_job.done", job, actor=officer, after={"total": 1, "reprints": int(reprint),
                                                               "number": certificate.number})
    return pdf

