"""Evaluation officers' pages (the desk, records, imports, certificates, printing), the holder's PDF and
credential downloads, the public verification page, and the ``flask certificates …`` commands.

Every URL of the evaluation side's pages is in this file; handlers parse, call one service, render.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from competition import permissions
from competition.errors import N_, DomainError, Invalid, forbidden
from competition.extensions import db, limiter
from competition.models import Event, Organisation, Person
from competition.services import entries
from competition.views._helpers import attempt, form_errors, require
from evaluation import forms
from evaluation.models import Certificate, EnterpriseImport, EvaluationRecord, GradeLevel, Route
from evaluation.services import certificates as certificate_service
from evaluation.services import imports, print_jobs, records, signing, verification

bp = Blueprint("evaluation", __name__, cli_group="certificates")


@bp.record_once
def _register_api(state: Any) -> None:
    """The evaluation API (``evaluation.api``) joins /api/v1 when this blueprint is registered, so no
    shared file has to list it."""
    from competition.extensions import api
    from evaluation.api import PREFIX, blp
    api.register_blueprint(blp, url_prefix="/api/v1" + PREFIX)


def verify_limit() -> str:
    """Verification requests allowed per address (Flask-Limiter syntax): ``SAIPING_VERIFY_LIMIT``."""
    return current_app.config.get("SAIPING_VERIFY_LIMIT", "30 per minute;300 per hour")


# --- helpers -------------------------------------------------------------------------------------

def _bodies() -> list[Organisation]:
    ids = permissions.evaluation_bodies(current_user)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)))


def _body_choices(form: Any) -> list[Organisation]:
    bodies = _bodies()
    form.body_id.choices = [SelectChoice(b.id, b.name) for b in bodies]
    return bodies


def _grade_choices(examined_only: bool = False) -> list[SelectChoice]:
    query = select(GradeLevel).where(GradeLevel.code != "apprentice").order_by(GradeLevel.position)
    if examined_only:
        query = query.where(GradeLevel.level_digit.is_not(None))
    return [SelectChoice(g.code, g.certificate_label) for g in db.session.scalars(query)]


def _upload(field_name: str, check_size: Any) -> bytes | None:
    """The bytes of an uploaded file, refused by size (``check_size(size)`` raises) before being read."""
    storage = request.files.get(field_name)
    if storage is None or not storage.filename:
        return None
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    check_size(size)
    return stream.read()


def _officer_required() -> None:
    require(permissions.can_issue_certificates)


# --- the desk ------------------------------------------------------------------------------------

@bp.get("/evaluation/")
@login_required
def dashboard():
    _officer_required()
    bodies = _bodies()
    body_ids = [b.id for b in bodies]
    issued = db.session.scalars(select(Certificate).where(Certificate.body_id.in_(body_ids))
                                .order_by(Certificate.id.desc()).limit(200)).all()
    return render_template("evaluation/dashboard.html", bodies=bodies, candidates=records.promotion_candidates(),
                           pending=records.pending_records(body_ids), issued=issued,
                           flagged=certificate_service.flagged_certificates(body_ids),
                           jobs=print_jobs.recent_jobs(body_ids, 5))


@bp.post("/evaluation/issue")
@login_required
def issue():
    """以赛代评 in one click: the record for a published result, approved (one approval suffices)."""
    _officer_required()
    body_id, result_id, person_id = _ints("body_id", "result_id", "person_id")
    return attempt(lambda: records.issue_from_candidate(current_user, body_id, result_id, person_id),
                   _("The certificate has been issued."), url_for("evaluation.dashboard"))


def _ints(*names: str) -> tuple[int, ...]:
    try:
        return tuple(int(request.form.get(name, "")) for name in names)
    except ValueError:
        raise Invalid("certificate.form", N_("The request is incomplete.")) from None


# --- evaluation records --------------------------------------------------------------------------

@bp.route("/evaluation/records/new/<route>", methods=["GET", "POST"])
@login_required
def new_record(route: str):
    _officer_required()
    if route not in (Route.ASSESSMENT, Route.DIRECT):
        raise Invalid("record.route", N_("Choose how the grade is reached: assessment, competition (以赛代评), "
                                         "direct recognition (直接认定) or enterprise self-evaluation."))
    form = forms.RecordForm()
    _body_choices(form)
    form.grade_code.choices = _grade_choices(examined_only=route == Route.ASSESSMENT)
    explanation = None
    if form.validate_on_submit():
        try:
            record = _create_record_from_form(form, route)
            db.session.commit()
            flash(_("The evaluation record has been created."), "success")
            return redirect(url_for("evaluation.record", record_id=record.id))
        except DomainError as error:
            db.session.rollback()
            flash(error.text(), "danger")
            explanation = _explain_form(form)
    form_errors(form)
    return render_template("evaluation/record_new.html", form=form, route=route, explanation=explanation)


def _facts(form: forms.RecordForm) -> records.Facts:
    return records.parse_facts(form.years_in_occupation.data, form.schooling.data or [],
                               form.apprenticeship_completed.data)


def _create_record_from_form(form: forms.RecordForm, route: str) -> EvaluationRecord:
    person = entries.find_or_create_person(name=form.name.data, id_type=form.id_type.data,
                                           id_number=form.id_number.data, nationality=form.nationality.data,
                                           name_latin=form.name_latin.data)
    photo = _upload("photo", certificate_service.check_photo_size)
    photo_id = certificate_service.save_photo(current_user, person, photo).id if photo else None
    return records.create_record(
        current_user, body_id=form.body_id.data, person=person, route=route,
        occupation_code=form.occupation_code.data, occupation_name=form.occupation_name.data,
        trade=form.trade.data, grade_code=form.grade_code.data, facts=_facts(form),
        theory=records.parse_score(form.theory.data, "theory score"),
        practical=records.parse_score(form.practical.data, "practical score"),
        evidence=form.evidence.data, exception_reason=form.exception_reason.data, photo_id=photo_id)


def _explain_form(form: forms.RecordForm) -> dict | None:
    """The eligibility explanation for what the form holds, to show beside a refusal (writes nothing)."""
    try:
        checked = entries.check_identity(form.id_type.data, form.id_number.data or "", form.nationality.data)
        person = db.session.scalar(select(Person).where(Person.id_type == form.id_type.data,
                                                        Person.id_number == checked.number))
        grade = db.session.get(GradeLevel, form.grade_code.data or "")
        if grade is None:
            return None
        return records.check_record_eligibility(person.id if person else -1, form.occupation_code.data or "",
                                                grade.grade, _facts(form))
    except DomainError:
        return None


@bp.get("/evaluation/records/<int:record_id>")
@login_required
def record(record_id: int):
    _officer_required()
    item = records.record_for_officer(current_user, record_id)
    return render_template("evaluation/record.html", record=item,
                           history=records.grade_history(item.person_id).get(item.occupation_code, []))


@bp.post("/evaluation/records/<int:record_id>/approve")
@login_required
def approve_record(record_id: int):
    _officer_required()
    item = records.record_for_officer(current_user, record_id)
    try:
        certificate = records.approve_record(current_user, item)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(url_for("evaluation.record", record_id=record_id))
    if certificate is None:
        flash(_("Your approval is recorded. A second officer must approve this record too."), "success")
        return redirect(url_for("evaluation.record", record_id=record_id))
    flash(_("The certificate %(number)s has been issued.", number=certificate.number), "success")
    return redirect(url_for("evaluation.certificate", certificate_id=certificate.id))


@bp.post("/evaluation/records/<int:record_id>/reject")
@login_required
def reject_record(record_id: int):
    _officer_required()
    item = records.record_for_officer(current_user, record_id)
    return attempt(lambda: records.reject_record(current_user, item, request.form.get("reason", "")),
                   _("The record has been rejected."), url_for("evaluation.record", record_id=record_id))


@bp.post("/evaluation/records/<int:record_id>/photo")
@login_required
def record_photo(record_id: int):
    _officer_required()
    item = records.record_for_officer(current_user, record_id)
    return attempt(lambda: certificate_service.set_record_photo(
        current_user, item, _upload("photo", certificate_service.check_photo_size) or b""),
        _("The photo has been saved."), url_for("evaluation.record", record_id=record_id))


@bp.post("/evaluation/candidates/record")
@login_required
def candidate_record():
    """以赛代评, two steps: create the record (the rule that fired is on it); approve it on its page."""
    _officer_required()
    body_id, result_id, person_id = _ints("body_id", "result_id", "person_id")
    try:
        item = records.create_competition_record(current_user, body_id, result_id, person_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(url_for("evaluation.dashboard"))
    return redirect(url_for("evaluation.record", record_id=item.id))


# --- people and their grade history --------------------------------------------------------------

@bp.get("/evaluation/people")
@login_required
def people():
    _officer_required()
    query = (request.args.get("id_number") or "").strip().upper()
    found = db.session.scalars(select(Person).where(Person.id_number == query)).all() if query else []
    history = {person.id: records.grade_history(person.id) for person in found}
    form = forms.PriorGradeForm()
    form.grade_code.choices = _grade_choices()
    return render_template("evaluation/people.html", query=query, people=found, history=history, form=form)


@bp.post("/evaluation/people/<int:person_id>/history")
@login_required
def add_history(person_id: int):
    _officer_required()
    person = db.session.get(Person, person_id)
    if person is None:
        raise forbidden()
    form = forms.PriorGradeForm()
    form.grade_code.choices = _grade_choices()
    target = url_for("evaluation.people", id_number=person.id_number)
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(target)
    return attempt(lambda: records.record_prior_grade(
        current_user, person=person, occupation_code=form.occupation_code.data,
        occupation_name=form.occupation_name.data, grade_code=form.grade_code.data,
        obtained_on=form.obtained_on.data, evidence=form.evidence.data),
        _("The grade has been added to the history."), target)


# --- enterprise imports --------------------------------------------------------------------------

def _import_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _import_size(size: int) -> None:
    limit = current_app.config.get("SAIPING_IMPORT_MAX_BYTES", 10 * 1_048_576)
    if size > limit:
        raise Invalid("import.too_large", N_("The file is larger than %(limit)s MB."), limit=f"{limit / 1_048_576:g}")


@bp.route("/evaluation/imports", methods=["GET", "POST"])
@login_required
def imports_page():
    _officer_required()
    form = forms.ImportForm()
    _body_choices(form)
    preview = None
    if form.validate_on_submit():
        try:
            data = _upload("workbook", _import_size)
            if not data:
                raise Invalid("import.no_file", N_("Choose the Excel file to import."))
            filename = request.files["workbook"].filename or "import.xlsx"
            preview = imports.preview_import(current_user, form.body_id.data, filename, data)
            (_import_dir() / f"{preview.sha256}.xlsx").write_bytes(data)
        except DomainError as error:
            flash(error.text(), "danger")
    batches = db.session.scalars(select(EnterpriseImport).where(
        EnterpriseImport.body_id.in_(permissions.evaluation_bodies(current_user)))
        .order_by(EnterpriseImport.id.desc()).limit(20)).all()
    return render_template("evaluation/imports.html", form=form, preview=preview, batches=batches,
                           columns=imports.COLUMNS, body_id=form.body_id.data)


@bp.post("/evaluation/imports/commit")
@login_required
def commit_import():
    _officer_required()
    sha256 = request.form.get("sha256", "")
    path = _import_dir() / f"{sha256}.xlsx"
    if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256) and path.is_file()):
        raise Invalid("import.expired", N_("Upload the file again: the checked copy is no longer there."))
    (body_id,) = _ints("body_id")
    try:
        outcome = imports.commit_import(current_user, body_id, request.form.get("filename", "import.xlsx"),
                                        path.read_bytes())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(url_for("evaluation.imports_page"))
    if outcome.created == 0:
        flash(_("This file was imported before: nothing changed."), "info")
    else:
        flash(_("%(n)s records were imported; %(m)s were already there.", n=outcome.created, m=outcome.unchanged),
              "success")
    return redirect(url_for("evaluation.import_batch", import_id=outcome.batch.id))


@bp.get("/evaluation/imports/<int:import_id>")
@login_required
def import_batch(import_id: int):
    _officer_required()
    batch = db.session.get(EnterpriseImport, import_id)
    if batch is None or not permissions.can_issue_certificates(current_user, batch.body_id):
        raise forbidden()
    rows = db.session.scalars(select(EvaluationRecord).where(EvaluationRecord.import_id == import_id)
                              .order_by(EvaluationRecord.source_row)).all()
    return render_template("evaluation/import_batch.html", batch=batch, rows=rows)


@bp.post("/evaluation/imports/<int:import_id>/approve")
@login_required
def approve_import(import_id: int):
    _officer_required()
    batch = db.session.get(EnterpriseImport, import_id)
    if batch is None or not permissions.can_issue_certificates(current_user, batch.body_id):
        raise forbidden()
    issued, refused = records.approve_import(current_user, import_id)
    flash(_("%(n)s certificates were issued.", n=issued), "success")
    for row, error in refused[:20]:
        flash(_("Row %(row)s: %(reason)s", row=row, reason=error.text()), "danger")
    return redirect(url_for("evaluation.import_batch", import_id=import_id))


@bp.get("/evaluation/imports/template.xlsx")
@login_required
def import_template():
    _officer_required()
    return Response(imports.template_workbook(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="enterprise-evaluation.xlsx"'})


# --- certificates --------------------------------------------------------------------------------

@bp.get("/evaluation/certificates/<int:certificate_id>")
@login_required
def certificate(certificate_id: int):
    _officer_required()
    item = certificate_service.certificate_for_officer(current_user, certificate_id)
    return render_template("evaluation/certificate.html", certificate=item,
                           prints=print_jobs.print_history(item.id), signature_ok=signing.signature_matches(item))


@bp.post("/evaluation/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(certificate_id: int):
    item = certificate_service.certificate_for_officer(current_user, certificate_id)
    return attempt(lambda: certificate_service.revoke_certificate(current_user, item, request.form.get("reason", "")),
                   _("The certificate has been revoked."), url_for("evaluation.certificate", certificate_id=item.id))


@bp.post("/evaluation/certificates/<int:certificate_id>/reissue")
@login_required
def reissue(certificate_id: int):
    item = certificate_service.certificate_for_officer(current_user, certificate_id)
    try:
        replacement = certificate_service.reissue_certificate(current_user, item, request.form.get("reason", ""))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        return redirect(url_for("evaluation.certificate", certificate_id=certificate_id))
    flash(_("The certificate was reissued as %(number)s.", number=replacement.number), "success")
    return redirect(url_for("evaluation.certificate", certificate_id=replacement.id))


@bp.post("/evaluation/certificates/<int:certificate_id>/photo")
@login_required
def certificate_photo(certificate_id: int):
    item = certificate_service.certificate_for_officer(current_user, certificate_id)
    return attempt(lambda: certificate_service.set_certificate_photo(
        current_user, item, _upload("photo", certificate_service.check_photo_size) or b""),
        _("The photo has been saved."), url_for("evaluation.certificate", certificate_id=item.id))


def _holder_or_officer(certificate_id: int) -> Certificate:
    item = db.session.get(Certificate, certificate_id)
    if item is None or not (current_user.person_id == item.person_id
                            or permissions.can_issue_certificates(current_user, item.body_id)):
        raise forbidden()
    return item


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    """The holder's electronic certificate, or an officer's print (recorded; a reprint when printed before).
    A character the font lacks is refused with a message naming it."""
    item = _holder_or_officer(certificate_id)
    try:
        if permissions.can_issue_certificates(current_user, item.body_id):
            pdf = print_jobs.print_one(current_user, item)
            db.session.commit()
        else:
            pdf = certificate_service.certificate_pdf(item)
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
        back = url_for("evaluation.certificate", certificate_id=item.id) \
            if permissions.can_issue_certificates(current_user, item.body_id) else url_for("me.dashboard")
        return redirect(back)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{item.number}.pdf"'})


@bp.get("/certificates/<int:certificate_id>/credential.json")
@login_required
def certificate_credential(certificate_id: int):
    """The signed Open Badges 3.0 credential, to keep and to check offline with the published keys."""
    item = _holder_or_officer(certificate_id)
    document = signing.credential(item)
    db.session.commit()
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/ld+json",
                    headers={"Content-Disposition": f'attachment; filename="{item.number}.credential.json"'})


# --- batch printing ------------------------------------------------------------------------------

@bp.route("/evaluation/print", methods=["GET", "POST"])
@login_required
def print_page():
    _officer_required()
    form = forms.PrintForm()
    _body_choices(form)
    events_ = db.session.scalars(select(Event).order_by(Event.year.desc(), Event.code)).all()
    form.event_code.choices = [SelectChoice("", "—")] + [SelectChoice(e.code, f"{e.code} · {e.name}") for e in events_]
    if form.validate_on_submit():
        selection = print_jobs.Selection(
            body_id=form.body_id.data, event_code=form.event_code.data or None,
            skill_code=(form.skill_code.data or "").strip() or None, issued_from=form.issued_from.data,
            issued_to=form.issued_to.data, numbers=print_jobs.parse_numbers(form.numbers.data))
        try:
            job = print_jobs.create_print_job(current_user, selection)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.text(), "danger")
        else:
            if job.total <= current_app.config.get("SAIPING_PRINT_INLINE_LIMIT", 10):
                print_jobs.run_print_job(job.id, workers=1)
            return redirect(url_for("evaluation.print_job", job_id=job.id))
    form_errors(form)
    return render_template("evaluation/print.html", form=form,
                           jobs=print_jobs.recent_jobs(permissions.evaluation_bodies(current_user)))


@bp.get("/evaluation/print/jobs/<int:job_id>")
@login_required
def print_job(job_id: int):
    _officer_required()
    job = print_jobs.job_for_officer(current_user, job_id)
    return render_template("evaluation/print_job.html", job=job, progress=print_jobs.job_progress(job))


@bp.get("/evaluation/print/jobs/<int:job_id>.json")
@login_required
def print_job_progress(job_id: int):
    _officer_required()
    job = print_jobs.job_for_officer(current_user, job_id)
    data = print_jobs.job_progress(job)
    data["parts"] = [url_for("evaluation.print_job_part", job_id=job.id, part=n + 1) for n in range(data["parts"])]
    return jsonify(data)


@bp.get("/evaluation/print/jobs/<int:job_id>/<int:part>.pdf")
@login_required
def print_job_part(job_id: int, part: int):
    _officer_required()
    job = print_jobs.job_for_officer(current_user, job_id)
    return send_file(print_jobs.part_path(job, part), mimetype="application/pdf",
                     download_name=f"certificates-job-{job.id}-{part}.pdf")


# --- public verification -------------------------------------------------------------------------

@bp.get("/verify")
@limiter.limit(verify_limit)
def verify():
    number, code = request.args.get("number", ""), request.args.get("code", "")
    asked = bool(number and code)
    result = verification.verify(number, code, request.args.get("sig")) if asked else None
    return render_template("evaluation/verify.html", number=number[:40], code=code[:40], result=result, asked=asked)


# --- commands: flask --app wsgi certificates … ---------------------------------------------------

@bp.cli.command("print")
@click.option("--officer", "username", required=True, help="User name of the evaluation officer printing.")
@click.option("--body", "body_id", type=int, help="Evaluation body id (default: the officer's only body).")
@click.option("--event", "event_code", help="Event code.")
@click.option("--skill", "skill_code", help="Skill code.")
@click.option("--from", "issued_from", type=click.DateTime(["%Y-%m-%d"]), help="Issued on or after (YYYY-MM-DD).")
@click.option("--to", "issued_to", type=click.DateTime(["%Y-%m-%d"]), help="Issued on or before (YYYY-MM-DD).")
@click.option("--numbers", "numbers_file", type=click.File("r", encoding="utf-8"),
              help="A file of certificate numbers, one per line.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: SAIPING_PRINT_WORKERS).")
def print_command(username: str, body_id: int | None, event_code: str | None, skill_code: str | None,
                  issued_from: Any, issued_to: Any, numbers_file: Any, workers: int | None) -> None:
    """Print the selected certificates now, with a progress bar; prints where the PDFs are."""
    from competition.models import User
    officer = db.session.scalar(select(User).where(User.username == username))
    bodies = permissions.evaluation_bodies(officer) if officer else []
    if not bodies:
        raise click.ClickException(f"{username} is not an evaluation officer")
    if body_id is None:
        if len(bodies) > 1:
            raise click.ClickException("the officer acts for several bodies: give --body")
        body_id = bodies[0]
    selection = print_jobs.Selection(
        body_id=body_id, event_code=event_code, skill_code=skill_code,
        issued_from=issued_from.date() if issued_from else None, issued_to=issued_to.date() if issued_to else None,
        numbers=print_jobs.parse_numbers(numbers_file.read()) if numbers_file else ())
    try:
        job = print_jobs.create_print_job(officer, selection)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        texts = error.texts()
        raise click.ClickException(f"{texts['zh_CN']}\n{texts['en']}") from None
    with click.progressbar(length=job.total, label=f"job {job.id}: {job.total} certificates") as bar:
        job = print_jobs.run_print_job(job.id, progress=bar.update, workers=workers)
    if job.status != "done":
        raise click.ClickException(job.error or "the job failed")
    for name in job.parts:
        click.echo(str(print_jobs.print_dir() / name))
    click.echo(f"{job.total} certificates ({job.reprints} reprints) in {len(job.parts)} PDF(s)")


@bp.cli.command("run-jobs")
@click.option("--loop", "interval", type=float, default=0, help="Keep polling every N seconds (0: run once).")
def run_jobs_command(interval: float) -> None:
    """Run queued print jobs (what the scheduler process does)."""
    while True:
        for job_id in print_jobs.run_pending_print_jobs():
            click.echo(f"print job {job_id} done")
        if not interval:
            break
        time.sleep(interval)


@bp.cli.command("sign-missing")
def sign_missing_command() -> None:
    """Sign certificates issued before signing existed (run once after upgrading)."""
    count = signing.sign_missing()
    db.session.commit()
    click.echo(f"{count} certificates signed")


@bp.cli.command("occupation-rule")
@click.argument("occupation_code")
@click.option("--name", "occupation_name", required=True)
@click.option("--pass-line", type=click.FloatRange(0, 100), default=None)
@click.option("--eligibility", "eligibility_file", type=click.File("r", encoding="utf-8"),
              help="JSON {grade code: [path, …]} replacing the DOMAIN defaults of those grades.")
def occupation_rule_command(occupation_code: str, occupation_name: str, pass_line: float | None,
                            eligibility_file: Any) -> None:
    """Set one occupation's eligibility table overrides and exam pass line."""
    from decimal import Decimal
    data = json.load(eligibility_file) if eligibility_file else {}
    try:
        records.set_occupation_rule(None, occupation_code, occupation_name, data,
                                    Decimal(str(pass_line)) if pass_line is not None else None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.texts()["en"]) from None
    click.echo(f"{occupation_code}: saved")


@bp.cli.command("verify-credential")
@click.argument("credential_file", type=click.File("r", encoding="utf-8"))
@click.option("--keys", "keys_file", type=click.File("r", encoding="utf-8"), required=True,
              help="The published keys (GET /api/v1/evaluation/keys), saved to a file.")
@click.option("--status", "status_file", type=click.File("r", encoding="utf-8"),
              help="The body's status list (GET /api/v1/evaluation/status/<body>), saved to a file.")
def verify_credential_command(credential_file: Any, keys_file: Any, status_file: Any) -> None:
    """Check a downloaded credential offline: its signature and, with --status, whether it is revoked."""
    from evaluation import credentials
    check = credentials.verify_credential(json.load(credential_file), json.load(keys_file),
                                          json.load(status_file) if status_file else None)
    click.echo(check.code)
    if not check.ok:
        raise SystemExit(1)

