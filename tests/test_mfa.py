"""Second factor (TOTP + one-time backup codes) for the roles that work with patient records.

Guards: `intake.middleware.RequireMFAMiddleware` / `mfa_required` (MFA_ENFORCED,
MFA_REQUIRED_ROLES, MFA_REQUIRED_FOR_ALL, superusers always), `intake.mfa.setup` / `verify`
and django-otp's TOTP replay protection and throttling. The unit-test run switches MFA off
(config/test_env.py), so every test here switches it back on with the `settings` fixture.
"""

import base64
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.mfa import BACKUP_CODE_COUNT
from tests.factories import PASSWORD, PatientFactory, UserFactory

LOGIN = reverse("login")
HOME = reverse("home")
PATIENTS = reverse("intake:patient-list")
ADMIN = reverse("admin:index")
SETUP = reverse("mfa-setup")
VERIFY = reverse("mfa-verify")
WRONG_CODE_MESSAGE = "That code didn't match."


@pytest.fixture(autouse=True)
def mfa_on(settings):
    # config/test_env.py sets MFA_ENFORCED=0 for the rest of the suite.
    settings.MFA_ENFORCED = True
    settings.MFA_REQUIRED_FOR_ALL = False


def gate(target: str, next_url: str) -> str:
    """Where RequireMFAMiddleware sends an unverified user who asked for `next_url`."""
    return f"{target}?{urlencode({'next': next_url})}"


def sign_in(username: str, password: str = PASSWORD) -> Client:
    """A fresh browser that signs in with the password only, through the real login form."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, "the password sign-in itself failed"
    return client


def totp_code(key: bytes, *, steps_ahead: int = 0, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for `key` now (or `steps_ahead` windows later)."""
    totp = TOTP(key, step=step, t0=0, digits=digits)
    totp.time = time.time() + steps_ahead * step
    return f"{totp.token():0{digits}d}"


def device_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    return totp_code(
        device.bin_key, steps_ahead=steps_ahead, step=device.step, digits=device.digits
    )


def a_wrong_code(*right: str) -> str:
    return next(code for code in ("000000", "111111", "222222") if code not in right)


