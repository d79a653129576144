"""Reports for organisers and chief judges: result exports (Excel, CSV, PDF results book), every download
audited, and the judging quality report of a skill."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from competition import permissions
from competition.extensions import db
from competition.models import Event, ResultsStatus, Skill
from competition.services import audit, quality, results_public, tabular
from competition.services.events import get_or_404
from competition.views._helpers import managed_event, require

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every report needs a signed-in user; each route then checks its own permission."""


def _computed_skills(event: Event) -> list[Skill]:
    """Skills with results, published or not: the organisers' exports show drafts too, with their status."""
    return [skill for skill in event.skills if skill.results_status != ResultsStatus.NONE]


def _download(event: Event, body: bytes, kind: str, mimetype: str, skills: list[Skill]) -> Response:
    audit.record("results.export", event, after={"format": kind, "skills": [skill.code for skill in skills],
                                                 "bytes": len(body)})
    db.session.commit()
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="results-{event.code}.{kind}"', "Cache-Control": "no-store"})


@bp.get("/events/<int:event_id>/results.xlsx")
def results_xlsx(event_id: int):
    event = managed_event(event_id)
    skills = _computed_skills(event)
    body = tabular.write_xlsx(results_public.EXPORT_HEADERS, results_public.export_rows(event, skills), "成绩 Results")
    return _download(event, body, "xlsx", XLSX, skills)


@bp.get("/events/<int:event_id>/results.csv")
def results_csv(event_id: int):
    event = managed_event(event_id)
    skills = _computed_skills(event)
    body = tabular.write_csv(results_public.CSV_HEADERS, results_public.csv_rows(event, skills))
    return _download(event, body, "csv", "text/csv; charset=utf-8", skills)


@bp.get("/events/<int:event_id>/results.pdf")
def results_book(event_id: int):
    """The results book of the published skills (a book is a publication: drafts are not printed)."""
    event = managed_event(event_id)
    skills = results_public.published_skills(event)
    if not skills:
        flash(_("No results have been published yet."), "warning")
        return redirect(url_for("manage.event", event_id=event.id))
    return _download(event, results_public.results_book_pdf(event, skills), "pdf", "application/pdf", skills)


@bp.get("/skills/<int:skill_id>/quality")
def skill_quality(skill_id: int):
    """The judging quality report: for the organisers and the skill's chief judge."""
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_view_unpublished_results, skill)
    report = quality.skill_report(skill)
    return render_template("reports/quality.html", skill=skill, report=report, charts=quality.charts(report))
