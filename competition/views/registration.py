"""Registration pages: the organiser's window, skill settings, entry import and export; the 领队's desk
(registering members of their organisation, importing a workbook); withdrawing an entry."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone, to_utc
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, NumberRange, Optional

from competition import labels, permissions
from competition.errors import DomainError, forbidden
from competition.extensions import db
from competition.models import Entry, EntryStatus, Event, EventStatus, Organisation, Skill
from competition.rules.registration import AgeRuleChoice
from competition.services import audit, entry_import, registration, tabular
from competition.services.events import get_or_404
from competition.views._helpers import attempt, form_errors, managed_event, managed_skill

bp = Blueprint("registration", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- forms ------------------------------------------------------------------------------------------------

class WindowForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Registration opens at"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Registration closes at"), validators=[Optional()])
    submit = SubmitField(_l("Save the registration window"))


class EntryImportForm(FlaskForm):
    file = FileField(_l("Excel workbook (.xlsx) or CSV"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Check only (dry run): store nothing"), default=True)
    submit = SubmitField(_l("Upload"))


class SkillRegistrationForm(FlaskForm):
    team_size = SelectField(_l("Entrants"), coerce=int, choices=[
        SelectChoice(1, _l("Individual")), SelectChoice(2, _l("Team of 2")), SelectChoice(3, _l("Team of 3"))])
    capacity = IntegerField(_l("Capacity (empty: no limit)"), validators=[Optional(), NumberRange(1, 100000)])
    quota_per_organisation = IntegerField(_l("Entries per organisation or delegation (empty: no quota)"),
                                          validators=[Optional(), NumberRange(1, 10000)])
    one_per_country = BooleanField(_l("One contestant per country (一带一路)"))
    age_rule = SelectField(_l("Age rule"), choices=[
        SelectChoice(AgeRuleChoice.WORLDSKILLS, _l("WorldSkills: born in or after the year minus the age limit")),
        SelectChoice(AgeRuleChoice.CHINESE, _l("Chinese events: minimum age, below retirement age")),
        SelectChoice(AgeRuleChoice.NONE, _l("No age rule"))])
    max_age = IntegerField(_l("WorldSkills age limit"), validators=[NumberRange(10, 99)])
    extended_age = BooleanField(_l("This skill uses the extended WorldSkills age limit"))
    extended_max_age = IntegerField(_l("Extended WorldSkills age limit"), validators=[NumberRange(10, 99)])
    min_age = IntegerField(_l("Minimum age (Chinese events)"), validators=[NumberRange(0, 99)])
    retirement_age_male = IntegerField(_l("Retirement age, men"), validators=[NumberRange(1, 99)])
    retirement_age_female = IntegerField(_l("Retirement age, women"), validators=[NumberRange(1, 99)])
    submit = SubmitField(_l("Save the registration settings"))


class MemberForm(Form):
    name = StringField(_l("Name (as on the identity document)"), validators=[Optional(), Length(max=100)])
    id_type = SelectField(_l("Identity document"), choices=[SelectChoice(str(k), v) for k, v in labels.ID_TYPE.items()])
    id_number = StringField(_l("Document number"), validators=[Optional(), Length(max=32)])
    nationality = StringField(_l("Nationality (2-letter code, passport holders)"),
                              validators=[Optional(), Length(min=2, max=2)])
    name_latin = StringField(_l("Name in Latin letters (passport holders)"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    sex = SelectField(_l("Sex"), choices=[SelectChoice("", "—"), SelectChoice("M", _l("Male")),
                                          SelectChoice("F", _l("Female"))], validators=[Optional()])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32)])


class LeaderEntryForm(FlaskForm):
    skill_id = SelectField(_l("Skill"), coerce=int)
    team_name = StringField(_l("Team name (team skills)"), validators=[Optional(), Length(max=100)])
    members = FieldList(FormField(MemberForm), min_entries=3, max_entries=3)
    submit = SubmitField(_l("Register"))


def _local(moment: datetime | None) -> datetime | None:
    """A time typed in the form (the venue's time zone) as an aware datetime."""
    return to_utc(moment).replace(tzinfo=UTC) if moment is not None else None


# --- organiser --------------------------------------------------------------------------------------------

def _event_entries(event: Event, organisation_id: int | None = None) -> list[Entry]:
    query = select(Entry).join(Skill).where(Skill.event_id == event.id).order_by(Skill.code, Entry.id)
    if organisation_id is not None:
        query = query.where(Entry.organisation_id == organisation_id)
    return list(db.session.scalars(query))


@bp.get("/manage/events/<int:event_id>/registration")
@login_required
def event_registration(event_id: int):
    event = managed_event(event_id)
    form = WindowForm()
    tz = get_timezone()
    for field, value in ((form.opens_at, event.registration_opens_at), (form.closes_at, event.registration_closes_at)):
        value = registration._aware(value)
        if value is not None:
            field.data = value.astimezone(tz).replace(tzinfo=None)
    return render_template("registration/event.html", event=event, form=form, import_form=EntryImportForm(),
                           entries=_event_entries(event))


@bp.post("/manage/events/<int:event_id>/registration/window")
@login_required
def set_window(event_id: int):
    event = managed_event(event_id)
    form = WindowForm()
    back = url_for("registration.event_registration", event_id=event_id)
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back)
    return attempt(lambda: registration.set_window(event, _local(form.opens_at.data), _local(form.closes_at.data)),
                   _("The registration window has been saved: the scheduler opens and closes registration on "
                     "time."), back)


