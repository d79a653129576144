"""Judges' pages: the organiser's judge pool, conflicts, panels, automatic assignment and letters (under
/manage), and a judge's own declarations of interest (/judge/conflicts)."""
from __future__ import annotations

import click
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from competition import permissions
from competition.errors import DomainError, forbidden, not_found
from competition.extensions import db
from competition.labels import JUDGE_ROLE
from competition.models import Event, Person
from competition.models.judging import (
    AssignmentRun,
    ConflictWaiver,
    JudgeLevel,
    JudgePanel,
    JudgeRelation,
    RelationKind,
)
from competition.rules.conflicts import ConflictType
from competition.services import judge_import, judging
from competition.services.events import get_or_404
from competition.views._helpers import attempt, form_errors, managed_event, managed_skill, require

bp = Blueprint("judges", __name__)

LEVEL = {JudgeLevel.NATIONAL: _l("National level"), JudgeLevel.MUNICIPAL: _l("Municipal level"),
         JudgeLevel.INDUSTRY: _l("Industry level")}
CONFLICT_TYPE = judging.CONFLICT_TYPE_LABELS
EFFECT = {"not_on_panel": _l("Not on the panel"), "not_marking": _l("On the panel, does not mark them"),
          judging.OFF: _l("Not checked")}
RELATION = {RelationKind.TEACHER_OF: _l("Teacher or coach"), RelationKind.RELATIVE: _l("Relative"),
            RelationKind.DECLARED: _l("Other interest")}
MY_RELATION = {RelationKind.RELATIVE: _l("They are my relative"),
               RelationKind.TEACHER_OF: _l("I teach or coach them"),
               RelationKind.DECLARED: _l("Another interest (describe it in the note)")}
RUN_STATUS = {"optimal": _l("Best possible assignment"), "feasible": _l("Valid assignment (time limit reached)"),
              "infeasible": _l("No valid assignment"), "unknown": _l("No answer within the time limit")}
_GROUPS = {"level": LEVEL, "conflict_type": CONFLICT_TYPE, "effect": EFFECT, "relation": RELATION,
           "run_status": RUN_STATUS}


@bp.context_processor
def _labels() -> dict:
    def judge_label(group: str, code: str | None) -> str:
        if code is None:
            return ""
        return str(_GROUPS[group].get(code, code))
    return {"judge_label": judge_label, "panel_label": judging.panel_label, "entry_label": judging.entry_label}


# --- forms ------------------------------------------------------------------------------------------------

def _choices(labelled: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labelled.items()]


