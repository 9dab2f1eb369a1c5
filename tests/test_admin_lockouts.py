"""Lockouts and authenticators in the admin: a clinic admin sees and clears only their own
users' (issue 12).

intake/admin.py scoped django-axes' lockout list, but audit/admin.py then registered axes'
own admin again (to add the safe date hierarchy) and the scoping was lost: every clinic's
lockouts, usernames and IP addresses were listed to every clinic admin. Now audit wraps the
admin registered before it.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import FRONT_DESK, UserFactory

THEIR_IP = "203.0.113.77"
OWN_IP = "198.51.100.12"


@pytest.fixture
def client(client_for, clinic_admin):
    return client_for(clinic_admin)


@pytest.fixture
def own_user(clinic):
    return UserFactory(username="lakenurse", role=FRONT_DESK, clinics=[clinic])


@pytest.fixture
def their_user(other_clinic):
    return UserFactory(username="riverdesk", role=FRONT_DESK, clinics=[other_clinic])


def lockout(username, ip):
    return AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


def test_the_lockout_list_shows_only_the_admins_own_users(client, own_user, their_user):
    lockout(own_user.username, OWN_IP)
    lockout(their_user.username, THEIR_IP)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    assert own_user.username in html and OWN_IP in html
    assert their_user.username not in html and THEIR_IP not in html


def test_another_clinics_lockout_can_not_be_opened_or_cleared(client, their_user):
    theirs = lockout(their_user.username, THEIR_IP)

    page = client.get(reverse("admin:axes_accessattempt_change", args=[theirs.pk]))
    delete = client.post(
        reverse("admin:axes_accessattempt_delete", args=[theirs.pk]), {"post": "yes"}
    )
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [str(theirs.pk)], "post": "yes"},
    )

    assert page.status_code != 200 and delete.status_code != 200
    assert AccessAttempt.objects.filter(pk=theirs.pk).exists()


def test_the_admin_clears_their_own_users_lockout(client, own_user):
    own = lockout(own_user.username, OWN_IP)

    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[own.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=own.pk).exists()


def test_the_clean_up_of_every_clinics_expired_attempts_is_not_offered(client, client_for):
    root = UserFactory(username="rootuser", is_superuser=True, is_staff=True)
    url = reverse("admin:axes_accessattempt_changelist")

    own_actions = client.get(url).context["action_form"].fields["action"].choices
    root_actions = client_for(root).get(url).context["action_form"].fields["action"].choices

    assert "cleanup_expired_attempts" not in dict(own_actions)
    assert "cleanup_expired_attempts" in dict(root_actions)


def test_authenticators_of_another_clinics_users_stay_hidden_even_with_the_permission(
    client_for, clinic_admin, own_user, their_user
):
    # No role grants the TOTP device admin; if someone grants it, it still stops at the clinic.
    clinic_admin.user_permissions.add(Permission.objects.get(codename="view_totpdevice"))
    client = client_for(clinic_admin)
    own = TOTPDevice.objects.create(user=own_user, name="own phone", confirmed=True)
    theirs = TOTPDevice.objects.create(user=their_user, name="their phone", confirmed=True)

    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[theirs.pk]))
    own_config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[own.pk]))

    assert list(listing.context["cl"].result_list) == [own]
    assert their_user.username not in listing.content.decode()
    assert config.status_code == 403
    assert theirs.key not in config.content.decode()
    assert own_config.status_code == 200
