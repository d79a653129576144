"""Browser fixtures: the app served on a loopback port by a thread, driven by Playwright in Debian's
Chromium (never a downloaded browser)."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """A factory of pages, each in its own browser context (its own cookies), in Chinese by default."""
    contexts = []

    def make(locale: str = "zh-CN", **options):
        context = chromium.new_context(base_url=live_server, locale=locale, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll ``expression`` (JavaScript, may be async) until it is truthy. Playwright's wait_for_function
    evaluates strings with eval, which our Content-Security-Policy forbids; page.evaluate does not."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(100)


def login(page, username: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the login form and wait for the user's own page."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url("**/me")