class PoolImportForm(FlaskForm):
    file = FileField(_l("Excel workbook (.xlsx) or CSV"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Check only (dry run): store nothing"), default=True)
    submit = SubmitField(_l("Upload"))


class ProfileForm(FlaskForm):
    level = SelectField(_l("Qualification level"), choices=_choices(LEVEL))
    occupations = SelectMultipleField(_l("Occupations they may judge"), validators=[DataRequired()])
    district = StringField(_l("District (区县) they come from"), validators=[Optional(), Length(max=32)])
    languages = StringField(_l("Languages (codes, e.g. zh en)"), validators=[Optional(), Length(max=100)])
    past_events = TextAreaField(_l("Past events judged before SaiPing (one per line)"),
                                validators=[Optional(), Length(max=4000)])
    max_panels = IntegerField(_l("Panels per event at most"), default=2,
                              validators=[NumberRange(0, judging.MAX_PANELS_LIMIT)])
    may_chair = BooleanField(_l("May chair a panel (裁判长)"))
    active = BooleanField(_l("Active in the pool"), default=True)
    submit = SubmitField(_l("Save the pool record"))


class RelationForm(FlaskForm):
    kind = SelectField(_l("Tie"), choices=_choices(RELATION))
    other_name = StringField(_l("Name of the person"), validators=[DataRequired(), Length(max=100)])
    other_id_number = StringField(_l("Their ID number (if known)"), validators=[Optional(), Length(max=32)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record"))


class DeclarationForm(RelationForm):
    kind = SelectField(_l("What ties you to them"), choices=_choices(MY_RELATION))
    submit = SubmitField(_l("Declare"))


class WaiverForm(FlaskForm):
    judge_person_id = IntegerField(validators=[DataRequired()])
    entry_id = IntegerField(validators=[DataRequired()])
    conflict_type = StringField(validators=[DataRequired()])
    reason = TextAreaField(_l("Written reason"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Waive"))


class PanelForm(FlaskForm):
    module = StringField(_l("Module (empty: the whole skill)"), validators=[Optional(), Length(max=32)])
    name = StringField(_l("Panel name"), validators=[Optional(), Length(max=200)])
    scorers_min = IntegerField(_l("Scorers, at least"), validators=[NumberRange(0, 50)])
    scorers_target = IntegerField(_l("Scorers wanted"), validators=[Optional(), NumberRange(0, 50)])
    scorers_max = IntegerField(_l("Scorers, at most"), validators=[NumberRange(0, 50)])
    deputies_min = IntegerField(_l("Deputy chief judges, at least"), validators=[NumberRange(0, 1)])
    deputies_max = IntegerField(_l("Deputy chief judges, at most"), validators=[NumberRange(0, 1)])
    national = IntegerField(_l("National-level judges, at least"), validators=[Optional(), NumberRange(0, 50)])
    municipal = IntegerField(_l("Municipal-level or higher, at least"), validators=[Optional(), NumberRange(0, 50)])
    time_slots = StringField(_l("Days or half-days (empty: every day of the event)"),
                             validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save the panel"))

    def values(self) -> dict:
        levels = {}
        if self.national.data:
            levels[JudgeLevel.NATIONAL.value] = self.national.data
        if self.municipal.data:
            levels[JudgeLevel.MUNICIPAL.value] = self.municipal.data
        return {"name": (self.name.data or "").strip() or None, "scorers_min": self.scorers_min.data,
                "scorers_max": self.scorers_max.data, "scorers_target": self.scorers_target.data,
                "deputies_min": self.deputies_min.data, "deputies_max": self.deputies_max.data,
                "min_levels": levels, "time_slots": (self.time_slots.data or "").replace("，", ",").split(",")}

    @classmethod
    def of(cls, panel: JudgePanel) -> PanelForm:
        form = cls(prefix=f"p{panel.id}")
        form.module.data, form.name.data = panel.module, panel.name
        form.scorers_min.data, form.scorers_max.data = panel.scorers_min, panel.scorers_max
        form.scorers_target.data = panel.scorers_target
        form.deputies_min.data, form.deputies_max.data = panel.deputies_min, panel.deputies_max
        form.national.data = panel.min_levels.get(JudgeLevel.NATIONAL.value, 0)
        form.municipal.data = panel.min_levels.get(JudgeLevel.MUNICIPAL.value, 0)
        form.time_slots.data = ", ".join(panel.time_slots)
        return form


class SeatForm(FlaskForm):
    person_id = SelectField(_l("Judge"), coerce=int)
    role = SelectField(_l("Role"), choices=_choices(JUDGE_ROLE))
    submit = SubmitField(_l("Seat"))


class PreviewForm(FlaskForm):
    seed = IntegerField(_l("Seed (empty: a new random one)"), validators=[Optional(), NumberRange(0, 2**31 - 1)])
    submit = SubmitField(_l("Preview the assignment"))


# --- access -----------------------------------------------------------------------------------------------

def _organiser() -> None:
    require(permissions.can_manage_any_event)


def _pool_editor() -> None:
    require(permissions.is_global_organiser)


def _panel(panel_id: int) -> JudgePanel:
    panel = get_or_404(JudgePanel, panel_id)
    require(permissions.can_manage_event, panel.skill.event)
    return panel


def _person(person_id: int) -> Person:
    return get_or_404(Person, person_id)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --- the pool ---------------------------------------------------------------------------------------------

@bp.get("/manage/judges")
@login_required
def pool():
    _organiser()
    occupations = judging.known_occupations()
    members = judging.pool_members(occupation=request.args.get("occupation") or None,
                                   level=request.args.get("level") or None, search=request.args.get("q") or None)
    return render_template("judges/pool.html", members=members, occupations=occupations, levels=LEVEL,
                           import_form=PoolImportForm(), can_edit=permissions.is_global_organiser(current_user),
                           filters=request.args)


@bp.get("/manage/judges/template.xlsx")
@login_required
def pool_template():
    _organiser()
    return Response(judge_import.template_xlsx(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="judge-pool.xlsx"'})


@bp.post("/manage/judges/import")
@login_required
def pool_import():
    _organiser()
    _pool_editor()
    form = PoolImportForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("judges.pool"))
    upload = form.file.data
    try:
        report = judge_import.check_pool_file(upload.read(), upload.filename or "")
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(url_for("judges.pool"))
    if form.dry_run.data or not report.ok:
        return render_template("judges/import_report.html", report=report, dry_run=form.dry_run.data)
    try:
        result = judge_import.import_pool(report)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(url_for("judges.pool"))
    flash(_("Imported %(rows)s rows: %(people)s new people, %(created)s new pool records, %(updated)s updated, "
            "%(unchanged)s unchanged.", rows=len(report.rows), people=result.people_created,
            created=result.records_created, updated=result.records_updated, unchanged=result.unchanged), "success")
    return redirect(url_for("judges.pool"))


def _profile_form(person: Person) -> ProfileForm:
    form = ProfileForm()
    occupations = judging.known_occupations()
    form.occupations.choices = [SelectChoice(code, f"{name} ({code})") for code, name in occupations.items()]
    profile = judging.profile_of(person.id)
    if profile is not None and request.method == "GET":
        form.level.data, form.occupations.data = profile.level, list(profile.occupations)
        form.district.data, form.languages.data = profile.district, " ".join(profile.languages)
        form.past_events.data = "\n".join(profile.past_events)
        form.max_panels.data, form.may_chair.data, form.active.data = (profile.max_panels, profile.may_chair,
                                                                       profile.active)
    return form


@bp.route("/manage/judges/<int:person_id>", methods=["GET", "POST"])
@login_required
def judge(person_id: int):
    _organiser()
    person = _person(person_id)
    form = _profile_form(person)
    if request.method == "POST":
        _pool_editor()
        if not form.validate_on_submit():
            form_errors(form)
            return redirect(url_for("judges.judge", person_id=person_id))
        return attempt(lambda: judging.save_profile(
            person, level=form.level.data, occupations=form.occupations.data, district=form.district.data,
            languages=(form.languages.data or "").replace(",", " ").split(),
            past_events=(form.past_events.data or "").splitlines(), max_panels=form.max_panels.data,
            may_chair=form.may_chair.data, active=form.active.data),
            _("The pool record has been saved."), url_for("judges.judge", person_id=person_id))
    return render_template("judges/judge.html", person=person, profile=judging.profile_of(person.id), form=form,
                           relation_form=RelationForm(), relations=judging.relations_of(person.id,
                                                                                         include_withdrawn=True),
                           duties=judging.duties_of(person.id), occupations=judging.known_occupations(),
                           can_edit=permissions.is_global_organiser(current_user))


@bp.post("/manage/judges/<int:person_id>/relations")
@login_required
def record_relation(person_id: int):
    _organiser()
    _pool_editor()
    person = _person(person_id)
    form = RelationForm()
    back = url_for("judges.judge", person_id=person_id)
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back)
    return attempt(lambda: judging.declare_relation(
        person, kind=form.kind.data, other_name=form.other_name.data, other_id_number=form.other_id_number.data,
        note=form.note.data, declared_by_judge=False), _("The tie has been recorded."), back)


@bp.post("/manage/relations/<int:relation_id>/withdraw")
@login_required
def withdraw_relation(relation_id: int):
    _organiser()
    _pool_editor()
    relation = get_or_404(JudgeRelation, relation_id)
    return attempt(lambda: judging.withdraw_relation(relation), _("The tie has been withdrawn."),
                   url_for("judges.judge", person_id=relation.judge_person_id))


# --- a judge's own declarations -------------------------------------------------------------------------------

def _own_person() -> Person:
    if current_user.person_id is None or current_user.person_id not in {p.id for p in judging.judge_pool()}:
        raise forbidden()
    return current_user.person


@bp.route("/judge/conflicts", methods=["GET", "POST"])
@login_required
def my_conflicts():
    person = _own_person()
    form = DeclarationForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            form_errors(form)
            return redirect(url_for("judges.my_conflicts"))
        return attempt(lambda: judging.declare_relation(
            person, kind=form.kind.data, other_name=form.other_name.data, other_id_number=form.other_id_number.data,
            note=form.note.data), _("Your declaration has been recorded. Thank you."), url_for("judges.my_conflicts"))
    return render_template("judges/my_conflicts.html", form=form,
                           relations=judging.relations_of(person.id, include_withdrawn=True))


# --- conflicts of an event ------------------------------------------------------------------------------------

PAGE_SIZE = 200


@bp.get("/manage/events/<int:event_id>/conflicts")
@login_required
def conflicts(event_id: int):
    _organiser()
    event = managed_event(event_id)
    skill_id = request.args.get("skill", type=int)
    kind = request.args.get("type") or None
    page = max(1, request.args.get("page", 1, type=int))
    report = judging.event_conflicts(event, skill_ids=[skill_id] if skill_id else None)
    rows = [row for row in report.in_force if kind is None or row.type == kind]
    settings = judging.conflict_settings(event)
    return render_template(
        "judges/conflicts.html", event=event, report=report, rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
        total=len(rows), page=page, pages=max(1, -(-len(rows) // PAGE_SIZE)), skill_id=skill_id, kind=kind,
        types=[t.value for t in ConflictType], effects={t.value: settings.effect(t) for t in ConflictType},
        waiver_form=WaiverForm())


@bp.post("/manage/events/<int:event_id>/conflicts/settings")
@login_required
def conflict_settings(event_id: int):
    _organiser()
    event = managed_event(event_id)
    effects = {t.value: request.form.get(t.value, "") for t in ConflictType if request.form.get(t.value)}
    return attempt(lambda: judging.update_conflict_settings(event, effects),
                   _("The conflict settings have been saved."), url_for("judges.conflicts", event_id=event_id))


@bp.post("/manage/events/<int:event_id>/conflicts/waive")
@login_required
def waive(event_id: int):
    _organiser()
    event = managed_event(event_id)
    form = WaiverForm()
    back = request.referrer if (request.referrer or "").startswith(request.host_url) else url_for(
        "judges.conflicts", event_id=event_id)
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back)
    return attempt(lambda: judging.waive_conflict(
        event, judge_person_id=form.judge_person_id.data, entry_id=form.entry_id.data,
        conflict_type=form.conflict_type.data, reason=form.reason.data or ""),
        _("The conflict has been waived; the reason is recorded."), back)


@bp.post("/manage/waivers/<int:waiver_id>/revoke")
@login_required
def revoke_waiver(waiver_id: int):
    _organiser()
    waiver = get_or_404(ConflictWaiver, waiver_id)
    event = managed_event(waiver.entry.skill.event_id)
    return attempt(lambda: judging.revoke_waiver(waiver), _("The waiver has been revoked: the conflict applies again."),
                   url_for("judges.conflicts", event_id=event.id))


# --- panels of a skill ----------------------------------------------------------------------------------------

@bp.get("/manage/skills/<int:skill_id>/panels")
@login_required
def panels(skill_id: int):
    _organiser()
    skill = managed_skill(skill_id)
    panels_ = judging.panels_of(skill)
    problems = judging.check_event_seats(skill.event, warnings=True)
    panel_ids = {panel.id for panel in panels_}
    seat_forms = {}
    candidates = judging.candidates(skill)
    for panel in panels_:
        seated = {seat.person_id for seat in panel.seats}
        form = SeatForm(prefix=f"s{panel.id}")
        form.person_id.choices = [SelectChoice(c.person.id, c.label) for c in candidates if c.person.id not in seated]
        seat_forms[panel.id] = form
    defaults = judging.panel_defaults(skill)
    new_panel = PanelForm(prefix="new")
    new_panel.scorers_min.data, new_panel.scorers_max.data = defaults["scorers_min"], defaults["scorers_max"]
    new_panel.scorers_target.data = defaults["scorers_target"]
    new_panel.deputies_min.data, new_panel.deputies_max.data = defaults["deputies_min"], defaults["deputies_max"]
    new_panel.national.data = defaults["min_levels"].get(JudgeLevel.NATIONAL.value, 0)
    return render_template(
        "judges/panels.html", skill=skill, event=skill.event, panels=panels_,
        problems=[p for p in problems if p.panel_id in panel_ids or p.panel_id is None],
        panel_forms={panel.id: PanelForm.of(panel) for panel in panels_}, seat_forms=seat_forms,
        new_panel=new_panel, conflicts=judging.panel_conflicts(skill.event),
        profiles=judging.profiles_by_person({s.person_id for p in panels_ for s in p.seats}),
        required=judging.required_scorers(skill), seat_roles=JUDGE_ROLE, frozen=skill.marks_locked or
        skill.results_published)


def _back_to_panels(skill_id: int) -> str:
    return url_for("judges.panels", skill_id=skill_id)


@bp.post("/manage/skills/<int:skill_id>/panels")
@login_required
def create_panel(skill_id: int):
    _organiser()
    skill = managed_skill(skill_id)
    form = PanelForm(prefix="new")
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back_to_panels(skill_id))
    return attempt(lambda: judging.create_panel(skill, module=form.module.data or "", **form.values()),
                   _("The panel has been added."), _back_to_panels(skill_id))


@bp.post("/manage/panels/<int:panel_id>")
@login_required
def update_panel(panel_id: int):
    _organiser()
    panel = _panel(panel_id)
    form = PanelForm(prefix=f"p{panel.id}")
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back_to_panels(panel.skill_id))
    return attempt(lambda: judging.update_panel(panel, **form.values()), _("The panel has been saved."),
                   _back_to_panels(panel.skill_id))


@bp.post("/manage/panels/<int:panel_id>/delete")
@login_required
def delete_panel(panel_id: int):
    _organiser()
    panel = _panel(panel_id)
    skill_id = panel.skill_id
    return attempt(lambda: judging.delete_panel(panel), _("The panel has been removed."), _back_to_panels(skill_id))


@bp.post("/manage/panels/<int:panel_id>/seats")
@login_required
def seat(panel_id: int):
    _organiser()
    panel = _panel(panel_id)
    form = SeatForm(prefix=f"s{panel.id}")
    form.person_id.choices = [SelectChoice(c.person.id, c.label) for c in judging.candidates(panel.skill)]
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(_back_to_panels(panel.skill_id))
    person = _person(form.person_id.data)
    return attempt(lambda: judging.seat_judge(panel, person, form.role.data),
                   _("%(name)s now sits on the panel.", name=person.name), _back_to_panels(panel.skill_id))


@bp.post("/manage/panels/<int:panel_id>/seats/<int:person_id>/role")
@login_required
def seat_role(panel_id: int, person_id: int):
    _organiser()
    panel = _panel(panel_id)
    person = _person(person_id)
    role = request.form.get("role", "")
    return attempt(lambda: judging.change_seat_role(panel, person, role), _("The role has been changed."),
                   _back_to_panels(panel.skill_id))


@bp.post("/manage/panels/<int:panel_id>/seats/<int:person_id>/remove")
@login_required
def unseat(panel_id: int, person_id: int):
    _organiser()
    panel = _panel(panel_id)
    person = _person(person_id)
    return attempt(lambda: judging.unseat_judge(panel, person),
                   _("%(name)s no longer sits on the panel.", name=person.name), _back_to_panels(panel.skill_id))


@bp.get("/manage/skills/<int:skill_id>/panel-sheet.pdf")
@login_required
def panel_sheet(skill_id: int):
    _organiser()
    skill = managed_skill(skill_id)
    try:
        return _pdf(judging.panel_sheet_pdf(skill), f"panels-{skill.code}.pdf")
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(_back_to_panels(skill_id))


# --- automatic assignment of an event --------------------------------------------------------------------------

@bp.get("/manage/events/<int:event_id>/assignment")
@login_required
def assignment(event_id: int):
    _organiser()
    event = managed_event(event_id)
    run = judging.latest_run(event)
    run_id = request.args.get("run", type=int)
    if run_id is not None:
        run = get_or_404(AssignmentRun, run_id)
        if run.event_id != event.id:
            raise not_found()
    problems = judging.check_event_seats(event, warnings=True)
    pending = run is not None and bool(run.proposal) and run.applied_at is None
    proposal = ({int(panel_id): [(int(pid), role) for pid, role in seats] for panel_id, seats in run.proposal.items()}
                if pending else None)
    return render_template(
        "judges/assignment.html", event=event, panels=judging.event_panels(event), problems=problems,
        conflicts=judging.panel_conflicts(event),
        proposal_conflicts=judging.panel_conflicts(event, proposal) if pending else {},
        frozen=judging.frozen_panel_ids(event), run=run, form=PreviewForm(),
        changes=judging.proposal_changes(run) if run and run.proposal else [],
        run_problems=judging.run_problem_texts(run) if run else [],
        stale=judging.run_is_stale(run) if pending else False,
        warnings=judging.proposal_warnings(run) if pending else [])


@bp.post("/manage/events/<int:event_id>/assignment/preview")
@login_required
def preview(event_id: int):
    _organiser()
    event = managed_event(event_id)
    form = PreviewForm()
    back = url_for("judges.assignment", event_id=event_id)
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back)
    try:
        run = judging.preview_assignment(event, seed=form.seed.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(back)
    return redirect(url_for("judges.assignment", event_id=event_id, run=run.id))


@bp.post("/manage/assignment-runs/<int:run_id>/apply")
@login_required
def apply(run_id: int):
    _organiser()
    run = get_or_404(AssignmentRun, run_id)
    event = managed_event(run.event_id)
    return attempt(lambda: judging.apply_assignment(run), _("The assignment has been applied."),
                   url_for("judges.assignment", event_id=event.id))


@bp.get("/manage/events/<int:event_id>/letters.pdf")
@login_required
def letters(event_id: int):
    _organiser()
    event = managed_event(event_id)
    try:
        return _pdf(judging.appointment_letters_pdf(event), f"appointments-{event.code}.pdf")
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(url_for("judges.assignment", event_id=event_id))


@bp.get("/manage/events/<int:event_id>/letters/<int:person_id>.pdf")
@login_required
def letter(event_id: int, person_id: int):
    _organiser()
    event = managed_event(event_id)
    try:
        return _pdf(judging.appointment_letters_pdf(event, [person_id]), f"appointment-{event.code}-{person_id}.pdf")
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(url_for("judges.assignment", event_id=event_id))


# --- the same from the command line (large events: a run can take longer than a web request may) ----------------

@bp.cli.command("preview")
@click.argument("event_code")
@click.option("--seed", type=int, default=None, help="Replay a run with its seed; default: a new random seed.")
def preview_command(event_code: str, seed: int | None) -> None:
    """Preview the automatic assignment of the event EVENT_CODE and print the run."""
    event = db.session.scalar(select(Event).where(Event.code == event_code))
    if event is None:
        raise click.ClickException(f"no event with the code {event_code}")
    try:
        run = judging.preview_assignment(event, seed=seed)
        db.session.commit()
    except DomainError as error:
        raise click.ClickException(error.text()) from None
    click.echo(f"run {run.id}: {run.status}, seed {run.seed}, {run.solve_seconds} s, cost {run.cost}")
    for text, _panels in judging.run_problem_texts(run):
        click.echo(f"  {text}")
    if run.proposal:
        click.echo(f"apply it with: flask judges apply {run.id}")


@bp.cli.command("apply")
@click.argument("run_id", type=int)
def apply_command(run_id: int) -> None:
    """Apply the proposal of run RUN_ID (refused if the data changed since its preview)."""
    run = db.session.get(AssignmentRun, run_id)
    if run is None:
        raise click.ClickException(f"no run {run_id}")
    try:
        judging.apply_assignment(run)
        db.session.commit()
    except DomainError as error:
        raise click.ClickException(error.text()) from None
    click.echo(f"run {run.id} applied to {len(run.panel_ids)} panels")


@bp.cli.command("demo")
def demo_command() -> None:
    """Add the demo's judge pool, panels and assignment (after ``flask demo``); idempotent."""
    try:
        done = judging.load_demo_judges()
    except DomainError as error:
        raise click.ClickException(error.text()) from None
    click.echo("\n".join(done) or "nothing to add")
