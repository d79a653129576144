"""SaiPing (赛评): competitions and 新八级 evaluation for Chongqing's skills system.

``create_app`` builds the whole application (the competition and evaluation sides share one app,
one database and one audit log)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from competition.config import DefaultConfig, _env_overrides, instance_secret_key, normalise_database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE_ID_MAX = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most 2**31 - 1, the range of both databases' integer ids, so that a
    larger number matches no route (404) instead of reaching the database driver (500). Documented in the
    OpenAPI as the parameter's maximum."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, DATABASE_ID_MAX if max is None else max, signed)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Settings come from defaults, ``instance/config.py``, ``SAIPING_*`` variables and
    ``config`` (in that order, later wins). With nothing set it runs on ``instance/saiping.db``."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("SAIPING_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,  # config.py below is the instance folder's, not the package's
    )
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_env_overrides())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(app.instance_path) / "saiping.db"))
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("SAIPING_CERTIFICATE_SECRET"):
        # Separate from SECRET_KEY: rotating the session key must not invalidate printed certificates.
        app.config["SAIPING_CERTIFICATE_SECRET"] = instance_secret_key(app.instance_path, "certificate_secret")

    from competition import database, i18n, logs, security, web_errors
    from competition.extensions import api, bootstrap, csrf, db, limiter, login_manager, migrate

    database.configure_sqlite()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                                      app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    logs.init_app(app)
    security.init_app(app, login_manager)
    api.init_app(app)
    web_errors.init_app(app)  # after the API: flask-smorest registers an HTTPException handler of its own

    from competition.api import register_api
    from competition.views import register_views
    from evaluation.views import bp as evaluation_bp

    register_views(app)
    app.register_blueprint(evaluation_bp)
    register_api(api)

    from competition.cli import register_cli
    register_cli(app)
    if app.config["SAIPING_PROXY_HOPS"]:
        # Behind a reverse proxy: take the client's address and scheme from X-Forwarded-* (that many proxies
        # deep), so that sign-in limits count per client, the audit log has the client's address and
        # redirects stay on https.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = int(app.config["SAIPING_PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
