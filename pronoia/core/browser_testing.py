"""Helpers for the browser tests: Debian's Chromium driven by Playwright (never a downloaded
browser), a skip or (with CI=true) a failure when it is missing, and a Django session as a cookie.

Open the browser only after the test's database objects exist: Playwright's sync API runs an event
loop in the thread, and Django refuses ORM calls while one runs.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def tools_or_skip(what: str, *paths: Path) -> None:
    """Skip `what` when Chromium (or another tool in `paths`) is missing; fail instead under CI."""
    missing = [str(path) for path in (CHROMIUM, *paths) if not path.exists()]
    if missing:
        message = f"{what} needs {', '.join(missing)} (`make test` installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def chromium_launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def chromium_open() -> Iterator[object]:
    """Headless Chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def session_cookie(client, base_url: str) -> dict:
    """The session of a Django test client that signed someone in, as a Playwright cookie."""
    from django.conf import settings

    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


def click_and_wait_for_page(page, locator) -> None:
    """Click something that loads a new page and return once that page's document is there.

    `click()` followed by `wait_for_load_state()` races: the wait can resolve on the old page before
    the navigation starts, and reading the page then gives the old or an empty document.
    """
    with page.expect_navigation(wait_until="domcontentloaded"):
        locator.click()
