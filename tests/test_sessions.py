"""Signing in and out, changing a password, and the 15-minute idle timeout."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, PatientFactory

LOGIN = reverse("login")
HOME = reverse("home")
NEW_PASSWORD = "Ketamine-desk-new-secret-7"
SESSION_COOKIE = "sessionid"


def session_of(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[SESSION_COOKIE].value)


def expire(client: Client, *, by: timedelta = timedelta(seconds=1)) -> None:
    """Make the signed-in session of `client` expire, as 15 idle minutes would."""
    Session.objects.filter(session_key=client.cookies[SESSION_COOKIE].value).update(
        expire_date=timezone.now() - by
    )


def sign_in(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    page = client.get(LOGIN, {"next": next_url} if next_url else {})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client.post(
        LOGIN,
        {
            "username": username,
            "password": password,
            "next": next_url,
            "csrfmiddlewaretoken": token.group(1),
        },
    )


@pytest.fixture
def browser():
    """A client that enforces CSRF, like a real browser session would be checked."""
    return Client(enforce_csrf_checks=True)


def test_the_idle_timeout_defaults_to_15_minutes_and_every_request_renews_it(settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_each_request_pushes_the_session_expiry_15_minutes_ahead(client_for, front_desk):
    client = client_for(front_desk)
    client.get(HOME)
    # Pretend the user has been idle for 14 of their 15 minutes.
    Session.objects.filter(pk=session_of(client).pk).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )

    response = client.get(HOME)

    assert response.status_code == 200
    assert session_of(client).expire_date > timezone.now() + timedelta(minutes=14)
    assert SESSION_COOKIE in response.cookies  # the cookie is re-sent, too


def test_an_expired_session_sends_the_user_back_to_sign_in(client_for, front_desk):
    client = client_for(front_desk)
    assert client.get(HOME).status_code == 200

    expire(client)
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_an_expired_session_on_a_patient_page_sends_the_user_back_to_sign_in(
    client_for, front_desk, clinic
):
    patient = PatientFactory(clinic=clinic)
    client = client_for(front_desk)
    url = patient.get_absolute_url()
    assert client.get(url).status_code == 200

    expire(client)
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


def test_signing_in_leads_home(browser, front_desk, page_text):
    response = sign_in(browser, "frontdesk")

    assert response.status_code == 302
    assert response["Location"] == HOME
    home = browser.get(HOME)
    assert home.status_code == 200
    assert "Good to see you, " + front_desk.first_name in page_text(home)


def test_signing_in_returns_to_the_page_asked_for(browser, front_desk):
    patients = reverse("intake:patient-list")

    response = sign_in(browser, "frontdesk", next_url=patients)

    assert response["Location"] == patients


def test_signing_in_never_redirects_off_site(browser, front_desk):
    response = sign_in(browser, "frontdesk", next_url="https://evil.example/")

    assert response["Location"] == HOME


def test_a_wrong_password_is_refused(browser, front_desk, page_text):
    response = sign_in(browser, "frontdesk", password="not-the-password")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in page_text(response)
    assert browser.get(HOME).status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(browser, front_desk):
    response = sign_in(browser, "frontdesk")

    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # Expires with the browser as well as after 15 idle minutes.
    assert not cookie["max-age"]


def test_signing_out_needs_a_post_and_ends_the_session(browser, front_desk):
    sign_in(browser, "frontdesk")
    home = browser.get(HOME)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home.content.decode())

    assert browser.get(reverse("logout")).status_code == 405
    response = browser.post(reverse("logout"), {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert browser.get(HOME).status_code == 302
    assert not Session.objects.exists()


def test_the_sign_out_button_is_on_every_page(client_for, front_desk):
    html = client_for(front_desk).get(HOME).content.decode()

    assert f'<form method="post" action="{reverse("logout")}">' in html
    assert "Sign out" in html


def test_changing_the_password(client_for, front_desk, page_text):
    client = client_for(front_desk)
    assert client.get(reverse("password_change")).status_code == 200

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == reverse("password_change_done")
    assert "Password changed" in page_text(client.get(response["Location"]))
    # Still signed in on this browser; the new password works and the old one doesn't.
    assert client.get(HOME).status_code == 200
    front_desk.refresh_from_db()
    assert front_desk.check_password(NEW_PASSWORD)
    assert not front_desk.check_password(PASSWORD)
    assert sign_in(Client(enforce_csrf_checks=True), "frontdesk", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "new, message",
    [
        ("short-1A", "This password is too short. It must contain at least 12 characters."),
        ("123456789012345", "This password is entirely numeric."),
        ("password12345", "This password is too common."),
    ],
)
def test_a_weak_new_password_is_refused(client_for, front_desk, page_text, new, message):
    client = client_for(front_desk)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200
    assert message in page_text(response)
    front_desk.refresh_from_db()
    assert front_desk.check_password(PASSWORD)


def test_changing_the_password_needs_the_old_one(client_for, front_desk, page_text):
    response = client_for(front_desk).post(
        reverse("password_change"),
        {
            "old_password": "wrong-old-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert "Your old password was entered incorrectly" in page_text(response)
    front_desk.refresh_from_db()
    assert front_desk.check_password(PASSWORD)
