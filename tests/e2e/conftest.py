"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Playwright never downloads a browser here (`make chromium` installs Debian's). Its sync API keeps an
event loop running in the test thread, so Django's async-safety guard would refuse the ORM calls the
tests make to seed data. The guard protects against real concurrency, which these tests do not have,
and it must stay off for the whole session: the session-scoped browser keeps that loop alive while
the rest of the suite runs.
"""
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

from ..factories import PASSWORD  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).parent / "screenshots"

expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Screen:
    """One viewport and colour scheme the pages are checked (and photographed) in."""

    name: str
    width: int
    height: int
    color_scheme: str

    @property
    def is_phone(self) -> bool:
        return self.width < 760


DESKTOP_LIGHT = Screen("desktop-light", 1280, 900, "light")
DESKTOP_DARK = Screen("desktop-dark", 1280, 900, "dark")
PHONE_LIGHT = Screen("phone-light", 390, 844, "light")
PHONE_DARK = Screen("phone-dark", 390, 844, "dark")
SCREENS = [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT, PHONE_DARK]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (make chromium installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                             timeout=TIMEOUT_MS * 3)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts (separate cookie jars) for ``screen``; all closed after the test.

    Every page opened in them fails the test on an uncaught JavaScript error.
    """
    contexts: list[BrowserContext] = []
    page_errors: list[str] = []

    def make(screen: Screen = DESKTOP_LIGHT) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, color_scheme=screen.color_scheme,
                                      viewport={"width": screen.width, "height": screen.height},
                                      reduced_motion="reduce")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("page", lambda page: page.on("pageerror", lambda exc: page_errors.append(str(exc))))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"


def log_in(page: Page, user, password: str = PASSWORD, *, screenshot: str | None = None) -> Page:
    """Sign in through the real login form, as a person would."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in to Vetted")).to_be_visible()
    if screenshot:
        save_screenshot(page, screenshot)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Categories", exact=True)).to_be_visible()
    return page


@pytest.fixture
def logged_in_page(new_context) -> Callable[..., Page]:
    """``logged_in_page(user, screen=DESKTOP_LIGHT)``: a page in its own context, signed in as ``user``."""

    def make(user, screen: Screen = DESKTOP_LIGHT, *, password: str = PASSWORD,
             login_screenshot: str | None = None) -> Page:
        page = new_context(screen).new_page()
        return log_in(page, user, password, screenshot=login_screenshot)

    return make


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under tests/e2e/screenshots/ (git-ignored), for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # From the top, so the sticky header is not photographed halfway down a full-page shot.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
