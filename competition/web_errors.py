"""Error responses: bilingual pages for people, JSON for the API; never a stack trace."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from competition.errors import N_, DomainError
from competition.logs import logger, request_context
from competition.security import wants_json

HTTP_MESSAGES = {
    400: N_("The request could not be understood. Please check what you entered and try again."),
    401: N_("Please sign in first."),
    403: N_("You do not have permission to do this."),
    404: N_("The page or record you asked for does not exist."),
    405: N_("This action is not allowed here."),
    409: N_("This conflicts with the current state of the record. Reload the page and try again."),
    413: N_("The upload is too large."),
    429: N_("Too many attempts. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. The error has been logged; please try again."),
}
CSRF_MESSAGE = N_("Your form has expired or was not sent from this site. Please reload the page and try again.")


def _respond(error: DomainError):
    if wants_json():
        return jsonify(error=error.as_json()), error.status
    return render_template("errors/error.html", error=error, request_id=g.get("request_id")), error.status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return _respond(error)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError):
        return _respond(DomainError("csrf", CSRF_MESSAGE, 400))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400 if status < 500 else 500])
        domain = DomainError(f"http_{status}", message, status)
        # flask-smorest puts validation details on error.data: keep them for API clients.
        response = _respond(domain)
        if wants_json() and getattr(error, "data", None):
            body, code = response
            payload = body.get_json()
            payload["error"]["details"] = error.data.get("messages", error.data)
            return jsonify(payload), code
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Roll back first: after a failed flush the session refuses every query until then, and the log
        # context and the message's language both read the signed-in user.
        from competition.extensions import db
        db.session.rollback()
        logger.error("unhandled error", exc_info=error, extra={"ctx": request_context()})
        return _respond(DomainError("http_500", HTTP_MESSAGES[500], 500))
