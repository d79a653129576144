"""Sign in, sign out, contestant sign-up."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from competition.errors import DomainError
from competition.extensions import db, limiter
from competition.forms import LoginForm, RegisterForm
from competition.security import account_login_limit, failed_login, login_account_key, login_limit
from competition.services import accounts, audit, entries
from competition.views._helpers import form_errors, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope="sign-in-address", methods=["POST"])
@limiter.shared_limit(account_login_limit, scope="sign-in-account", key_func=login_account_key, methods=["POST"],
                      deduct_when=failed_login)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except DomainError as error:
            flash(error.text(), "danger")
            return render_template("auth/login.html", form=form), error.status
        login_user(user)
        db.session.commit()
        return redirect(safe_next("me.dashboard"))
    form_errors(form)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit.record("auth.logout", current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope="sign-in-address", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = entries.register_contestant(
                username=form.username.data, password=form.password.data, name=form.name.data,
                id_type=form.id_type.data, id_number=form.id_number.data, nationality=form.nationality.data,
                name_latin=form.name_latin.data, phone=form.phone.data, birth_date=form.birth_date.data,
                sex=form.sex.data or None)
        except DomainError as error:
            db.session.rollback()
            flash(error.text(), "danger")
            return render_template("auth/register.html", form=form), error.status
        db.session.commit()
        login_user(user)
        flash(_("Your account has been created."), "success")
        return redirect(url_for("me.dashboard"))
    form_errors(form)
    return render_template("auth/register.html", form=form)
