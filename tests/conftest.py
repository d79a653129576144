"""Fixtures shared by the whole suite.

The database is chosen by SAIPING_TEST_DATABASE: ``sqlite`` (default; a file in a temporary folder) or
``postgres`` (SAIPING_TEST_POSTGRES_URL, in a schema of its own that is dropped and recreated). The schema
is built by the migrations, once per session; every test starts from empty tables (reference data kept)."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

# SAIPING_TEST_PG_SCHEMA lets two checkouts run their PostgreSQL legs at once on one server.
TEST_SCHEMA = os.environ.get("SAIPING_TEST_PG_SCHEMA", "saiping_test")
KEEP_TABLES = {"grade_level", "alembic_version"}


def pytest_report_header(config: pytest.Config) -> str:
    kind = os.environ.get("SAIPING_TEST_DATABASE", "sqlite")
    if kind == "postgres":
        return f"database: PostgreSQL {os.environ.get('SAIPING_TEST_POSTGRES_URL', '(SAIPING_TEST_POSTGRES_URL unset)')}"
    return "database: SQLite (temporary file)"


def _database_url(tmp_dir: Path) -> str:
    kind = os.environ.get("SAIPING_TEST_DATABASE", "sqlite")
    if kind == "sqlite":
        return f"sqlite:///{tmp_dir / 'test.db'}"
    if kind != "postgres":
        raise pytest.UsageError(f"SAIPING_TEST_DATABASE must be sqlite or postgres, not {kind!r}")
    url = os.environ.get("SAIPING_TEST_POSTGRES_URL")
    if not url:
        raise pytest.UsageError("SAIPING_TEST_DATABASE=postgres needs SAIPING_TEST_POSTGRES_URL")
    import psycopg
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    # A PostgreSQL leg that cannot connect fails here: it never skips.
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {TEST_SCHEMA}")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{TEST_SCHEMA}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    tmp_dir = tmp_path_factory.mktemp("saiping")
    os.environ["SAIPING_INSTANCE_PATH"] = str(tmp_dir / "instance")
    from competition import create_app
    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": _database_url(tmp_dir), "SECRET_KEY": "test-secret",
        "SAIPING_CERTIFICATE_SECRET": "test-certificate-secret", "RATELIMIT_ENABLED": False,
        "SAIPING_QUIET_REQUESTS": True, "SERVER_NAME": None,
        "SAIPING_RESULTS_VERSION_TTL": 0,  # every request reads the version (test_results_public tests the memo)
    })
    import flask_migrate
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    from competition.extensions import db
    with application.app_context():
        db.engine.dispose()


def _empty_tables(app) -> None:
    from sqlalchemy import inspect

    from competition.extensions import db
    with app.app_context():
        db.session.remove()
        # Only tables the migrations made (test_migrations checks that models and migrations agree).
        existing = set(inspect(db.engine).get_table_names())
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in existing and t.name not in KEEP_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE and setval, not TRUNCATE: on a test's few rows TRUNCATE costs ~130 ms (it replaces
                # every table's files), this ~2 ms. Children first (sorted_tables), ids restart at 1.
                sequences = conn.execute(text(
                    "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
                    "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = s.relnamespace "
                    "WHERE s.relkind = 'S' AND n.nspname = current_schema() AND t.relname = ANY(:names)"),
                    {"names": [t.name for t in tables]}).scalars().all()
                conn.exec_driver_sql("; ".join([f'DELETE FROM "{t.name}"' for t in tables]
                                               + [f"SELECT setval('\"{name}\"', 1, false)" for name in sequences]))
            else:
                for table in tables:
                    conn.execute(table.delete())
            conn.execute(text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    _empty_tables(app)
    yield
    from competition.extensions import db
    with app.app_context():
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application and request context, for calling services directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """A test client that signs in and posts forms with the CSRF token, as a browser would."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, page: str = "/login") -> str:
        return csrf_from(self.client.get(page).get_data(as_text=True))

    def login(self, username: str, password: str = "saiping2026"):
        response = self.client.post("/login", data={"username": username, "password": password,
                                                     "csrf_token": self.token()})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.token("/me" if self._signed_in() else "/login"))
        return self.client.post(url, data=payload, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def _signed_in(self) -> bool:
        return self.client.get("/me").status_code == 200


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)
