"""Web security: CSRF on every form post, sign-in throttling (memory and Redis), cookie flags, security
headers on every kind of response, no inline scripts in templates, password rules, session expiry, sign-ins
in the audit log. (Who may open what, and the masking of ID and phone numbers: tests/test_access_matrix.py.)"""
from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from competition import PROJECT_ROOT, create_app
from competition.extensions import db, limiter
from competition.models import AuditHead, AuditLog, User
from competition.rules.passwords import WeakPassword, check_password
from tests import factories
from tests.conftest import Browser, csrf_from

# POST routes that are authenticated by a bearer token, not a session cookie, so need no form token.
# A cookie-authenticated call to them must carry X-CSRFToken (competition.api.guard_api_request).
TOKEN_AUTHENTICATED_POSTS = {"api_auth.issue_token", "api_marks.sync"}
CSRF_ZH, CSRF_EN = "表单已过期", "Your form has expired"


def _post_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            url = re.sub(r"<(?:int:)?[^>]*>", lambda m: "1" if m.group(0).startswith("<int:") else "x", rule.rule)
            found.append((rule.endpoint, url))
    return sorted(found)


@pytest.fixture
def admin(app) -> None:
    """A global organiser, "admin"."""
    with app.test_request_context():
        factories.organiser("admin")
        db.session.commit()


