"""A wrong code and then the right one, typed at once.

Why the right code was refused with "That code didn't match": django-otp throttles each
device after a failure (1 s, then 2, 4, 8 ... for failures in a row) and, while throttled,
refuses every code *without checking it*. The page could not tell the two apart. Worse,
every mistyped app code was also tried as a backup code (django-otp's match_token tries
every device) and counted against the backup codes, whose count only a used backup code
resets: after enough typos over time the backup codes were locked for hours or days.

Now a code goes to the device it is meant for (6 digits: the app; otherwise the backup
codes), a throttled device is reported as "Too many tries; wait N seconds", and a good code
clears the count on every device. The throttle itself stays: it is what keeps a 6-digit code
from being guessed (tests/test_mfa.py).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_mfa import (
    PATIENTS,
    VERIFY,
    WRONG_CODE_MESSAGE,
    a_wrong_code,
    device_code,
    enrol,
    pause_after_failure,
    sign_in,
)


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.MFA_ENFORCED = True
    settings.MFA_REQUIRED_FOR_ALL = False


def test_the_right_code_at_once_after_a_wrong_one_says_to_wait_not_that_it_is_wrong(
    clinician, field_text
):
    device = enrol(clinician)
    client = sign_in(clinician.username)
    right = device_code(device)
    wrong = client.post(VERIFY, {"token": a_wrong_code(right), "next": PATIENTS})
    assert WRONG_CODE_MESSAGE in field_text(wrong, "id_token")

    response = client.post(VERIFY, {"token": right, "next": PATIENTS})

    assert response.status_code == 200
    said = field_text(response, "id_token")
    assert "Too many tries; wait 1 second, then enter the code again." in said
    assert WRONG_CODE_MESSAGE not in said
    assert client.get(PATIENTS)["Location"].startswith(VERIFY)

    # After the wait, the same right code lets them in.
    pause_after_failure(clinician)
    response = client.post(VERIFY, {"token": right, "next": PATIENTS})
    assert response.status_code == 302
    assert response["Location"] == PATIENTS


def test_the_wait_doubles_with_each_wrong_code_in_a_row(clinician, field_text):
    device = enrol(clinician)
    client = sign_in(clinician.username)
    wrong = a_wrong_code(device_code(device))
    for _ in range(3):
        pause_after_failure(clinician)
        client.post(VERIFY, {"token": wrong})
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 3

    response = client.post(VERIFY, {"token": device_code(device)})

    assert "Too many tries; wait 4 seconds" in field_text(response, "id_token")


def test_a_wrong_app_code_does_not_count_against_the_backup_codes(clinician):
    device = enrol(clinician, backup_codes=("a1b2c3d4",))
    client = sign_in(clinician.username)
    client.post(VERIFY, {"token": a_wrong_code(device_code(device))})

    backup = StaticDevice.objects.get(user=clinician)
    assert backup.throttling_failure_count == 0
    response = client.post(VERIFY, {"token": "a1b2c3d4", "next": PATIENTS})
    assert response.status_code == 302


def test_a_good_code_clears_the_count_on_the_other_device_too(clinician):
    device = enrol(clinician, backup_codes=("a1b2c3d4",))
    # Backup codes mistyped many times in the past: django-otp alone would lock them for days.
    long_ago = timezone.now() - timedelta(days=30)
    StaticDevice.objects.filter(user=clinician).update(
        throttling_failure_count=20, throttling_failure_timestamp=long_ago
    )
    client = sign_in(clinician.username)
    assert client.post(VERIFY, {"token": device_code(device)}).status_code == 302

    later = sign_in(clinician.username)
    response = later.post(VERIFY, {"token": "a1b2c3d4", "next": PATIENTS})

    assert response.status_code == 302
    assert response["Location"] == PATIENTS


def test_setup_says_to_wait_too(clinician, field_text):
    client = sign_in(clinician.username)
    client.get(reverse("mfa-setup"))
    device = TOTPDevice.objects.get(user=clinician)
    right = device_code(device)
    client.post(reverse("mfa-setup"), {"token": a_wrong_code(right)})

    response = client.post(reverse("mfa-setup"), {"token": right})

    assert "Too many tries; wait 1 second" in field_text(response, "id_token")
    device.refresh_from_db()
    assert not device.confirmed
