"""Idle sign-out without losing work: a warning a minute before the 15 idle minutes are up,
with "Stay signed in" (intake:keep-alive renews the session), and a save that arrives after
the session ended is kept, for the same user only, and shown again after signing in
(intake/resume.py). The browser side is in tests/e2e/test_idle_sign_out.py."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.models import Coverage, Patient
from intake.resume import STASH_KEY
from tests.factories import FRONT_DESK, PASSWORD, PatientFactory, UserFactory, current_version
from tests.test_intake_flow import COVERAGE, PATIENT, step_url

LOGIN = reverse("login")
KEEP_ALIVE = reverse("intake:keep-alive")
COOKIE = django_settings.SESSION_COOKIE_NAME


def sign_in(client: Client, username: str, next_url: str = "") -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302, "sign-in failed"


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[COOKIE].value)


def let_the_session_expire(client: Client) -> None:
    Session.objects.filter(session_key=client.cookies[COOKIE].value).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Opal", last_name="Quince")


@pytest.fixture
def desk(front_desk):
    client = Client()
    sign_in(client, front_desk.username)
    return client


# --- The warning and "Stay signed in" -------------------------------------------------


def test_signed_in_pages_carry_the_warning_dialog(desk):
    html = desk.get(reverse("home")).content.decode()

    dialog = re.search(r"<dialog[^>]*>", html).group(0)
    assert 'role="alertdialog"' in dialog
    assert 'data-idle-seconds="900"' in dialog
    assert 'data-warn-seconds="60"' in dialog
    assert f'data-keep-alive-url="{KEEP_ALIVE}"' in dialog
    assert "You&#x27;ll be signed out soon" in html or "You'll be signed out soon" in html
    assert "signed out after 15 minutes without activity" in html
    assert "Stay signed in" in html
    assert "js/idle.js" in html


def test_the_sign_in_page_has_no_warning(client):
    assert "<dialog" not in client.get(LOGIN).content.decode()


def test_stay_signed_in_renews_the_session(desk):
    Session.objects.filter(pk=stored_session(desk).pk).update(
        expire_date=timezone.now() + timedelta(seconds=50)
    )

    response = desk.post(KEEP_ALIVE)

    assert response.status_code == 200
    assert json.loads(response.content) == {"idle_seconds": 900}
    assert stored_session(desk).expire_date > timezone.now() + timedelta(minutes=14)


def test_keep_alive_cannot_bring_back_an_ended_session(desk):
    let_the_session_expire(desk)

    response = desk.post(KEEP_ALIVE)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_keep_alive_is_a_post_for_staff_only(desk, client_for, no_role_user):
    assert desk.get(KEEP_ALIVE).status_code == 405
    assert client_for(no_role_user).post(KEEP_ALIVE).status_code == 403


# --- A save that meets an ended session -----------------------------------------------


def typed_coverage(patient) -> dict:
    return {**COVERAGE, "medigap_plan": "Plan N", **current_version(patient)}


def test_a_save_after_the_session_ended_is_kept_and_shown_again_after_sign_in(
    desk, front_desk, patient, page_text
):
    url = step_url(patient, "coverage")
    assert desk.get(url).status_code == 200
    typed = typed_coverage(patient)
    let_the_session_expire(desk)

    response = desk.post(url, typed)

    # Asked to sign in again; nothing saved, nothing in the URL but the page's path.
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    assert not Coverage.objects.filter(patient=patient).exists()
    # Kept in the new session, encrypted: the MBI is nowhere in the stored session data.
    kept = stored_session(desk)
    assert "1eg4te5mk73" not in kept.session_data.lower()
    assert "1eg4te5mk73" not in json.dumps(kept.get_decoded()).lower()

    sign_in(desk, front_desk.username, next_url=url)
    page = desk.get(url)

    text = page_text(page)
    assert "You were signed out before this was saved" in text
    assert "is NOT saved yet" in text
    html = page.content.decode()
    assert 'value="Plan N"' in html
    assert 'value="1eg4te5mk73"' in html
    assert f'name="lock_version" value="{typed["lock_version"]}"' in html
    assert not Coverage.objects.filter(patient=patient).exists()

    # Shown once; saving it then works as usual.
    assert 'value="Plan N"' not in desk.get(url).content.decode()
    assert desk.post(url, typed).status_code == 302
    assert Coverage.objects.get(patient=patient).medigap_plan == "Plan N"


def test_someone_else_signing_in_on_that_browser_gets_nothing(desk, patient, clinic):
    url = step_url(patient, "coverage")
    let_the_session_expire(desk)
    desk.post(url, typed_coverage(patient))
    UserFactory(username="colleague", role=FRONT_DESK, clinics=[clinic])

    sign_in(desk, "colleague", next_url=url)
    page = desk.get(url).content.decode()

    assert 'value="Plan N"' not in page
    assert "You were signed out before this was saved" not in page
    assert STASH_KEY not in desk.session


def test_a_post_without_an_ended_session_keeps_nothing(patient):
    stranger = Client()

    response = stranger.post(step_url(patient, "coverage"), typed_coverage(patient))

    assert response.status_code == 302
    assert STASH_KEY not in stranger.session


def test_the_restored_form_still_catches_a_colleagues_save_meanwhile(desk, front_desk, patient):
    url = step_url(patient, "coverage")
    typed = typed_coverage(patient)
    let_the_session_expire(desk)
    desk.post(url, typed)
    Patient.objects.filter(pk=patient.pk).update(lock_version=typed["lock_version"] + 1)

    sign_in(desk, front_desk.username, next_url=url)
    desk.get(url)
    response = desk.post(url, typed)

    assert response.status_code == 409
    assert not Coverage.objects.filter(patient=patient).exists()


def test_a_new_patient_typed_before_the_session_ended_is_kept(desk, front_desk, clinic):
    start = reverse("intake:intake-start")
    let_the_session_expire(desk)
    desk.post(start, {**PATIENT, "clinic": clinic.pk, "last_name": "Kept"})
    assert not Patient.objects.exists()

    sign_in(desk, front_desk.username, next_url=start)
    html = desk.get(start).content.decode()

    assert 'value="Kept"' in html
    assert 'value="12 Elm Road"' in html