def enrol(user, backup_codes: tuple[str, ...] = ()) -> TOTPDevice:
    """A confirmed authenticator app (and optionally backup codes), as setup leaves them."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    if backup_codes:
        static = StaticDevice.objects.create(user=user, name="Backup codes")
        for code in backup_codes:
            StaticToken.objects.create(device=static, token=code)
    return device


def pause_after_failure(user) -> None:
    """The person waits a minute before retrying: django-otp throttles retries (1 s, 2 s,
    4 s ... after each failure), and a test must not sleep."""
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=a_minute_ago)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=a_minute_ago)


def backup_codes_on(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<ul[^>]*aria-label="Backup codes"[^>]*>(.*?)</ul>', html, re.S)
    assert block, "no backup-code list on the page"
    return re.findall(r"<li>\s*([^<\s]+)\s*</li>", block.group(1))


# --- Who is asked ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clinician", "billing", "clinic_admin"])
def test_roles_with_patient_records_are_sent_to_setup_before_any_page(request, persona, clinic):
    # Guards: MFA_REQUIRED_ROLES + RequireMFAMiddleware (no device yet -> mfa-setup).
    user = request.getfixturevalue(persona)
    patient = PatientFactory(clinic=clinic, first_name="Philippa", last_name="Quarrington")
    client = sign_in(user.username)

    for url in (PATIENTS, HOME, patient.get_absolute_url(), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == gate(SETUP, url)
    # Nothing with patient data was served on the way.
    assert patient.last_name not in client.get(PATIENTS, follow=True).content.decode()


def test_the_admin_site_is_behind_the_second_factor(clinic_admin):
    # Guards: RequireMFAMiddleware covers /admin/ (it is just another path).
    client = sign_in(clinic_admin.username)

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"] == gate(SETUP, ADMIN)
    enrol(clinic_admin)
    assert client.get(ADMIN)["Location"] == gate(VERIFY, ADMIN)
    changelist = reverse("admin:intake_patient_changelist")
    assert client.get(changelist)["Location"] == gate(VERIFY, changelist)


def test_signing_in_through_the_admin_login_form_is_gated_too(clinic_admin):
    # Guards: the admin's own login view (url name "login", allowed through the gate) only
    # checks the password; everything after it still needs the second factor.
    enrol(clinic_admin)
    client = Client()

    response = client.post(
        reverse("admin:login"),
        {"username": clinic_admin.username, "password": PASSWORD, "next": ADMIN},
    )

    assert response.status_code == 302
    assert client.get(ADMIN)["Location"] == gate(VERIFY, ADMIN)


def test_front_desk_is_not_asked_unless_mfa_is_required_for_all(front_desk, settings):
    # Guards: MFA_REQUIRED_ROLES leaves front desk out; MFA_REQUIRED_FOR_ALL brings them in.
    client = sign_in(front_desk.username)
    assert client.get(PATIENTS).status_code == 200

    settings.MFA_REQUIRED_FOR_ALL = True

    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"] == gate(SETUP, PATIENTS)


def test_a_superuser_is_always_asked(db):
    # Guards: mfa_required() returns True for superusers whatever their groups.
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = sign_in("root")

    assert client.get(PATIENTS)["Location"] == gate(SETUP, PATIENTS)
    assert client.get(ADMIN)["Location"] == gate(SETUP, ADMIN)
    enrol(root)
    assert client.get(ADMIN)["Location"] == gate(VERIFY, ADMIN)


def test_an_unverified_user_can_still_sign_out(clinician):
    # Guards: the gate's allow-list; sign-out must never be trapped behind it.
    client = sign_in(clinician.username)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(SETUP)["Location"].startswith(LOGIN)


def test_there_is_no_password_reset_that_could_bypass_the_second_factor():
    # Guards: config/urls.py has no password-reset views. A reset link mailed to the
    # account's address would let whoever reads that mailbox choose a new password, and
    # staff with no device yet would then enrol the attacker's authenticator at the next
    # sign-in: the second factor would be only as strong as an email account. Forgotten
    # passwords are reset by a clinic admin in the admin (who is behind MFA themselves).
    for name in ("password_reset", "password_reset_confirm", "admin_password_reset"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    assert Client().get("/accounts/password/reset/").status_code == 404


# --- Setting up the authenticator ----------------------------------------------------------


def test_setup_shows_a_qr_code_and_key_refuses_a_wrong_code_and_confirms_the_right_one(
    clinician, field_text
):
    # Guards: intake.mfa.setup (QR + key, code checked before the device is confirmed,
    # 10 one-time backup codes shown once) and the gate lifting only after that.
    client = sign_in(clinician.username)
    page = client.get(gate(SETUP, PATIENTS))
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(
        r'<img[^>]+src="data:image/svg\+xml[^"]+"[^>]+alt="QR code for your authenticator app"',
        html,
    )
    secret = re.search(r"Key: <code[^>]*>([A-Z2-7=]+)</code>", html).group(1)
    device = TOTPDevice.objects.get(user=clinician)
    assert base64.b32decode(secret) == device.bin_key
    assert not device.confirmed

    # A wrong code: refused next to the field, nothing confirmed, still gated.
    right = totp_code(base64.b32decode(secret))
    response = client.post(SETUP, {"token": a_wrong_code(right), "next": PATIENTS})
    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in field_text(response, "id_token")
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=clinician).exists()
    assert client.get(PATIENTS)["Location"] == gate(SETUP, PATIENTS)

    # The right code (from the key on the page, as the app would show it) confirms it.
    pause_after_failure(clinician)
    response = client.post(SETUP, {"token": totp_code(base64.b32decode(secret)), "next": PATIENTS})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = backup_codes_on(response)
    assert len(codes) == len(set(codes)) == BACKUP_CODE_COUNT == 10
    stored = StaticToken.objects.filter(device__user=clinician).values_list("token", flat=True)
    assert sorted(stored) == sorted(codes)
    assert f'href="{PATIENTS}"' in response.content.decode()

    # This session is now verified; the codes are never shown again.
    assert client.get(PATIENTS).status_code == 200
    for url in (SETUP, VERIFY, HOME):
        later = client.get(url, follow=True).content.decode()
        assert not any(code in later for code in codes), url


def test_a_new_sign_in_after_setup_asks_for_a_code_and_the_next_code_lets_them_in(
    clinician, field_text
):
    # Guards: verification is per session (a new sign-in is unverified again), mfa-verify
    # accepts the app's code, and a code already used can't be replayed (django-otp last_t).
    first = sign_in(clinician.username)
    first.get(SETUP)
    key = TOTPDevice.objects.get(user=clinician).bin_key
    used = totp_code(key)
    assert first.post(SETUP, {"token": used}).status_code == 200

    client = sign_in(clinician.username)
    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"] == gate(VERIFY, PATIENTS)

    replay = client.post(VERIFY, {"token": used, "next": PATIENTS})
    assert replay.status_code == 200
    assert WRONG_CODE_MESSAGE in field_text(replay, "id_token")
    assert client.get(PATIENTS)["Location"] == gate(VERIFY, PATIENTS)

    pause_after_failure(clinician)
    response = client.post(VERIFY, {"token": totp_code(key, steps_ahead=1), "next": PATIENTS})
    assert response.status_code == 302
    assert response["Location"] == PATIENTS
    assert client.get(PATIENTS).status_code == 200


# --- Verifying at sign-in ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clinician", "billing", "clinic_admin"])
def test_an_enrolled_user_is_sent_to_verify_and_the_right_code_lets_them_in(
    request, persona, field_text
):
    # Guards: RequireMFAMiddleware (device -> mfa-verify) and intake.mfa.verify.
    user = request.getfixturevalue(persona)
    device = enrol(user)
    client = sign_in(user.username)

    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"] == gate(VERIFY, PATIENTS)
    assert client.get(response["Location"]).status_code == 200

    wrong = client.post(VERIFY, {"token": a_wrong_code(device_code(device)), "next": PATIENTS})
    assert wrong.status_code == 200
    assert WRONG_CODE_MESSAGE in field_text(wrong, "id_token")
    assert client.get(PATIENTS)["Location"] == gate(VERIFY, PATIENTS)

    pause_after_failure(user)
    response = client.post(VERIFY, {"token": device_code(device), "next": PATIENTS})
    assert response.status_code == 302
    assert response["Location"] == PATIENTS
    assert client.get(PATIENTS).status_code == 200
    if persona == "clinic_admin":
        assert client.get(ADMIN).status_code == 200


def test_retrying_a_code_at_once_after_a_wrong_one_is_refused(clinician):
    # Guards: django-otp throttling (OTP_TOTP_THROTTLE_FACTOR, default 1 s doubling per
    # failure), which keeps a 6-digit code from being brute-forced.
    device = enrol(clinician)
    client = sign_in(clinician.username)
    right = device_code(device)
    client.post(VERIFY, {"token": a_wrong_code(right)})

    response = client.post(VERIFY, {"token": right, "next": PATIENTS})

    assert response.status_code == 200
    assert client.get(PATIENTS)["Location"] == gate(VERIFY, PATIENTS)


def test_a_backup_code_works_once_and_not_twice(clinician, field_text):
    # Guards: backup codes are one-time (django-otp StaticDevice deletes a used token).
    enrol(clinician, backup_codes=("a1b2c3d4", "e5f6a7b8"))

    first = sign_in(clinician.username)
    response = first.post(VERIFY, {"token": "a1b2c3d4", "next": PATIENTS})
    assert response.status_code == 302
    assert response["Location"] == PATIENTS
    assert first.get(PATIENTS).status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["e5f6a7b8"]

    second = sign_in(clinician.username)
    response = second.post(VERIFY, {"token": "a1b2c3d4", "next": PATIENTS})
    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in field_text(response, "id_token")
    assert second.get(PATIENTS)["Location"] == gate(VERIFY, PATIENTS)


def test_verify_never_redirects_off_site(clinician):
    # Guards: intake.mfa._next_url (url_has_allowed_host_and_scheme).
    device = enrol(clinician)
    client = sign_in(clinician.username)

    response = client.post(VERIFY, {"token": device_code(device), "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- The session key after the second factor -------------------------------------------------


def session_key(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def with_session_key(key: str) -> Client:
    """Another browser presenting `key`: whoever planted or saw it before the MFA step."""
    other = Client()
    other.cookies[django_settings.SESSION_COOKIE_NAME] = key
    return other


@pytest.mark.parametrize("factor", ["totp", "backup code"])
def test_the_session_key_changes_when_the_second_factor_is_passed(clinician, factor):
    # Guards: intake.mfa._verified (session.cycle_key() after otp_login). The password
    # sign-in cycles the key once (Django's login); without a second cycle, a key someone
    # fixed or saw between password and code would become a verified session.
    device = enrol(clinician, backup_codes=("a1b2c3d4",))
    client = sign_in(clinician.username)
    before = session_key(client)
    token = device_code(device) if factor == "totp" else "a1b2c3d4"

    response = client.post(VERIFY, {"token": token, "next": PATIENTS})

    assert response["Location"] == PATIENTS
    after = session_key(client)
    assert after != before
    assert client.get(PATIENTS).status_code == 200
    # The pre-MFA key is gone, not promoted: it is signed out.
    assert with_session_key(before).get(PATIENTS)["Location"].startswith(LOGIN)


def test_the_session_key_changes_when_setup_confirms_the_authenticator(clinician):
    # Guards: intake.mfa.setup ends in the same _verified() as verify.
    client = sign_in(clinician.username)
    client.get(SETUP)
    before = session_key(client)
    key = TOTPDevice.objects.get(user=clinician).bin_key

    response = client.post(SETUP, {"token": totp_code(key), "next": PATIENTS})

    assert response.status_code == 200
    assert session_key(client) != before
    assert client.get(PATIENTS).status_code == 200
    assert with_session_key(before).get(PATIENTS)["Location"].startswith(LOGIN)


def test_a_wrong_code_leaves_the_session_key_alone(clinician):
    # The control: only a passed second factor cycles the key.
    device = enrol(clinician)
    client = sign_in(clinician.username)
    before = session_key(client)

    client.post(VERIFY, {"token": a_wrong_code(device_code(device)), "next": PATIENTS})

    assert session_key(client) == before


# --- The admin site asks every staff account -------------------------------------------------


def test_a_front_desk_user_given_is_staff_needs_the_second_factor_for_the_admin(front_desk):
    # Guards: RequireMFAMiddleware's _staff_in_admin. Front desk is not in
    # MFA_REQUIRED_ROLES, so app pages don't ask them; is_staff opens the admin, which
    # always asks (before the fix: 200 with the password alone).
    front_desk.is_staff = True
    front_desk.save()
    client = sign_in(front_desk.username)
    changelist = reverse("admin:intake_patient_changelist")
    unknown = f"{ADMIN}no-such-page/"

    for url in (ADMIN, changelist, unknown):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == gate(SETUP, url)
    assert client.get(PATIENTS).status_code == 200  # their app pages stay as configured

    device = enrol(front_desk)
    assert client.get(ADMIN)["Location"] == gate(VERIFY, ADMIN)
    response = client.post(VERIFY, {"token": device_code(device), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_admin_sign_in_and_sign_out_stay_reachable_for_unverified_staff(front_desk):
    # Guards: the gate's allow-list applies to the admin's own login/logout views too.
    front_desk.is_staff = True
    front_desk.save()
    client = Client()

    response = client.post(
        reverse("admin:login"),
        {"username": front_desk.username, "password": PASSWORD, "next": ADMIN},
    )

    assert response.status_code == 302
    assert client.get(ADMIN)["Location"] == gate(SETUP, ADMIN)
    signed_out = client.post(reverse("admin:logout"))
    assert (signed_out.status_code, signed_out["Location"]) == (302, LOGIN)
    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))


def test_front_desk_without_is_staff_is_not_asked_on_app_pages_nor_let_into_the_admin(
    front_desk,
):
    # The control: a front-desk user without is_staff is not let into the admin at all
    # (Django's own check), and is not asked for a second factor on app pages.
    client = sign_in(front_desk.username)

    assert client.get(PATIENTS).status_code == 200
    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))
