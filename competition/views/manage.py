"""The organiser's pages (组委会): events, skills, marking schemes, entries, judges, results."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from competition import permissions
from competition.errors import DomainError, not_found
from competition.extensions import db
from competition.forms import (
    AspectForm,
    AssignJudgeForm,
    EventForm,
    RejectForm,
    SchedulePublicationForm,
    SkillForm,
    UploadForm,
)
from competition.i18n import colon
from competition.models import Entry, Event, EventKind, Person
from competition.services import events, judging, publication, results, rounds
from competition.services.events import get_or_404
from competition.views._helpers import attempt, form_errors, managed_event, managed_skill, require
from evaluation.models import GradeLevel

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
@login_required
def _signed_in() -> None:
    require(permissions.can_manage_any_event)


@bp.get("/")
def dashboard():
    managed = [e for e in db.session.scalars(select(Event).order_by(Event.year.desc(), Event.id))
               if permissions.can_manage_event(current_user, e)]
    return render_template("manage/dashboard.html", events=managed,
                           can_create=permissions.can_create_event(current_user))


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    require(permissions.can_create_event)
    form = EventForm()
    form.previous_round_id.choices = [SelectChoice("", _("None (the first round)"))] + [
        SelectChoice(str(e.id), f"{e.year} · {e.name} ({e.code})") for e in db.session.scalars(
            select(Event).where(Event.kind == EventKind.WORLDSKILLS_SELECTION).order_by(Event.year.desc(), Event.id))]
    if form.validate_on_submit():
        try:
            event = events.create_event(code=form.code.data, name=form.name.data, name_en=form.name_en.data,
                                        kind=form.kind.data, tier=form.tier.data, year=form.year.data,
                                        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                        venue=form.venue.data,
                                        previous_round_id=int(form.previous_round_id.data or 0) or None)
            db.session.commit()
            return redirect(url_for("manage.event", event_id=event.id))
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.text())
    form_errors(form)
    return render_template("manage/event_new.html", form=form)


def _skill_form() -> SkillForm:
    form = SkillForm()
    grades = db.session.scalars(select(GradeLevel).where(GradeLevel.level_digit.is_not(None))
                                .order_by(GradeLevel.position))
    form.level_grade_code.choices = [SelectChoice(g.code, g.certificate_label) for g in grades]
    return form


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    item = managed_event(event_id)
    rounds_choice = [e for e in db.session.scalars(select(Event).where(
        Event.kind == item.kind, Event.id != item.id).order_by(Event.year.desc(), Event.id))
        if permissions.can_manage_event(current_user, e)] if item.kind == EventKind.WORLDSKILLS_SELECTION else []
    return render_template("manage/event.html", event=item, skill_form=_skill_form(), rounds_choice=rounds_choice,
                           next_statuses=sorted(events.NEXT_STATUS[item.status]),
                           counts=events.entry_counts(item))


@bp.post("/events/<int:event_id>/previous-round")
def previous_round(event_id: int):
    item = managed_event(event_id)
    raw = (request.form.get("previous_round_id") or "").strip()
    if raw and not raw.isdigit():
        flash(_("Choose the previous round from the list."), "danger")
        return redirect(url_for("manage.event", event_id=event_id))
    return attempt(lambda: rounds.set_previous_round(item, int(raw) if raw else None, current_user),
                   _("The previous round has been saved."), url_for("manage.event", event_id=event_id))


@bp.post("/events/<int:event_id>/start-from-previous")
def start_from_previous(event_id: int):
    item = managed_event(event_id)
    try:
        added = rounds.start_from_previous(current_user, item)
        db.session.commit()
        flash(_("%(n)s entries of the previous round's squad have been entered.", n=added), "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
    return redirect(url_for("manage.event", event_id=event_id))


@bp.post("/events/<int:event_id>/status/<status>")
def event_status(event_id: int, status: str):
    item = managed_event(event_id)
    return attempt(lambda: events.change_status(item, status), _("The event status has been changed."),
                   url_for("manage.event", event_id=event_id))


@bp.post("/events/<int:event_id>/skills")
def add_skill(event_id: int):
    item = managed_event(event_id)
    form = _skill_form()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("manage.event", event_id=event_id))
    return attempt(lambda: events.add_skill(
        item, code=form.code.data, name=form.name.data, name_en=form.name_en.data,
        occupation_code=form.occupation_code.data, occupation_name=form.occupation_name.data,
        trade=form.trade.data, level_grade_code=form.level_grade_code.data, team_size=int(form.team_size.data),
        theory_weight=form.theory_weight.data or 0, practical_weight=100 - (form.theory_weight.data or 0),
        capacity=form.capacity.data), _("The skill has been added."), url_for("manage.event", event_id=event_id))


@bp.get("/skills/<int:skill_id>")
def skill(skill_id: int):
    item = managed_skill(skill_id)
    judge_form = AssignJudgeForm()
    assigned = {a.person_id for a in judging.assignments(item)}
    judge_form.person_id.choices = [SelectChoice(str(p.id), p.name) for p in judging.judge_pool()
                                   if p.id not in assigned]
    scheme = events.published_scheme(item.id)
    draft = events.latest_draft(item.id)
    entries = db.session.scalars(select(Entry).where(Entry.skill_id == item.id).order_by(Entry.id)).all()
    return render_template(
        "manage/skill.html", skill=item, scheme=scheme, draft=draft,
        problems=events.scheme_problems(draft) if draft else [], aspect_form=AspectForm(),
        entries=entries, reject_form=RejectForm(), judge_form=judge_form,
        assignments=judging.assignments(item), rows=results.result_rows(item), upload_form=UploadForm(),
        missing=results.missing_marks(item) if scheme else [], schedule_form=SchedulePublicationForm(),
        open_appeals=publication.open_appeals(item))


def _back(skill_id: int) -> str:
    return url_for("manage.skill", skill_id=skill_id)


@bp.post("/skills/<int:skill_id>/aspects")
def add_aspect(skill_id: int):
    item = managed_skill(skill_id)
    form = AspectForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back(skill_id))
    descriptors = [line for line in (form.descriptors.data or "").splitlines() if line.strip()]
    bands = [tuple(line.split()[:2]) for line in (form.bands.data or "").splitlines() if line.strip()]
    return attempt(lambda: events.add_aspect(
        item, criterion_code=form.criterion_code.data, criterion_name=form.criterion_name.data or "",
        sub_criterion=form.sub_criterion.data, sub_criterion_name=form.sub_criterion_name.data,
        code=form.code.data, description=form.description.data, kind=form.kind.data,
        method=form.method.data if form.kind.data == "measurement" else None,
        bands=[b if len(b) == 2 else (b[0], "") for b in bands],
        max_mark=form.max_mark.data, descriptors=descriptors), _("The aspect has been added."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/scheme/publish")
def publish_scheme(skill_id: int):
    item = managed_skill(skill_id)
    return attempt(lambda: events.publish_scheme(item), _("The marking scheme has been published."),
                   _back(skill_id))


@bp.post("/entries/<int:entry_id>/approve")
def approve_entry(entry_id: int):
    from competition.services import entries
    entry = get_or_404(Entry, entry_id)
    managed_skill(entry.skill_id)
    return attempt(lambda: entries.decide_entry(entry, True), _("The entry has been approved."),
                   _back(entry.skill_id))


@bp.post("/entries/<int:entry_id>/reject")
def reject_entry(entry_id: int):
    from competition.services import entries
    entry = get_or_404(Entry, entry_id)
    managed_skill(entry.skill_id)
    form = RejectForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back(entry.skill_id))
    return attempt(lambda: entries.decide_entry(entry, False, form.reason.data),
                   _("The entry has been rejected."), _back(entry.skill_id))


@bp.post("/skills/<int:skill_id>/judges")
def assign_judge(skill_id: int):
    item = managed_skill(skill_id)
    form = AssignJudgeForm()
    form.person_id.choices = [SelectChoice(str(p.id), p.name) for p in judging.judge_pool()]
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back(skill_id))
    person = db.session.get(Person, form.person_id.data)
    if person is None:
        raise not_found()
    return attempt(lambda: judging.assign_judge(item, person, form.role.data),
                   _("The judge has been assigned."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/results/compute")
def compute_results(skill_id: int):
    item = managed_skill(skill_id)
    return attempt(lambda: results.compute(item), _("The results have been computed. The chief judge reviews "
                                                    "them next."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/results/publish")
def publish_results(skill_id: int):
    item = managed_skill(skill_id)
    return attempt(lambda: publication.publish(current_user, item), _("The results have been published for "
                                                                      "public review."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/results/schedule")
def schedule_results(skill_id: int):
    item = managed_skill(skill_id)
    form = SchedulePublicationForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back(skill_id))
    when = form.publish_at.data.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return attempt(lambda: publication.schedule(current_user, item, when),
                   _("The publication has been scheduled."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/results/unschedule")
def unschedule_results(skill_id: int):
    item = managed_skill(skill_id)
    return attempt(lambda: publication.cancel_schedule(current_user, item),
                   _("The scheduled publication has been cancelled."), _back(skill_id))


@bp.post("/skills/<int:skill_id>/results/finalise")
def finalise_results(skill_id: int):
    item = managed_skill(skill_id)
    return attempt(lambda: publication.finalise(item, current_user), _("The results are final."), _back(skill_id))


def _uploaded(skill_id: int) -> tuple[bytes, str] | None:
    """The uploaded file's bytes and name, or None after flashing why the form was refused."""
    form = UploadForm()
    if not form.validate_on_submit():
        form_errors(form)
        return None
    return form.file.data.read(), form.file.data.filename or ""