@bp.get("/registration/template.xlsx")
@login_required
def template():
    if not (permissions.can_manage_any_event(current_user) or registration.led_organisations(current_user)):
        raise forbidden()
    return Response(entry_import.template_xlsx(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="entries-template.xlsx"'})


def _import(event: Event, organisation_id: int | None, back: str):
    form = EntryImportForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back)
    upload = form.file.data
    try:
        report = entry_import.check_entry_file(event, upload.read(), upload.filename or "",
                                               organisation_id=organisation_id)
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(back)
    if form.dry_run.data or not report.ok:
        db.session.rollback()
        return render_template("registration/import_report.html", report=report, dry_run=form.dry_run.data,
                               event=event, back=back)
    try:   # the window binds 领队 (checked by their route); the organiser may import late lists
        result = entry_import.import_entries(report, current_user._get_current_object())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(back)
    flash(_("Imported %(rows)s rows: %(entries)s new entries, %(people)s new people, %(unchanged)s rows already "
            "imported.", rows=report.rows, entries=result.entries_created, people=result.people_created,
            unchanged=result.unchanged), "success")
    return redirect(back)


@bp.post("/manage/events/<int:event_id>/entries/import")
@login_required
def import_entries(event_id: int):
    event = managed_event(event_id)
    return _import(event, None, url_for("registration.event_registration", event_id=event_id))


EXPORT_HEADERS = ("赛项 Skill", "参赛号 Competitor number", "单位 Organisation", "队名 Team", "姓名 Name",
                  "证件类型 ID type", "证件号码 ID number", "性别 Sex", "出生日期 Birth date", "状态 Status",
                  "理由 Reason")


def _export(event: Event, entries: list[Entry], full: bool) -> Response:
    rows = []
    for entry in entries:
        for member in entry.members:
            person = member.person
            rows.append([entry.skill.code, entry.competitor_number or "", entry.organisation.name
                         if entry.organisation else "", entry.team_name or "", person.name,
                         labels.label("id_type", person.id_type),
                         person.id_number if full else person.masked_id_number, person.sex or "",
                         person.birth_date.isoformat() if person.birth_date else "",
                         labels.label("entry_status", entry.status), entry.status_reason or ""])
    name = f"entries-{event.code}{'-full' if full else ''}.xlsx"
    return Response(tabular.write_xlsx(EXPORT_HEADERS, rows, sheet="报名表"), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/manage/events/<int:event_id>/entries.xlsx")
@login_required
def export_entries(event_id: int):
    """Every entry of the event, ID numbers masked."""
    event = managed_event(event_id)
    return _export(event, _event_entries(event), full=False)


@bp.post("/manage/events/<int:event_id>/entries-full.xlsx")
@login_required
def export_entries_full(event_id: int):
    """The same with full ID numbers: asked for explicitly (a POST) and recorded in the audit log."""
    event = managed_event(event_id)
    entries = _event_entries(event)
    audit.record("entry.export_full", event, after={"entries": len(entries)})
    db.session.commit()
    return _export(event, entries, full=True)


@bp.route("/manage/skills/<int:skill_id>/registration", methods=["GET", "POST"])
@login_required
def skill_settings(skill_id: int):
    skill = managed_skill(skill_id)
    form = SkillRegistrationForm()
    settings = registration.settings_of(skill)
    if request.method == "GET":
        form.capacity.data, form.team_size.data = skill.capacity, skill.team_size
        for name in ("quota_per_organisation", "one_per_country", "age_rule", "max_age", "extended_age",
                     "extended_max_age", "min_age", "retirement_age_male", "retirement_age_female"):
            getattr(form, name).data = getattr(settings, name)
    elif form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "quota_per_organisation", "one_per_country", "age_rule", "max_age", "extended_age", "extended_max_age",
            "min_age", "retirement_age_male", "retirement_age_female")}
        return attempt(lambda: registration.update_skill_settings(skill, capacity=form.capacity.data, values=values,
                                                                  team_size=form.team_size.data),
                       _("The registration settings have been saved."),
                       url_for("registration.skill_settings", skill_id=skill_id))
    else:
        form_errors(form)
    return render_template("registration/skill.html", skill=skill, form=form, settings=settings)


