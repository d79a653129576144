"""Structured request logs: one JSON line per request with a request id, which is also returned in the
``X-Request-ID`` header and shown on error pages so that a user's report can be found in the log."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("saiping")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                   "logger": record.name, "msg": record.getMessage()}
        payload.update(getattr(record, "ctx", {}))
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def request_context() -> dict:
    from flask_login import current_user
    user_id = getattr(current_user, "id", None) if getattr(current_user, "is_authenticated", False) else None
    return {"request_id": getattr(g, "request_id", None), "method": request.method, "path": request.path,
            "user_id": user_id, "remote": request.remote_addr}


def init_app(app: Flask) -> None:
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if not app.config.get("SAIPING_QUIET_REQUESTS"):
            ctx = request_context()
            ctx.update(status=response.status_code,
                       ms=round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1))
            logger.info("request", extra={"ctx": ctx})
        return response