def _app_on_the_test_database(app, **config):
    """Another app on the suite's database, with ``config`` (and SAIPING_* from the environment)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": "test-secret", "SAIPING_CERTIFICATE_SECRET": "x", "RATELIMIT_ENABLED": False,
                       "SAIPING_QUIET_REQUESTS": True, **config})


def _head(app) -> int:
    with app.app_context():
        seq = db.session.get(AuditHead, 1).seq
        db.session.remove()
        return seq


def test_every_form_post_without_a_csrf_token_is_refused(app, admin):
    signed_in = Browser(app.test_client())
    signed_in.login("admin")
    before = _head(app)
    routes = _post_routes(app)
    api = {endpoint for endpoint, url in routes if url.startswith("/api/")}
    assert api == TOKEN_AUTHENTICATED_POSTS, "a new API POST route: check it and list it above"
    checked = 0
    for endpoint, url in routes:
        if endpoint in TOKEN_AUTHENTICATED_POSTS:
            continue
        for client in (app.test_client(), signed_in.client):
            response = client.post(url, data={"name": "x", "reason": "x"})
            html = response.get_data(as_text=True)
            assert response.status_code == 400 and CSRF_ZH in html and CSRF_EN in html, (endpoint, url)
            checked += 1
    assert checked > 100 and _head(app) == before
    # The token-authenticated API, called with the session cookie and no X-CSRFToken, is refused too.
    for endpoint in TOKEN_AUTHENTICATED_POSTS:
        url = next(u for e, u in routes if e == endpoint)
        response = signed_in.client.post(url, json={"marks": [], "username": "admin", "password": "x"})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf", endpoint
    assert _head(app) == before


# --- sign-in throttling ---------------------------------------------------------------------------------

@pytest.fixture
def limited_app(app, request, monkeypatch):
    """An app on the test database with sign-in limits on: 4 attempts a minute per address, 2 refused per
    account; its counts in memory, or in Redis through SAIPING_REDIS_URL (param "redis")."""
    saved = {name: getattr(limiter, name) for name in ("enabled", "_storage", "_limiter", "_key_prefix")}
    prefix = f"saiping-test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        monkeypatch.setenv("SAIPING_REDIS_URL", "redis://127.0.0.1:6379/0")
    limited = _app_on_the_test_database(app, RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix,
                                        SAIPING_LOGIN_LIMIT="4 per minute", SAIPING_LOGIN_ACCOUNT_LIMIT="2 per minute")
    limiter._key_prefix = prefix
    with limited.app_context():
        factories.organiser("admin")
        factories.organiser("other")
        db.session.commit()
    yield limited, prefix, request.param
    if request.param == "redis":
        import redis
        server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
    for name, value in saved.items():
        setattr(limiter, name, value)
    with limited.app_context():
        db.engine.dispose()


def _attempt(client, username: str, password: str, address: str):
    token = Browser(client).token()
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("limited_app", ["memory", "redis"], indirect=True)
def test_sign_in_is_throttled_per_account_and_per_address(limited_app):
    limited, prefix, storage = limited_app
    assert limited.config["RATELIMIT_STORAGE_URI"] == ("redis://127.0.0.1:6379/0" if storage == "redis"
                                                       else "memory://")
    client = limited.test_client()
    # Per account: two refused attempts on "admin", from two addresses; the third, from a third, is throttled.
    assert _attempt(client, "admin", "wrong-password-1", "10.0.0.1").status_code == 401
    assert _attempt(client, "admin", "wrong-password-2", "10.0.0.2").status_code == 401
    throttled = _attempt(client, "Admin", factories.PASSWORD, "10.0.0.3")  # even the right password, any case
    assert throttled.status_code == 429
    html = throttled.get_data(as_text=True)
    assert "尝试次数过多" in html or "Too many attempts" in html
    # Another account from a fresh address still signs in.
    assert _attempt(client, "other", factories.PASSWORD, "10.0.0.4").status_code == 302
    # Per address: four attempts from one address (any accounts), then it is throttled.
    for n in range(4):
        assert _attempt(client, f"nobody{n}", "wrong-password", "10.0.0.9").status_code == 401
    assert _attempt(client, "other", factories.PASSWORD, "10.0.0.9").status_code == 429
    # The API's token endpoint shares the counts (per account here).
    response = limited.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": factories.PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "http_429"
    assert "429" in limited.test_client().get("/api/v1/openapi.json").get_json()[
        "paths"]["/api/v1/auth/token"]["post"]["responses"]
    # Signing up counts against the address too.
    signing_up = limited.test_client()
    token = Browser(signing_up).token("/register")
    assert signing_up.post("/register", data={"csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 429
    if storage == "redis":
        import redis
        assert list(redis.Redis.from_url("redis://127.0.0.1:6379/0").scan_iter(f"*{prefix}*")), \
            "the counts are kept in Redis"


def test_behind_a_proxy_the_client_address_is_audited(app, monkeypatch):
    monkeypatch.setenv("SAIPING_PROXY_HOPS", "1")
    proxied = _app_on_the_test_database(app)
    try:
        client = proxied.test_client()
        token = Browser(client).token()
        client.post("/login", data={"username": "ghost", "password": "x", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.23"})
        with proxied.app_context():
            row = db.session.scalar(select(AuditLog).where(AuditLog.action == "auth.login_failed"))
            assert row.remote_addr == "198.51.100.23"
    finally:
        with proxied.app_context():
            db.engine.dispose()


# --- cookies and headers --------------------------------------------------------------------------------

def _session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("saiping_session="))


def test_session_cookie_flags_and_secure_when_configured(app, admin, monkeypatch):
    response = Browser(app.test_client()).login("admin")
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie
    monkeypatch.setenv("SAIPING_SECURE_COOKIES", "1")
    secure = _app_on_the_test_database(app)
    try:
        client = secure.test_client()
        token = csrf_from(client.get("/login", base_url="https://localhost").get_data(as_text=True))
        response = client.post("/login", data={"username": "admin", "password": factories.PASSWORD,
                                               "csrf_token": token}, base_url="https://localhost",
                               headers={"Referer": "https://localhost/login"})
        assert response.status_code == 302
        cookie = _session_cookie(response)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with secure.app_context():
            db.engine.dispose()


def test_security_headers_on_every_kind_of_response(app, admin):
    browser = Browser(app.test_client())
    anonymous = app.test_client()
    browser.login("admin")
    responses = {
        "html page": anonymous.get("/"), "form page": anonymous.get("/login"), "not found": anonymous.get("/nope"),
        "redirect": anonymous.get("/manage/"), "signed-in page": browser.get("/manage/"),
        "json api": anonymous.get("/api/v1/events"), "api error": anonymous.get("/api/v1/events/999999"),
        "openapi": anonymous.get("/api/v1/openapi.json"), "static file": anonymous.get("/static/css/saiping.css"),
        "spreadsheet": browser.get("/manage/scheme-template.xlsx"), "health": anonymous.get("/healthz"),
        "csrf refusal": anonymous.post("/login"),
    }
    for kind, response in responses.items():
        headers = response.headers
        response.close()
        policy = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, kind
        assert "frame-ancestors 'none'" in policy, kind
        assert headers.get("X-Frame-Options") == "DENY", kind
        assert headers.get("Referrer-Policy") == "same-origin", kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_templates_have_no_inline_scripts_or_event_handlers():
    templates = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    assert len(templates) > 20
    for path in templates:
        text = path.read_text()
        assert not INLINE_HANDLER.search(text), f"{path}: inline event handler"
        for attributes in SCRIPT_TAG.findall(text):
            # Data blocks (type="application/json") are never run; any other script must come from static/.
            assert "src=" in attributes or 'type="application/json"' in attributes, f"{path}: inline <script>"
        assert "javascript:" not in text.lower(), f"{path}: javascript: URL"


# --- passwords ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "username", "code"), [
    ("short1!", "wang", "password.too_short"),
    ("123456789012", "wang", "password.digits_only"),
    ("abcdefghijkl", "wang", "password.letters_only"),
    ("wangwei-2026!", "WangWei", "password.contains_username"),
])
def test_password_rules_refuse_weak_passwords(password, username, code):
    with pytest.raises(WeakPassword) as refused:
        check_password(password, username, min_length=10)
    assert refused.value.code == code


def test_a_good_password_passes_and_the_length_is_a_setting():
    check_password("river-7-stone", "wang", min_length=10)
    with pytest.raises(WeakPassword):
        check_password("river-7-stone", "wang", min_length=16)


def test_register_refuses_a_weak_password_in_both_languages(app):
    browser = Browser(app.test_client())
    data = {"name": "李四", "id_type": "resident_id", "username": "lisi", "id_number": factories.id_number(sequence=457)}
    response = browser.post("/register", {**data, "password": "1234567890"})
    assert response.status_code == 400 and "密码不能全是数字" in response.get_data(as_text=True)
    browser.get("/lang/en")
    response = browser.post("/register", {**data, "password": "lisi-lisi-2026"})
    assert response.status_code == 400
    assert "The password must not contain the user name." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "lisi")) is None


def test_changing_the_password_checks_the_current_one_and_the_rules(app, admin):
    browser = Browser(app.test_client())
    browser.login("admin")
    assert browser.get("/me/password").status_code == 200
    wrong = browser.post("/me/password", {"current_password": "not-it-at-all", "new_password": "river-7-stone"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = browser.post("/me/password", {"current_password": factories.PASSWORD, "new_password": "short1"})
    assert weak.status_code == 400 and "10" in weak.get_data(as_text=True)
    done = browser.post("/me/password", {"current_password": factories.PASSWORD, "new_password": "river-7-stone"})
    assert done.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "auth.password_changed"))
        assert row is not None and row.actor == "admin"
        assert "river" not in json.dumps([row.before, row.after])
    fresh = Browser(app.test_client())
    fresh.login("admin", "river-7-stone")


def test_changing_the_password_ends_the_other_sessions(app, admin):
    here, elsewhere = Browser(app.test_client()), Browser(app.test_client())
    here.login("admin")
    elsewhere.login("admin")
    assert elsewhere.get("/manage/").status_code == 200
    done = here.post("/me/password", {"current_password": factories.PASSWORD, "new_password": "river-7-stone"})
    assert done.status_code == 302
    assert here.get("/manage/").status_code == 200
    ended = elsewhere.get("/manage/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]


# --- sessions -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "expired"), [
    ([timedelta(hours=1, minutes=59)], False),                     # idle just under the timeout
    ([timedelta(hours=2, seconds=1)], True),                       # idle too long
    ([timedelta(hours=1, minutes=30)] * 8, False),                 # active for 12 hours
    ([timedelta(hours=1, minutes=30)] * 8 + [timedelta(minutes=2)], True),  # past the lifetime however active
])
def test_sessions_expire_after_idling_or_their_lifetime(app, admin, monkeypatch, pattern, expired):
    import competition.security as security
    clock = [1_000_000.0]
    monkeypatch.setattr(security, "_now", lambda: clock[0])
    browser = Browser(app.test_client())
    browser.login("admin")
    for step in pattern:
        clock[0] += step.total_seconds()
        response = browser.get("/manage/")
    assert (response.status_code == 302 and "/login" in response.headers["Location"]) == expired
    if expired:
        assert "会话已过期" in browser.get("/login").get_data(as_text=True)
    else:
        assert response.status_code == 200


def test_session_lifetimes_are_settings(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["SAIPING_SESSION_IDLE_TIMEOUT"] == timedelta(hours=2)


# --- the audit log of sign-ins ---------------------------------------------------------------------------

def test_sign_ins_and_failed_sign_ins_are_audited_without_the_password(app, admin):
    client = app.test_client()
    token = Browser(client).token()
    for username, password in (("admin", "Secret-guess-1"), ("no-such-user", "Secret-guess-2"),
                               ("admin", factories.PASSWORD)):
        client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action.like("auth.login%"))
                                  .order_by(AuditLog.seq)).all()
        assert [(r.action, (r.after or {}).get("username"), r.remote_addr) for r in rows] == [
            ("auth.login_failed", "admin", "203.0.113.7"), ("auth.login_failed", "no-such-user", "203.0.113.7"),
            ("auth.login", None, "203.0.113.7")]
        assert rows[-1].actor == "admin"
        dumped = json.dumps([[r.before, r.after, r.device, r.actor] for r in rows])
        assert "Secret-guess" not in dumped and factories.PASSWORD not in dumped
