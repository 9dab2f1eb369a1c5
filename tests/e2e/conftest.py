"""Real-browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live
server with the demo data (`seed_demo`) in a transactional test database.

Why not pytest-playwright's fixtures: they keep one Playwright event loop running for the
whole session, and Django refuses ORM calls from any thread with a running loop. Here the
loop lives only while this package's tests run (package-scoped fixtures below), and
DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time, so the rest of the suite keeps
Django's async-safety check.

Playwright's own browser download does not work on our machines; the tests use
/usr/bin/chromium (Debian's `chromium` package) and skip, saying so, when it is missing.
"""

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from intake.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tests.e2e.helpers import DESKTOP, BrowserProblems
from tests.reference_data import reseed_reference_data

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root); no background or update traffic: the machine's network is
# closed and Chromium would otherwise retry Google's hosts at every start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}: install Debian's browser with "
        "`apt-get install -y chromium` to run the browser tests"
    )
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def _async_unsafe_allowed() -> Iterator[None]:
    # Playwright's sync API runs an asyncio loop in this thread; Django's ORM (test set-up,
    # assertions) would refuse to run beside it. Allowed only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_async_unsafe_allowed) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, started while MEDIA_URL is a path.

    config/settings.py sets MEDIA_URL = None (there is no public media URL), and Django's
    live-server thread builds a media-files handler from it that fails on every request.
    The handler reads the setting once, at start; the app never serves media either way.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="/media-is-never-served/"):
        server = LiveServer(addr)
    yield server
    server.stop()


# Reference data that migrations seed. A transactional test ends with a flush, which empties
# every table; Django's post_migrate signal then brings back content types, permissions and
# the role groups, but not these rows, so each test puts them back (tests/reference_data.py).


@pytest.fixture
def demo(live_server, settings) -> None:
    """The demo clinic, its four staff users and patients, on top of the reference data;
    sign-in as in production (second step on for clinicians, billing and admins)."""
    reseed_reference_data()
    settings.MFA_ENFORCED = True
    call_command("seed_demo", stdout=io.StringIO())
    # With DEBUG off the demo accounts get no usable password (an admin sets one); do that.
    for user in get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS]):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])


@pytest.fixture
def page(browser, live_server, demo) -> Iterator[Page]:
    expect.set_options(timeout=10_000)
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, accept_downloads=True, locale="en-US"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    BrowserProblems.watch(tab)
    yield tab
    context.close()
