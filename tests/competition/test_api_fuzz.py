"""Schemathesis against /api/v1/openapi.json, through the WSGI app (no network): for generated requests to
every documented operation, anonymous and with an organiser's bearer token, no response is a 5xx and every
response (status, content type, headers, body) matches what the document says. Examples are limited so each
database leg stays well under a minute."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from competition.extensions import db
from competition.services import accounts, events
from tests import factories

MAX_EXAMPLES = 12


@pytest.fixture
def token(app, monkeypatch) -> str:
    """An organiser's bearer token, in a world with one event open for registration."""
    from werkzeug.security import generate_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"))
    with app.test_request_context():
        ev = factories.event()
        factories.skill_with_scheme(ev)
        events.change_status(ev, "registration_open")
        plain, _row = accounts.issue_token(factories.organiser("admin"), "fuzz")
        db.session.commit()
        return plain


def test_the_api_keeps_to_its_document(app, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: dict[str, str] = {}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_the_document(case) -> None:
            case.call_and_validate()
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        try:
            keeps_to_the_document()
        except (Exception, BaseExceptionGroup) as error:  # every operation is tried; failures reported together
            failures[operation.label] = str(error)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


@pytest.mark.parametrize("url", ["/api/v1/events/99999999999999999999", "/api/v1/skills/99999999999999999999/results",
                                 "/api/v1/evaluation/issuers/99999999999999999999",
                                 "/api/v1/evaluation/status/99999999999999999999",
                                 "/manage/events/99999999999999999999", "/events/99999999999999999999"])
def test_ids_beyond_the_database_range_are_not_found(client, url):
    assert client.get(url).status_code in (302, 404)
