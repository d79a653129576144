"""Who is asking: session cookies for pages, bearer tokens for tablets and scripts; security headers."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import LoginManager, current_user, logout_user, user_logged_in
from sqlalchemy import bindparam, select

from competition.direct_sql import DirectStatement
from competition.errors import N_, DomainError
from competition.extensions import db
from competition.models import ApiToken, User
from competition.services import cache_version

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


class TokenUser:
    """The user of a bearer token, read with one plain statement (no ORM object, no session cookie): what a
    tablet's calls need (id, username, display name, person). Anything else asked of it (grants, person…)
    comes from the account row, loaded on first use."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user_id: int, username: str, display_name: str, person_id: int | None,
                 cache_version: tuple[str, int] | None = None) -> None:
        self.id, self.username, self.display_name, self.person_id = user_id, username, display_name, person_id
        self.cache_version = cache_version  # read in the same statement (cache_version.current uses it)
        self._account: User | None = None

    def get_id(self) -> str:
        return str(self.id)

    @property
    def account(self) -> User:
        if self._account is None:
            self._account = db.session.get(User, self.id)
        return self._account

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.account, name)


_TOKEN_USER = DirectStatement(select(
    User.id, User.username, User.display_name, User.person_id, User.active, ApiToken.expires_at, ApiToken.revoked,
    cache_version.TOKEN_COLUMN, cache_version.N_COLUMN).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == bindparam("token_hash")))


def bearer_token(req: Any = None) -> str | None:
    header = (req or request).headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def token_hash(token: str) -> str:
    """What is stored of a bearer token (its SHA-256), never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_user(token: str) -> TokenUser | None:
    """The active user of an unexpired, unrevoked token, or None: one statement, every API call asks."""
    rows = _TOKEN_USER.execute(db.session.connection(), {"token_hash": token_hash(token)})
    if not rows:
        return None
    user_id, username, display_name, person_id, active, expires, revoked, version_token, version_n = rows[0]
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    if revoked or expires < datetime.now(UTC) or not active:
        return None
    version = (version_token, version_n) if version_token is not None else None
    return TokenUser(user_id, username, display_name, person_id, version)


def _unauthenticated_json():
    error = DomainError("unauthenticated", N_("Please sign in first."), 401)
    return jsonify(error=error.as_json()), 401


def token_or_login_required(view: Callable) -> Callable:
    """For the tablets' calls: a bearer token is checked with :func:`token_user` and becomes the current
    user without Flask-Login's session look-up; without one, the signed-in user (session cookie) is needed."""
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        if token is not None:
            user = token_user(token)
            if user is None:
                return _unauthenticated_json()
            g._login_user = user  # where Flask-Login keeps the request's user: current_user is this one
        elif not current_user.is_authenticated:
            return _unauthenticated_json()
        return view(*args, **kwargs)
    return checked


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
        token = bearer_token(req)
        user = token_user(token) if token is not None else None
        return user.account if user is not None else None

    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            return _unauthenticated_json()
        flash(gettext("Please sign in first."), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
