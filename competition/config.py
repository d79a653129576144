"""Configuration: defaults here, then ``instance/config.py``, then ``SAIPING_*`` environment variables,
then the mapping passed to ``create_app`` (tests)."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class DefaultConfig:
    # Sessions and cookies: HttpOnly and SameSite always; Secure when served over HTTPS (SAIPING_SECURE_COOKIES=1).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "saiping_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # from sign-in, however active the session
    SAIPING_SESSION_IDLE_TIMEOUT = timedelta(hours=2)  # signed out after this long without a request
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: a judge's form may stay open all day
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    SAIPING_LOCALES = ("zh_CN", "en")

    BOOTSTRAP_SERVE_LOCAL = True  # a venue LAN may have no internet: never a CDN

    API_TITLE = "SaiPing API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {"description": "SaiPing (赛评) JSON API. Bearer tokens from POST /api/v1/auth/token."},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in attempts (page and API token): per address (a venue may sit behind one NAT address) and per
    # account name from any address. Counted in RATELIMIT_STORAGE_URI: memory per process, or Redis
    # (SAIPING_REDIS_URL) so that several workers and hosts share the counts.
    SAIPING_LOGIN_LIMIT = "60 per minute"
    SAIPING_LOOKUP_LIMIT = "10 per minute"  # contestant result look-ups per address
    SAIPING_RESULTS_VERSION_TTL = 1.0  # seconds a worker trusts a skill's results version (public page cache)
    SAIPING_LOGIN_ACCOUNT_LIMIT = "5 per minute;20 per hour"
    SAIPING_PASSWORD_MIN_LENGTH = 10
    SAIPING_PROXY_HOPS = 0  # reverse proxies in front of gunicorn that set X-Forwarded-For/-Proto (usually 1)

    # Nightly backup by the scheduler process: time of day (HH:MM, BABEL_DEFAULT_TIMEZONE), how many to keep,
    # and where (default instance/backups).
    SAIPING_BACKUP_TIME = "02:30"
    SAIPING_BACKUP_KEEP = 14
    SAIPING_BACKUP_DIR: str | None = None

    SAIPING_TOKEN_TTL = timedelta(hours=16)  # one venue day
    # Used in QR codes on certificates; set it to the public address in production.
    SAIPING_PUBLIC_URL = "http://127.0.0.1:5000"


def _env_overrides() -> dict:
    mapping = {
        "SAIPING_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "SAIPING_SECRET_KEY": "SECRET_KEY",
        "SAIPING_CERTIFICATE_SECRET": "SAIPING_CERTIFICATE_SECRET",
        "SAIPING_PUBLIC_URL": "SAIPING_PUBLIC_URL",
        "SAIPING_REDIS_URL": "RATELIMIT_STORAGE_URI",
        "SAIPING_BACKUP_DIR": "SAIPING_BACKUP_DIR",
        "SAIPING_BACKUP_TIME": "SAIPING_BACKUP_TIME",
    }
    out = {key: os.environ[var] for var, key in mapping.items() if os.environ.get(var)}
    for name in ("SAIPING_BACKUP_KEEP", "SAIPING_PROXY_HOPS"):
        if os.environ.get(name):
            out[name] = int(os.environ[name])
    if os.environ.get("SAIPING_SECURE_COOKIES") == "1":
        out["SESSION_COOKIE_SECURE"] = out["REMEMBER_COOKIE_SECURE"] = True
    if os.environ.get("SAIPING_QUIET_REQUESTS") == "1":
        out["SAIPING_QUIET_REQUESTS"] = True  # no JSON log line per request (benchmarks; errors are still logged)
    return out


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str, name: str = "secret_key") -> str:
    """Read a secret kept in the instance folder, creating it (mode 600) on first start."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
