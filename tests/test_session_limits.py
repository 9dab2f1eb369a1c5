"""Sessions end on their own: after 15 idle minutes, at the latest SESSION_ABSOLUTE_HOURS
after sign-in however busy, at sign-out, and as soon as the account is deactivated.

Guards: SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) with SESSION_SAVE_EVERY_REQUEST and the
database session backend (expiry is enforced server-side, not just by the cookie),
intake.middleware.SessionLifetimeMiddleware (SESSION_ABSOLUTE_HOURS), LogoutView (POST
flushes the stored session) and ModelBackend.get_user (inactive users are anonymous).
"""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.middleware import SessionLifetimeMiddleware
from tests.factories import PASSWORD, PatientFactory

LOGIN = reverse("login")
HOME = reverse("home")
SESSION_COOKIE = django_settings.SESSION_COOKIE_NAME
SIGNED_IN_AT = SessionLifetimeMiddleware.KEY


def sign_in(username: str) -> Client:
    """A browser signed in through the real form (so the session names ModelBackend)."""
    client = Client()
    assert client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 302
    assert client.get(HOME).status_code == 200
    return client


def session_key(client: Client) -> str:
    return client.cookies[SESSION_COOKIE].value


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=session_key(client))


def replay(key: str) -> Client:
    """Another browser presenting a copied session cookie."""
    client = Client()
    client.cookies[SESSION_COOKIE] = key
    return client


def settings_from_environment(**env: str) -> dict:
    """Import config/settings.py in a fresh interpreter with these environment variables."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'idle': s.SESSION_COOKIE_AGE, 'absolute': s.SESSION_ABSOLUTE_HOURS,"
        " 'every_request': s.SESSION_SAVE_EVERY_REQUEST}))"
    )
    environment = {**os.environ, **env}
    for name in ("SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS"):
        if name not in env:
            environment.pop(name, None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


# --- Idle timeout --------------------------------------------------------------------------


def test_the_idle_timeout_is_15_minutes_by_default_and_configurable():
    # Guards: SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60, default 15; renewed on every
    # request (SESSION_SAVE_EVERY_REQUEST), so it measures idleness, not session age.
    assert settings_from_environment() == {"idle": 900, "absolute": 12, "every_request": True}
    configured = settings_from_environment(SESSION_IDLE_MINUTES="5", SESSION_ABSOLUTE_HOURS="8")
    assert configured == {"idle": 300, "absolute": 8, "every_request": True}


def test_the_running_settings_use_15_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 900
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_stored_session_expires_the_idle_time_after_the_last_request(settings, front_desk):
    # Guards: the server-side expiry follows SESSION_COOKIE_AGE (here shortened to 2
    # minutes to show it is the setting, not a constant, that decides).
    settings.SESSION_COOKIE_AGE = 120
    client = sign_in(front_desk.username)

    before = timezone.now()
    assert client.get(HOME).status_code == 200
    expires = stored_session(client).expire_date

    assert before + timedelta(seconds=110) <= expires <= timezone.now() + timedelta(seconds=120)


def test_an_idle_session_is_refused_by_the_server(front_desk):
    # Guards: the expiry is checked server-side: a browser that kept the cookie gets nothing.
    client = sign_in(front_desk.username)
    Session.objects.filter(session_key=session_key(client)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


# --- Absolute lifetime ---------------------------------------------------------------------


def age_session(client: Client, seconds: float) -> None:
    """Pretend the sign-in happened `seconds` ago; the session stays active (not idle)."""
    session = client.session
    session[SIGNED_IN_AT] = time.time() - seconds
    session.save()  # also pushes the idle expiry SESSION_COOKIE_AGE ahead


def test_sign_in_time_is_recorded_on_the_first_request(front_desk):
    client = sign_in(front_desk.username)

    recorded = client.session[SIGNED_IN_AT]

    assert time.time() - 60 < recorded <= time.time()


def test_an_active_session_ends_after_the_absolute_lifetime(settings, front_desk, clinic):
    # Guards: SessionLifetimeMiddleware (SESSION_ABSOLUTE_HOURS, default 12).
    assert settings.SESSION_ABSOLUTE_HOURS == 12
    patient = PatientFactory(clinic=clinic)
    url = patient.get_absolute_url()
    client = sign_in(front_desk.username)
    old_key = session_key(client)
    age_session(client, settings.SESSION_ABSOLUTE_HOURS * 3600 + 60)
    assert stored_session(client).expire_date > timezone.now()  # not idle

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    # Signed out server-side, not just redirected: the old session is gone.
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.get(HOME).status_code == 302
    assert replay(old_key).get(HOME).status_code == 302


def test_a_session_just_inside_the_absolute_lifetime_continues(settings, front_desk):
    client = sign_in(front_desk.username)
    age_session(client, settings.SESSION_ABSOLUTE_HOURS * 3600 - 60)

    assert client.get(HOME).status_code == 200


def test_the_absolute_lifetime_follows_the_setting(settings, front_desk):
    settings.SESSION_ABSOLUTE_HOURS = 1
    client = sign_in(front_desk.username)
    age_session(client, 3600 + 60)

    assert client.get(HOME).status_code == 302


# --- Sign-out and deactivation -------------------------------------------------------------


def test_signing_out_ends_the_session_on_the_server(front_desk):
    # Guards: LogoutView (POST) flushes the stored session, so a copied cookie is useless.
    client = sign_in(front_desk.username)
    old_key = session_key(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=old_key).exists()
    response = replay(old_key).get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_signing_out_needs_a_post(front_desk):
    # A GET (a link or <img> on another page) must not be able to sign anyone out or in.
    client = sign_in(front_desk.username)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("how", ["password", "force_login"])
def test_deactivating_a_user_ends_their_session_on_the_next_request(
    how, front_desk, client_for, clinic
):
    # Guards: ModelBackend.get_user refuses is_active=False on every request.
    client = sign_in(front_desk.username) if how == "password" else client_for(front_desk)
    patient = PatientFactory(clinic=clinic)
    assert client.get(patient.get_absolute_url()).status_code == 200

    get_user_model().objects.filter(pk=front_desk.pk).update(is_active=False)

    response = client.get(patient.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert client.get(HOME).status_code == 302
