"""The app factory, error pages, languages, security headers and request logging."""
from __future__ import annotations

import json
import logging

from competition import create_app
from competition.extensions import db


def test_defaults_to_sqlite_in_instance_and_creates_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("SAIPING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SAIPING_DATABASE_URL", raising=False)
    monkeypatch.delenv("SAIPING_SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'saiping.db'}"
    secret = (tmp_path / "secret_key").read_text()
    assert len(secret) == 64 and app.config["SECRET_KEY"] == secret
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    # The same key on the next start: sessions survive a restart.
    assert create_app().config["SECRET_KEY"] == secret


def test_environment_overrides_and_postgres_url_uses_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("SAIPING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAIPING_DATABASE_URL", "postgresql://u@db.example/saiping")
    monkeypatch.setenv("SAIPING_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/saiping"
    assert app.config["SECRET_KEY"] == "from-env"
    assert not app.config.get("SAIPING_QUIET_REQUESTS")
    monkeypatch.setenv("SAIPING_QUIET_REQUESTS", "1")  # what the benchmarks pass to gunicorn
    assert create_app().config["SAIPING_QUIET_REQUESTS"] is True


def test_instance_config_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SAIPING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAIPING_SECRET_KEY", "from-env")
    (tmp_path / "config.py").write_text('SAIPING_LOGIN_LIMIT = "3 per hour"\nSECRET_KEY = "from-file"\n')
    app = create_app()
    assert app.config["SAIPING_LOGIN_LIMIT"] == "3 per hour"
    assert app.config["SECRET_KEY"] == "from-env"


def test_database_connection_settings(app):
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        else:
            assert db.engine.dialect.driver == "psycopg"  # psycopg 3, whatever spelling the URL had


def test_404_page_is_bilingual_and_has_request_id(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "您要找的页面或记录不存在" in html and "The page or record you asked for does not exist." in html
    assert response.headers["X-Request-ID"] in html


def test_500_shows_no_stack_trace_and_is_logged(app, client, caplog, monkeypatch):
    from competition.views import public

    def broken():
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(app.view_functions, "public.home", broken)
    logger = logging.getLogger("saiping")
    logger.addHandler(caplog.handler)
    try:
        response = client.get("/")
    finally:
        logger.removeHandler(caplog.handler)
    assert public  # the module whose view was replaced
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in html and "Traceback" not in html
    assert "Something went wrong on our side" in html
    assert any("secret internal detail" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_500_after_a_failed_flush_is_still_a_bilingual_answer(app, client, monkeypatch):
    """A database error leaves the session needing a rollback; the error handler must not touch the
    signed-in user (locale, log context) before it, or gunicorn answers a bare 500 instead."""
    from competition.models import User
    from competition.services import accounts
    from tests import factories

    with app.test_request_context():
        token, _row = accounts.issue_token(factories.judge("flusher"), device="tablet")
        db.session.commit()

    def clashing():
        db.session.add(User(username="flusher", password_hash="x", display_name="twin"))
        db.session.flush()  # the username is taken: IntegrityError, the transaction is rolled back

    monkeypatch.setitem(app.view_functions, "api_me.me", clashing)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "http_500" and "IntegrityError" not in response.get_data(as_text=True)
    assert error["message_zh"] and error["message_en"].startswith("Something went wrong on our side")


def test_api_errors_are_json_in_both_languages(client):
    response = client.get("/api/v1/events/999999")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    assert error["message_zh"] == "您要找的页面或记录不存在。"
    assert error["message_en"] == "The page or record you asked for does not exist."


def test_security_headers_on_every_page(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_chinese_by_default_and_language_switch(client):
    assert "赛事与评价" in client.get("/").get_data(as_text=True)
    response = client.get("/lang/en?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Competitions and evaluations" in client.get("/").get_data(as_text=True)
    # A switch that names an unknown language, or an outside address, changes nothing dangerous.
    assert client.get("/lang/xx?next=//evil.example").headers["Location"] == "/"
    assert "Competitions and evaluations" in client.get("/").get_data(as_text=True)


def test_form_post_without_csrf_token_is_refused_bilingually(client):
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "表单已过期" in html and "Your form has expired" in html


def test_session_cookie_is_httponly_and_samesite(client):
    client.get("/lang/en")
    cookie = client.get_cookie("saiping_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_request_log_is_structured_json_with_request_id(app, capsys):
    from competition.logs import JsonFormatter
    record = logging.LogRecord("saiping", logging.INFO, __file__, 1, "request", None, None)
    record.ctx = {"request_id": "abc12345", "status": 200}
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc12345" and line["msg"] == "request" and line["status"] == 200
    client = app.test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "given-id-123"})
    assert response.headers["X-Request-ID"] == "given-id-123"
    bad = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert bad.headers["X-Request-ID"] != "bad id <script>" and len(bad.headers["X-Request-ID"]) == 32