def _row_problems(problems: list[tuple[int, str]], skill_id: int) -> Response:
    db.session.rollback()
    flash(_("Nothing was imported: %(n)s rows need fixing.", n=len(problems)), "danger")
    for row, message in problems[:50]:
        flash(_("Row %(row)s: %(message)s", row=row, message=message), "warning")
    return redirect(_back(skill_id))


@bp.post("/skills/<int:skill_id>/theory")
def import_theory(skill_id: int):
    """Theory scores from the exam system: stored only when every row is right (all or nothing)."""
    from competition.services import marking
    item = managed_skill(skill_id)
    upload = _uploaded(skill_id)
    if upload is None:
        return redirect(_back(skill_id))
    data, filename = upload
    try:
        scores, problems = marking.check_theory_file(item, data, filename)
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(_back(skill_id))
    if problems:
        return _row_problems([(p.row, f"{p.column}{colon()}{p.message}") for p in problems], skill_id)
    return attempt(lambda: marking.import_theory(item, scores, filename),
                   _("%(n)s theory scores checked and stored.", n=len(scores)), _back(skill_id))


@bp.get("/skills/<int:skill_id>/paper.pdf")
def paper_forms(skill_id: int):
    from competition.services import paper
    item = managed_skill(skill_id)
    return Response(paper.paper_forms_pdf(item), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="marking-forms-{item.code}.pdf"'})


@bp.route("/skills/<int:skill_id>/paper", methods=["GET", "POST"])
def paper_entry(skill_id: int):
    """Typing paper forms: each clerk types a judge's form for a competitor; two clerks must agree."""
    from competition.services import draw, marking, paper
    item = managed_skill(skill_id)
    judges = marking.scorers(item)
    entries = marking.markable_entries(item)
    judge_id = request.values.get("judge", type=int)
    entry_id = request.values.get("entry", type=int)
    judge = next((j for j in judges if j.id == judge_id), None)
    entry = next((e for e in entries if e.id == entry_id), None)
    if request.method == "POST" and judge is not None and entry is not None:
        values = {int(key[7:]): value for key, value in request.form.items() if key.startswith("aspect-")
                  and key[7:].isdigit()}
        return attempt(lambda: paper.enter_paper_form(current_user, item, judge, entry, values),
                       _("The form has been typed in."),
                       url_for("manage.paper_entry", skill_id=skill_id, judge=judge.id))
    return render_template("manage/paper.html", skill=item, judges=judges, entries=entries, judge=judge,
                           entry=entry, scheme=events.published_scheme(item.id), mismatches=paper.mismatches(item),
                           labels=draw.judge_labels(item))


@bp.post("/skills/<int:skill_id>/scheme/import")
def import_scheme(skill_id: int):
    """A marking scheme from a workbook: replaces the draft only when every row is right."""
    item = managed_skill(skill_id)
    upload = _uploaded(skill_id)
    if upload is None:
        return redirect(_back(skill_id))
    try:
        problems = events.import_scheme(item, *upload)
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(_back(skill_id))
    if problems:
        return _row_problems(problems, skill_id)
    db.session.commit()
    flash(_("The draft scheme has been replaced by the workbook. Check it, then publish it."), "success")
    return redirect(_back(skill_id))


@bp.get("/scheme-template.xlsx")
def scheme_template():
    from competition.services import tabular
    headers = [c.headers[0] for c in events.SCHEME_COLUMNS]
    example = [["A", "安全文明生产", "A1", "防护", "A1.1", "穿戴劳保用品", "测量", "是否", 5, "", "", "", ""],
               ["B", "工艺", "B1", "布线", "B1.1", "布线横平竖直", "评价", "", 10, "低于行业标准", "达到行业标准",
                "达到并部分超过行业标准", "优秀"]]
    return Response(tabular.write_xlsx(headers, example, "评分标准"), headers={
        "Content-Disposition": 'attachment; filename="marking-scheme-template.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
