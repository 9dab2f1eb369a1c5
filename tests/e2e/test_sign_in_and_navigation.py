"""Signing in, what each role's navigation offers, a refused page, and the keyboard."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    check_page,
    give_authenticator,
    pass_second_step,
    path_is,
    save_screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAIN_NAV = ["Patients", "New intake", "Appeals", "Dashboard", "Audit", "Admin"]


def test_front_desk_signs_in_through_the_login_form(page: Page):
    page.goto(reverse("home"))
    expect(page).to_have_url(path_is(reverse("login")))
    check_page(page, "sign-in")

    sign_in(page, "frontdesk", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("frontdesk")
    check_page(page, "sign-in-refused")

    sign_in(page, "frontdesk")
    expect(page).to_have_url(path_is(reverse("home")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Fran")
    expect(page.get_by_role("heading", name="Intakes in progress")).to_be_visible()


@pytest.mark.parametrize(
    ("username", "needs_code", "links"),
    [
        ("frontdesk", False, ["Patients", "New intake"]),
        ("clinician", True, ["Patients", "New intake", "Appeals", "Dashboard"]),
        ("billing", True, ["Patients", "Appeals", "Dashboard"]),
        ("clinicadmin", True, [*MAIN_NAV]),
    ],
)
def test_each_role_sees_only_its_own_navigation(page: Page, username, needs_code, links):
    device = give_authenticator(username) if needs_code else None
    sign_in(page, username)
    if device is not None:
        check_page(page, f"mfa-verify-{username}")
        pass_second_step(page, device)
    expect(page).to_have_url(path_is(reverse("home")))

    nav = page.get_by_role("navigation", name="Main")
    for name in MAIN_NAV:
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(
            1 if name in links else 0
        )
    check_page(page, f"home-{username}")
    if "Audit" in links:
        nav.get_by_role("link", name="Audit").click()
        expect(nav.get_by_role("link", name="Audit")).to_have_attribute("aria-current", "page")
        check_page(page, "audit-report")


def test_front_desk_is_refused_the_billing_work_queue(page: Page):
    sign_in(page, "frontdesk")
    expect(page).to_have_url(path_is(reverse("home")))

    response = page.goto(reverse("appeals:work-queue"))
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access to this page")
    expect(page.get_by_role("link", name="Back to your work")).to_be_visible()
    check_page(page, "work-queue-refused-front-desk")


def test_sign_in_and_patient_search_work_with_the_keyboard_alone(page: Page):
    page.goto(reverse("login"))
    keyboard = page.keyboard

    expect(page.get_by_label("Username")).to_be_focused()  # the form's autofocus
    keyboard.type("frontdesk")
    keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    keyboard.type("Demo-Clinic-2026!")
    keyboard.press("Enter")
    expect(page).to_have_url(path_is(reverse("home")))

    # The first Tab on a page shows the skip link.
    keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    tab_until(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")
    )
    save_screenshot(page, "keyboard-focus-in-navigation")  # the focus ring must show
    keyboard.press("Enter")
    expect(page).to_have_url(path_is(reverse("intake:patient-list")))

    tab_until(page, page.get_by_role("searchbox", name="Search patients"))
    keyboard.type("Ellison")
    keyboard.press("Enter")
    result = page.get_by_role("link", name="Ellison, Margaret")
    expect(result).to_be_visible()
    expect(page.get_by_role("link", name="Castillo, Robert")).to_have_count(0)
    check_page(page, "patient-search-result")

    tab_until(page, result)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Ellison")


def tab_until(page: Page, target, limit: int = 40) -> None:
    """Press Tab until `target` has focus; fail if it can't be reached by keyboard."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()
