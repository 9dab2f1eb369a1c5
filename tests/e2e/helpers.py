"""What every browser test does on the way: sign in, look at a page as a person and as a
screen reader would (axe-core), keep a screenshot, and notice what broke in the browser."""

import base64
import json
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.templatetags.static import static
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from intake.management.commands.seed_demo import DEMO_PASSWORD

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots"
AXE_SCRIPT = "vendor/axe-core/axe.min.js"
# Impacts that fail a test; moderate and minor findings are printed, not enforced.
BLOCKING_IMPACTS = ("serious", "critical")

_problems: "weakref.WeakKeyDictionary[Page, BrowserProblems]" = weakref.WeakKeyDictionary()


@dataclass
class BrowserProblems:
    """Uncaught script errors, Content-Security-Policy refusals and broken assets."""

    found: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, page: Page) -> "BrowserProblems":
        problems = cls()
        page.on("pageerror", lambda error: problems.found.append(f"script error: {error}"))
        page.on("console", problems._console)
        page.on("response", problems._response)
        _problems[page] = problems
        return problems

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"CSP: {message.text}")

    def _response(self, response) -> None:
        asset = response.request.resource_type in ("script", "stylesheet", "image", "font")
        if response.status >= 500 or (asset and response.status >= 400):
            self.found.append(f"HTTP {response.status} for {response.url}")

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


# Signing in


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def give_authenticator(username: str) -> TOTPDevice:
    """An enrolled authenticator app for a demo user (as after the set-up page)."""
    user = get_user_model().objects.get(username=username)
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(key: bytes) -> str:
    return f"{totp(key):06d}"


def pass_second_step(page: Page, device: TOTPDevice) -> None:
    """The code page that follows the password for clinicians, billing and admins."""
    expect(page).to_have_url(path_is(reverse("mfa-verify")))
    page.get_by_label("Code").fill(current_code(device.bin_key))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(path_is(reverse("home")))


def enrol_second_step(page: Page, screenshot_prefix: str) -> None:
    """First sign-in of a clinician: type the shown key into an 'app', confirm, keep codes."""
    expect(page).to_have_url(path_is(reverse("mfa-setup")))
    check_page(page, f"{screenshot_prefix}-mfa-setup")
    secret = page.locator("code.user-select-all").inner_text().strip()
    page.get_by_label("Code").fill(current_code(base64.b32decode(secret)))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    expect(page.get_by_role("list", name="Backup codes").get_by_role("listitem")).to_have_count(10)
    check_page(page, f"{screenshot_prefix}-mfa-backup-codes")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(path_is(reverse("home")))


def path_is(path: str) -> re.Pattern:
    """For `expect(page).to_have_url(...)`: this path on the live server, any query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?[^#]*)?(#.*)?$")


# Looking at a page


def check_page(page: Page, name: str, *, screenshot: bool = True) -> None:
    """Screenshot the whole page, then fail on serious/critical axe-core findings and on
    anything the browser refused or could not load since the last check."""
    page.wait_for_load_state("load")
    if screenshot:
        save_screenshot(page, name)
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if advisory := [v for v in violations if v not in blocking]:
        print(f"axe-core, not enforced, on {name}:\n{describe(advisory)}")  # shown with -s
    assert not blocking, f"accessibility problems on {name} ({page.url}):\n" + describe(blocking)
    problems = browser_problems(page)
    assert not problems, f"browser problems on {name} ({page.url}):\n" + "\n".join(problems)


def browser_problems(page: Page) -> list[str]:
    """What went wrong in the browser since the last look (and forget it)."""
    return _problems[page].take() if page in _problems else []


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict]:
    """Run the vendored axe-core on the page. It is loaded as a same-origin static script,
    not inline: the Content-Security-Policy (script-src 'self') refuses inline scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=static(AXE_SCRIPT))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {json.dumps(node['target'])}: {summary}")
    return "\n".join(lines)


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
