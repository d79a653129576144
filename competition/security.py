"""Who is asking: session cookies for pages, bearer tokens for tablets and scripts; security headers."""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import LoginManager, current_user, logout_user, user_logged_in

from competition.errors import N_, DomainError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def login_limit() -> str:
    """Sign-in attempts allowed per address (Flask-Limiter syntax), a setting. Generous: a venue's tablets
    may all reach the server through one NAT address."""
    return current_app.config["SAIPING_LOGIN_LIMIT"]


def account_login_limit() -> str:
    """Sign-in attempts allowed per account name, from any address (Flask-Limiter syntax), a setting."""
    return current_app.config["SAIPING_LOGIN_ACCOUNT_LIMIT"]


def login_account_key() -> str:
    """The rate-limit key of the account a sign-in names (form or JSON body), case-folded."""
    body = request.get_json(silent=True) if request.is_json else None
    username = (body or {}).get("username") if isinstance(body, dict) else request.form.get("username")
    return "account:" + (username if isinstance(username, str) else "").strip().casefold()[:64]


def failed_login(response) -> bool:
    """Only refused sign-ins count against an account: its owner may sign in on several tablets."""
    return response.status_code == 401


def _now() -> float:
    return time.time()


def password_stamp(user) -> str:
    """A short digest of the user's password hash: a session whose stamp differs was opened before the
    password last changed, and ends (:func:`_expire_session`)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _start_session(_app: Flask, user) -> None:
    """On sign-in: the session becomes permanent (its cookie lives PERMANENT_SESSION_LIFETIME) and is
    stamped, so that :func:`_expire_session` can end it after that lifetime, after idling, or once the
    password has been changed elsewhere."""
    session.permanent = True
    session["signed_in_at"] = session["seen_at"] = int(_now())
    session["password_stamp"] = password_stamp(user)


def _expire_session() -> None:
    """End a signed-in session older than PERMANENT_SESSION_LIFETIME, idle for longer than
    SAIPING_SESSION_IDLE_TIMEOUT, or opened before the account's password was changed. The signed cookie's own timestamp is renewed on every response, so the
    absolute limit is checked here, against the stamp taken at sign-in."""
    if "_user_id" not in session:
        return
    now = _now()
    config = current_app.config
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    user = current_user._get_current_object()
    if (signed_in is None or seen is None
            or now - signed_in > config["PERMANENT_SESSION_LIFETIME"].total_seconds()
            or now - seen > config["SAIPING_SESSION_IDLE_TIMEOUT"].total_seconds()
            or (user.is_authenticated and session.get("password_stamp") != password_stamp(user))):
        logout_user()
        for key in ("signed_in_at", "seen_at", "password_stamp"):
            session.pop(key, None)
        if not wants_json():
            flash(gettext("Your session has expired. Please sign in again."), "warning")
        return
    session["seen_at"] = int(now)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask, login_manager: LoginManager) -> None:
    from competition.services import accounts

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    user_logged_in.connect(_start_session, app)
    app.before_request(_expire_session)

    @login_manager.user_loader
    def _load_user(user_id: str):
        return accounts.load_active_user(user_id)

    @login_manager.request_loader
    def _load_from_token(req):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return accounts.user_for_token(header[7:].strip())
        return None

    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            error = DomainError("unauthenticated", N_("Please sign in first."), 401)
            return jsonify(error=error.as_json()), 401
        flash(gettext("Please sign in first."), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
