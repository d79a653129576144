"""Fixtures of the evaluation tests: an evaluation body with two officers, inside a request context."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def body(ctx):
    return factories.evaluation_body()


@pytest.fixture
def officer(body):
    return factories.officer(body, "officer")


@pytest.fixture
def second_officer(body):
    return factories.officer(body, "officer2")
