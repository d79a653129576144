"""Web forms (Flask-WTF: every form carries a CSRF token). Labels are lazy so they follow the locale."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from competition import labels


def _choices(labelled: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labelled.items()]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Name (as on the identity document)"), validators=[DataRequired(), Length(max=100)])
    name_latin = StringField(_l("Name in Latin letters (passport holders)"), validators=[Optional(),
                                                                                        Length(max=100)])
    id_type = SelectField(_l("Identity document"), choices=_choices(labels.ID_TYPE))
    id_number = StringField(_l("Document number"), validators=[DataRequired(), Length(max=32)])
    nationality = StringField(_l("Nationality (2-letter code, passport holders)"),
                              validators=[Optional(), Length(min=2, max=2)])
    birth_date = DateField(_l("Birth date (checked against the ID number)"), validators=[Optional()])
    sex = SelectField(_l("Sex"), choices=[SelectChoice("", "—"), SelectChoice("M", _l("Male")),
                                          SelectChoice("F", _l("Female"))], validators=[Optional()])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32)])
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Create account"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Change password"))


class EventForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(labels.EVENT_KIND))
    tier = SelectField(_l("Tier"), choices=_choices(labels.TIER))
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    # 世赛选拔 only: the round this event starts from (choices: the view lists the selection events)
    previous_round_id = SelectField(_l("Previous round (WorldSkills selection)"), validators=[Optional()])
    submit = SubmitField(_l("Create event"))


class SkillForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    occupation_code = StringField(_l("Occupation code"), validators=[DataRequired(), Length(max=32)])
    occupation_name = StringField(_l("Occupation"), validators=[DataRequired(), Length(max=100)])
    trade = StringField(_l("Trade / direction"), validators=[Optional(), Length(max=100)])
    level_grade_code = SelectField(_l("Grade examined (命题等级)"))
    team_size = SelectField(_l("Entrants"), choices=_choices({"1": _l("Individual"), "2": _l("Team of 2"),
                                                              "3": _l("Team of 3")}))
    theory_weight = IntegerField(_l("Theory weight (%)"), default=0, validators=[NumberRange(0, 100)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(1, 100000)])
    submit = SubmitField(_l("Add skill"))


class AspectForm(FlaskForm):
    criterion_code = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=8)])
    criterion_name = StringField(_l("Criterion name"), validators=[Optional(), Length(max=200)])
    sub_criterion = StringField(_l("Sub-criterion"), validators=[Optional(), Length(max=16)])
    sub_criterion_name = StringField(_l("Sub-criterion name"), validators=[Optional(), Length(max=200)])
    code = StringField(_l("Aspect code"), validators=[DataRequired(), Length(max=16)])
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=500)])
    kind = SelectField(_l("Kind"), choices=_choices(labels.ASPECT_KIND))
    method = SelectField(_l("Measurement method"), choices=_choices(labels.MEASUREMENT_METHOD), default="deduction")
    bands = TextAreaField(_l("Tolerance bands: one per line, deviation up to and marks, e.g. 0.05 10"),
                          validators=[Optional(), Length(max=2000)])
    max_mark = StringField(_l("Maximum mark"), validators=[DataRequired(), Length(max=10)])
    descriptors = TextAreaField(_l("Descriptors for levels 0 to 3 (one per line, judgement only)"),
                                validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Add aspect"))


class UploadForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Reject"))


class AssignJudgeForm(FlaskForm):
    person_id = SelectField(_l("Judge"), coerce=int)
    role = SelectField(_l("Role"), choices=_choices(labels.JUDGE_ROLE))
    submit = SubmitField(_l("Assign"))


class LookupForm(FlaskForm):
    """A contestant looks up their own published result: 参赛号 in a skill, or name + end of the ID number."""

    skill_id = SelectField(_l("Skill"), validators=[Optional()])
    number = StringField(_l("Competitor number"), validators=[Optional(), Length(max=16)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    id_tail = StringField(_l("Last 4 characters of the ID document number"),
                          validators=[Optional(), Length(min=4, max=4)])
    submit = SubmitField(_l("Look up"))


class SchedulePublicationForm(FlaskForm):
    publish_at = DateTimeLocalField(_l("Publish at (local time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    submit = SubmitField(_l("Schedule publication"))


class AppealForm(FlaskForm):
    marks = SelectMultipleField(_l("Marks concerned"), coerce=int, validators=[DataRequired()],
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    grounds = TextAreaField(_l("Grounds of the appeal"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("File the appeal"))


class AppealDecisionForm(FlaskForm):
    decision = SelectField(_l("Ruling"), choices=[SelectChoice("uphold", _l("Uphold")),
                                                  SelectChoice("reject", _l("Reject"))])
    reason = TextAreaField(_l("Written reason"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Record the ruling (final)"))


class RemarkForm(FlaskForm):
    value = StringField(_l("New mark"), validators=[DataRequired(), Length(max=16)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Re-mark"))
