"""Page blueprints, named by who uses them (as in Tabbycat's urls_admin / urls_public)."""
from flask import Flask


def register_views(app: Flask) -> None:
    from competition.views import (
        appeals,
        auth,
        draw,
        judges,
        manage,
        me,
        public,
        registration,
        reports,
        results,
        tablet,
    )

    for module in (public, auth, me, manage, judges, tablet, reports, draw, registration, results, appeals):
        app.register_blueprint(module.bp)
