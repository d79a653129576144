"""The evaluation officers' forms (Flask-WTF: every form carries a CSRF token; labels follow the locale)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from competition import labels


def _choices(labelled: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labelled.items()]


SCHOOLING_CHOICES = {"technical_school": _l("Technical school (技工学校)"),
                     "technician_college": _l("Technician college (技师学院)"),
                     "college": _l("College (大专)"), "bachelor": _l("Bachelor or above (本科及以上)")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RecordForm(FlaskForm):
    """A new evaluation record (assessment or 直接认定). The route comes from the page's address."""

    body_id = SelectField(_l("Evaluation body"), coerce=int)
    name = StringField(_l("Name (as on the identity document)"), validators=[DataRequired(), Length(max=100)])
    name_latin = StringField(_l("Name in Latin letters (passport holders)"), validators=[Optional(), Length(max=100)])
    id_type = SelectField(_l("Identity document"), choices=_choices(labels.ID_TYPE))
    id_number = StringField(_l("Document number"), validators=[DataRequired(), Length(max=32)])
    nationality = StringField(_l("Nationality (2-letter code, passport holders)"),
                              validators=[Optional(), Length(min=2, max=2)])
    occupation_code = StringField(_l("Occupation code"), validators=[DataRequired(), Length(max=32)])
    occupation_name = StringField(_l("Occupation"), validators=[DataRequired(), Length(max=100)])
    trade = StringField(_l("Trade / direction"), validators=[Optional(), Length(max=100)])
    grade_code = SelectField(_l("Grade applied for"))
    theory = StringField(_l("Theory score (0–100)"), validators=[Optional(), Length(max=10)])
    practical = StringField(_l("Practical score (0–100)"), validators=[Optional(), Length(max=10)])
    evidence = TextAreaField(_l("Written evidence"), validators=[Optional(), Length(max=4000)])
    years_in_occupation = StringField(_l("Years worked in the occupation"), default="0",
                                      validators=[Optional(), Length(max=10)])
    schooling = MultiCheckboxField(_l("Schools graduated from"), choices=_choices(SCHOOLING_CHOICES))
    apprenticeship_completed = BooleanField(_l("Apprenticeship completed"))
    exception_reason = TextAreaField(_l("Reason for an exception (only when the conditions are not met)"),
                                     validators=[Optional(), Length(max=4000)])
    photo = FileField(_l("1-inch photo (JPEG or PNG)"))
    submit = SubmitField(_l("Create the record"))


class PriorGradeForm(FlaskForm):
    occupation_code = StringField(_l("Occupation code"), validators=[DataRequired(), Length(max=32)])
    occupation_name = StringField(_l("Occupation"), validators=[DataRequired(), Length(max=100)])
    grade_code = SelectField(_l("Grade"))
    obtained_on = DateField(_l("Obtained on"), validators=[DataRequired()])
    evidence = TextAreaField(_l("Evidence (certificate number, issuer)"), validators=[DataRequired(),
                                                                                      Length(max=4000)])
    submit = SubmitField(_l("Add to the grade history"))


class ImportForm(FlaskForm):
    body_id = SelectField(_l("Evaluation body"), coerce=int)
    workbook = FileField(_l("Excel workbook (.xlsx)"))
    submit = SubmitField(_l("Check the file (dry run)"))


class PrintForm(FlaskForm):
    body_id = SelectField(_l("Evaluation body"), coerce=int)
    event_code = SelectField(_l("Event"), validators=[Optional()])
    skill_code = StringField(_l("Skill code"), validators=[Optional(), Length(max=32)])
    issued_from = DateField(_l("Issued from"), validators=[Optional()])
    issued_to = DateField(_l("Issued until"), validators=[Optional()])
    numbers = TextAreaField(_l("Certificate numbers (one per line)"), validators=[Optional(), Length(max=200_000)])
    submit = SubmitField(_l("Print"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
