"""Enrolling an authenticator needs a one-time code from a clinic admin.

Guards: MFA_ENROLMENT_CODE_REQUIRED (on in production, off in the unit-test run, so this
module switches it on), `intake.mfa.issue_enrolment_code` / `redeem_enrolment_code`, the
setup view's code step (no secret is shown before the code is accepted), the
StaffUserAdmin action that issues codes and the `mfa_enrolment_code` command. Without it,
whoever first signs in with a new user's password would enrol their own phone.
"""

import base64
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from intake.mfa import issue_enrolment_code
from intake.models import MfaEnrolment
from tests.factories import CLINIC_ADMIN, UserFactory
from tests.test_mfa import PATIENTS, SETUP, enrol, gate, sign_in, totp_code

CODE_FIELD = "id_code"


@pytest.fixture(autouse=True)
def mfa_with_enrolment_codes(settings):
    settings.MFA_ENFORCED = True
    settings.MFA_REQUIRED_FOR_ALL = False
    settings.MFA_ENROLMENT_CODE_REQUIRED = True


def secret_on(response) -> bytes:
    match = re.search(r"Key: <code[^>]*>([A-Z2-7=]+)</code>", response.content.decode())
    assert match, "no authenticator key on the page"
    return base64.b32decode(match.group(1))


def test_a_password_alone_cannot_enrol_an_authenticator(clinician, page_text):
    client = sign_in(clinician.username)

    page = client.get(gate(SETUP, PATIENTS))

    assert page.status_code == 200
    assert "enrolment code" in page_text(page)
    assert "Key:" not in page.content.decode()  # no secret before the code
    assert "data:image/svg" not in page.content.decode()
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert client.get(PATIENTS)["Location"] == gate(SETUP, PATIENTS)


def test_with_the_admins_code_the_user_enrols_and_the_code_is_used_up(clinician, field_text):
    code, _ = issue_enrolment_code(clinician)
    client = sign_in(clinician.username)

    response = client.post(SETUP, {"code": code.lower().replace("-", " "), "next": PATIENTS})

    assert response.status_code == 302
    assert not MfaEnrolment.objects.filter(user=clinician).exists()  # used up
    page = client.get(response["Location"])
    key = secret_on(page)
    response = client.post(SETUP, {"token": totp_code(key), "next": PATIENTS})
    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=clinician).confirmed
    assert client.get(PATIENTS).status_code == 200
    # Someone else with the password and the same code gets nowhere.
    intruder = sign_in(clinician.username)
    assert intruder.get(SETUP)["Location"].startswith(reverse("mfa-verify"))


def test_a_wrong_code_is_explained_and_five_wrong_codes_void_it(clinician, field_text):
    issue_enrolment_code(clinician)
    client = sign_in(clinician.username)

    for _ in range(MfaEnrolment.MAX_WRONG_TRIES - 1):
        response = client.post(SETUP, {"code": "AAAAA-AAAAA"})
        assert "That is not your enrolment code." in field_text(response, CODE_FIELD)
    response = client.post(SETUP, {"code": "AAAAA-AAAAA"})

    assert "wrong too many times, so it no longer works" in field_text(response, CODE_FIELD)
    assert not MfaEnrolment.objects.filter(user=clinician).exists()


def test_an_expired_code_is_refused(clinician, field_text):
    code, enrolment = issue_enrolment_code(clinician)
    MfaEnrolment.objects.filter(pk=enrolment.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = sign_in(clinician.username)

    response = client.post(SETUP, {"code": code})

    assert "Your enrolment code has expired." in field_text(response, CODE_FIELD)
    assert client.get(PATIENTS)["Location"] == gate(SETUP, PATIENTS)


def test_a_secret_shown_before_the_code_was_given_is_never_reused(settings, clinician):
    # An unconfirmed device left from earlier (code step off at the time, or an old session).
    settings.MFA_ENROLMENT_CODE_REQUIRED = False
    early = sign_in(clinician.username)
    seen = secret_on(early.get(SETUP))
    settings.MFA_ENROLMENT_CODE_REQUIRED = True
    code, _ = issue_enrolment_code(clinician)
    client = sign_in(clinician.username)

    client.post(SETUP, {"code": code})

    assert secret_on(client.get(SETUP)) != seen


def test_the_admin_issues_codes_shown_once_and_the_old_authenticator_stops_working(
    clinic, clinician, page_text
):
    enrol(clinician, backup_codes=("aaaa1111",))
    admin_user = UserFactory(username="boss", role=CLINIC_ADMIN, clinics=[clinic])
    admin = sign_in(admin_user.username)
    admin_device = enrol(admin_user)
    session = admin.session
    session["otp_device_id"] = admin_device.persistent_id  # the admin passed their own MFA
    session.save()

    response = admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "issue_mfa_enrolment_codes", "_selected_action": [clinician.pk]},
    )

    assert response.status_code == 200
    shown = re.search(r"<code[^>]*>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", response.content.decode())
    assert shown, page_text(response)
    assert "in person or by phone" in page_text(response)
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticDevice.objects.filter(user=clinician).exists()
    enrolment = MfaEnrolment.objects.get(user=clinician)
    assert enrolment.issued_by == admin_user
    assert shown.group(1) not in enrolment.code_hash  # only a hash is kept
    entry = AuditEntry.objects.filter(model_label="intake.mfaenrolment").latest("id")
    assert shown.group(1) not in str(entry.changes)
    # ... and the code works for the clinician.
    client = sign_in(clinician.username)
    assert client.post(SETUP, {"code": shown.group(1)}).status_code == 302


def test_a_clinic_admin_cannot_issue_codes_for_another_clinics_staff(
    clinic, other_clinic, page_text
):
    admin_user = UserFactory(username="boss", role=CLINIC_ADMIN, clinics=[clinic])
    stranger = UserFactory(username="elsewhere", clinics=[other_clinic])
    admin = sign_in(admin_user.username)
    session = admin.session
    session["otp_device_id"] = enrol(admin_user).persistent_id
    session.save()

    admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "issue_mfa_enrolment_codes", "_selected_action": [stranger.pk]},
    )

    assert not MfaEnrolment.objects.filter(user=stranger).exists()


def test_the_command_prints_a_code_for_the_first_superuser(db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    out = io.StringIO()

    call_command("mfa_enrolment_code", "root", stdout=out)

    code = re.search(r"Enrolment code for root: ([A-Z2-9]{5}-[A-Z2-9]{5})", out.getvalue())
    assert code
    client = sign_in(root.username)
    assert client.post(SETUP, {"code": code.group(1)}).status_code == 302
