"""Who is asking: session cookies for pages, bearer tokens for tablets and scripts; security headers."""
from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext
from flask_login import LoginManager

from competition.errors import N_, DomainError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def login_limit() -> str:
    """Sign-in attempts allowed per address (Flask-Limiter syntax), a setting."""
    return current_app.config["SAIPING_LOGIN_LIMIT"]


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask, login_manager: LoginManager) -> None:
    from competition.services import accounts

    login_manager.init_app(app)
    login_manager.session_protection = "strong"

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
