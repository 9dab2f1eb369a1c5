"""Sign-in protection: brute-force lockout per username + address, password hashing and
password rules.

Guards: django-axes (AUTHENTICATION_BACKENDS starting with AxesStandaloneBackend,
AxesMiddleware, AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]], AXES_FAILURE_LIMIT,
AXES_LOCKOUT_TEMPLATE), PASSWORD_HASHERS (Argon2id first) and AUTH_PASSWORD_VALIDATORS
(minimum length 12, common passwords).
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

import config.settings as project_settings
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("login")
HOME = reverse("home")
PASSWORD_CHANGE = reverse("password_change")
ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.23"
WRONG = "not-the-password-at-all"
LOCKOUT_HEADING = "Too many failed sign-ins"


@pytest.fixture
def production_hashers(_fast_and_isolated, settings):
    # tests/conftest.py swaps in MD5 for speed; the hasher tests below need the project's
    # own list (config/settings.py, as loaded) back. Only they use it: Argon2 costs ~0.5 s
    # per sign-in here, and the lockout tests sign in dozens of times.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture
def nurse(clinic):
    return UserFactory(username="nurse.a", clinics=[clinic])


@pytest.fixture
def colleague(clinic):
    return UserFactory(username="nurse.b", clinics=[clinic])


def attempt(username: str, password: str, ip: str, **extra):
    """One sign-in from a fresh browser at address `ip`; returns (client, response)."""
    client = Client()
    response = client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )
    return client, response


def fail_until_locked(settings, username: str, ip: str, **extra) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(username, WRONG, ip, **extra)


def signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


# --- Lockout -------------------------------------------------------------------------------


def test_the_limit_is_five_failures_by_default(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_one_failure_short_of_the_limit_the_right_password_still_works(settings, nurse):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(nurse.username, WRONG, ATTACKER_IP)

    client, response = attempt(nurse.username, PASSWORD, ATTACKER_IP)

    assert response.status_code == 302
    assert signed_in(client)


def test_after_the_limit_that_user_from_that_address_is_locked_out_even_with_the_password(
    settings, nurse, page_text
):
    # Guards: AxesStandaloneBackend (first backend) refuses a locked username+IP before the
    # password is checked; AxesMiddleware answers with AXES_LOCKOUT_TEMPLATE.
    fail_until_locked(settings, nurse.username, ATTACKER_IP)

    client, response = attempt(nurse.username, PASSWORD, ATTACKER_IP)

    assert response.status_code == 429
    assert LOCKOUT_HEADING in page_text(response)
    assert not signed_in(client)
    attempt_row = AccessAttempt.objects.get(username=nurse.username, ip_address=ATTACKER_IP)
    assert attempt_row.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_the_same_user_from_another_address_can_still_sign_in(settings, nurse):
    # Guards: "ip_address" in the lockout key (a username-only key would lock them out
    # everywhere: anyone who knows a username could lock a clinician out of every clinic).
    fail_until_locked(settings, nurse.username, ATTACKER_IP)

    client, response = attempt(nurse.username, PASSWORD, OTHER_IP)

    assert response.status_code == 302
    assert signed_in(client)


def test_another_user_from_the_locked_address_can_still_sign_in(settings, nurse, colleague):
    # Guards: "username" in the lockout key (an IP-only key would lock out the whole clinic
    # behind its one NAT address).
    fail_until_locked(settings, nurse.username, ATTACKER_IP)

    client, response = attempt(colleague.username, PASSWORD, ATTACKER_IP)

    assert response.status_code == 302
    assert signed_in(client)


def test_a_forged_x_forwarded_for_header_does_not_reset_the_count(settings, nurse):
    # Guards: with PROXY_COUNT=0 (the default) the client address is REMOTE_ADDR and
    # X-Forwarded-For is ignored; otherwise an attacker would get a fresh budget of guesses
    # per forged address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(nurse.username, WRONG, ATTACKER_IP, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")

    client, response = attempt(
        nurse.username, PASSWORD, ATTACKER_IP, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )

    assert response.status_code == 429
    assert not signed_in(client)


def test_behind_one_proxy_a_lockout_does_not_spread_to_other_clients(settings, nurse):
    # Guards: AXES_CLIENT_IP_CALLABLE = audit.context.client_ip with PROXY_COUNT=1: the client
    # is what the proxy appended to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for), not
    # the proxy's own REMOTE_ADDR, which every client shares. (django-ipware's proxy_count
    # counts proxies listed inside the header, so with one nginx it read no client at all.)
    settings.PROXY_COUNT = 1
    proxy = "127.0.0.1"
    fail_until_locked(settings, nurse.username, proxy, HTTP_X_FORWARDED_FOR=ATTACKER_IP)

    client, response = attempt(nurse.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OTHER_IP)

    assert response.status_code == 302
    assert signed_in(client)


def test_behind_one_proxy_a_forged_forwarded_prefix_does_not_reset_the_count(settings, nurse):
    # The proxy appends the real address after whatever the client sent: only that last entry
    # counts, so a fresh forged prefix per guess gives no fresh budget.
    settings.PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = f"192.0.2.{n + 1}, {ATTACKER_IP}"
        attempt(nurse.username, WRONG, proxy, HTTP_X_FORWARDED_FOR=forged)

    client, response = attempt(
        nurse.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.200, {ATTACKER_IP}"
    )

    assert response.status_code == 429
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username=nurse.username).ip_address == ATTACKER_IP


def test_the_tried_password_is_not_stored_with_the_attempt(settings, nurse):
    # Guards: axes cleanses the password field (AXES_PASSWORD_FORM_FIELD) in post_data.
    attempt(nurse.username, "Hunter2-guess-XYZ", ATTACKER_IP)

    row = AccessAttempt.objects.get(username=nurse.username)
    assert "Hunter2-guess-XYZ" not in row.post_data


def test_a_superuser_sees_the_lockouts_in_the_admin(settings, nurse, client_for):
    # Guards: axes' AccessAttempt admin (AXES_ENABLE_ADMIN) lists the locked username+IP.
    fail_until_locked(settings, nurse.username, ATTACKER_IP)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    response = client_for(root).get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    assert nurse.username in html and ATTACKER_IP in html
    assert "Locked Out" in html


def test_a_clinic_admin_needs_axes_view_accessattempt_to_see_lockouts(
    settings, nurse, clinic_admin, client_for
):
    # Documents what the changelist requires: the axes.view_accessattempt permission
    # (delete_accessattempt to unlock). Granted directly, the clinic admin sees the row.
    fail_until_locked(settings, nurse.username, ATTACKER_IP)
    clinic_admin.user_permissions.add(
        Permission.objects.get(content_type__app_label="axes", codename="view_accessattempt")
    )
    admin = get_user_model().objects.get(pk=clinic_admin.pk)  # fresh permission cache

    response = client_for(admin).get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert nurse.username in response.content.decode()


def test_a_clinic_admin_can_see_and_clear_lockouts_in_the_admin(
    settings, nurse, clinic_admin, client_for
):
    fail_until_locked(settings, nurse.username, ATTACKER_IP)
    client = client_for(clinic_admin)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert nurse.username in response.content.decode()
    assert clinic_admin.has_perm("axes.delete_accessattempt")


# --- Password hashing ----------------------------------------------------------------------


@pytest.mark.usefixtures("production_hashers")
def test_a_newly_set_password_is_hashed_with_argon2id(client_for, nurse):
    # Guards: PASSWORD_HASHERS[0] is Argon2PasswordHasher (argon2id variant).
    new = "Infusion-chair-7-window"

    response = client_for(nurse).post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.password.startswith("argon2$argon2id$")
    assert new not in nurse.password
    assert nurse.check_password(new)


@pytest.mark.usefixtures("production_hashers")
def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(nurse):
    # Guards: Argon2 first with PBKDF2 still listed: old hashes verify and are re-hashed.
    get_user_model().objects.filter(pk=nurse.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )

    client, response = attempt(nurse.username, PASSWORD, OTHER_IP)

    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.password.startswith("argon2$argon2id$")


# --- Password rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [
        pytest.param(
            "Xq7-vbn-41a",  # 11 characters, not common
            "This password is too short. It must contain at least 12 characters.",
            id="11-characters",
        ),
        pytest.param("password1234", "This password is too common.", id="common"),
    ],
)
def test_a_short_or_common_password_is_refused_with_a_message(
    client_for, nurse, page_text, new, message
):
    # Guards: MinimumLengthValidator(min_length=12) and CommonPasswordValidator.
    response = client_for(nurse).post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200
    assert message in page_text(response)
    nurse.refresh_from_db()
    assert nurse.check_password(PASSWORD)


def test_twelve_characters_is_enough(client_for, nurse):
    new = "Xq7-vbn-41aZ"
    assert len(new) == 12

    response = client_for(nurse).post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.check_password(new)