# --- 领队 -------------------------------------------------------------------------------------------------

def _led(organisation_id: int) -> Organisation:
    if organisation_id not in registration.led_organisations(current_user):
        raise forbidden()
    return get_or_404(Organisation, organisation_id)


@bp.get("/leader")
@login_required
def leader_dashboard():
    organisations = [db.session.get(Organisation, i) for i in registration.led_organisations(current_user)]
    if not organisations:
        raise forbidden()
    open_events = list(db.session.scalars(select(Event).where(Event.status == EventStatus.REGISTRATION_OPEN)
                                          .order_by(Event.starts_on, Event.id)))
    return render_template("registration/leader.html", organisations=organisations, events=open_events)


def _leader_form(event: Event) -> LeaderEntryForm:
    form = LeaderEntryForm()
    form.skill_id.choices = [SelectChoice(s.id, f"{s.code} {s.name}" + (
        f" ({_('team of %(n)s', n=s.team_size)})" if s.team_size > 1 else "")) for s in event.skills]
    return form


@bp.route("/leader/<int:organisation_id>/events/<int:event_id>", methods=["GET", "POST"])
@login_required
def leader_event(organisation_id: int, event_id: int):
    organisation = _led(organisation_id)
    event = get_or_404(Event, event_id)
    form = _leader_form(event)
    back = url_for("registration.leader_event", organisation_id=organisation_id, event_id=event_id)
    if request.method == "POST":
        if form.validate_on_submit():
            skill = get_or_404(Skill, form.skill_id.data)
            if skill.event_id != event.id:
                raise forbidden()
            members = [registration.MemberInput(
                name=m.form.name.data or "", id_type=m.form.id_type.data, id_number=m.form.id_number.data or "",
                nationality=m.form.nationality.data or None, name_latin=m.form.name_latin.data or None,
                birth_date=m.form.birth_date.data, sex=m.form.sex.data or None, phone=m.form.phone.data or None)
                for m in form.members if (m.form.name.data or m.form.id_number.data)]
            return attempt(lambda: registration.leader_enter(current_user._get_current_object(), skill,
                                                             organisation.id, members, form.team_name.data),
                           _("The entry has been submitted. The organiser will review it."), back)
        form_errors(form)
    return render_template("registration/leader_event.html", organisation=organisation, event=event, form=form,
                           import_form=EntryImportForm(), entries=_event_entries(event, organisation.id))


@bp.post("/leader/<int:organisation_id>/events/<int:event_id>/import")
@login_required
def leader_import(organisation_id: int, event_id: int):
    organisation = _led(organisation_id)
    event = get_or_404(Event, event_id)
    back = url_for("registration.leader_event", organisation_id=organisation_id, event_id=event_id)
    try:
        registration.ensure_open(event)
    except DomainError as error:
        flash(error.text(), "danger")
        return redirect(back)
    return _import(event, organisation.id, back)


@bp.post("/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = get_or_404(Entry, entry_id)
    if not registration.can_withdraw(current_user, entry):
        raise forbidden()
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("me.dashboard")
    return attempt(lambda: registration.withdraw(current_user._get_current_object(), entry),
                   _("The entry has been withdrawn."), back)


@bp.app_template_global()
def can_withdraw_entry(entry: Entry) -> bool:
    return entry.status in (EntryStatus.SUBMITTED, EntryStatus.APPROVED) and \
        registration.can_withdraw(current_user, entry)
