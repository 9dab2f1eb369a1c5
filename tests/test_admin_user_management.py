"""A clinic admin manages only the users of their own clinics (issue 12, the admin takeover).

Reproduced before the fix: clinic B's admin opened clinic B's change form, whose staff picker
listed every user, added clinic A's admin to clinic B, reset that user's password in the
admin's password form and issued an MFA enrolment code, then signed in as them. Now a clinic
admin is offered, lists and reaches only users who belong to at least one of the admin's
clinics and to no clinic outside them, never a superuser.

`clinic` is clinic B (the attacker's), `other_clinic` is clinic A.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from intake.models import MfaEnrolment
from tests.factories import CLINIC_ADMIN, CLINICIAN, FRONT_DESK, PASSWORD, UserFactory
from tests.factories_documents import form_fields

NEW_PASSWORD = "Window-seat-lantern-93"


@pytest.fixture
def admin_a(other_clinic):
    return UserFactory(username="riverboss", role=CLINIC_ADMIN, clinics=[other_clinic])


@pytest.fixture
def shared(clinic, other_clinic):
    """A clinician who works at both clinics: clinic A's business as much as B's."""
    return UserFactory(username="bothsides", role=CLINICIAN, clinics=[clinic, other_clinic])


@pytest.fixture
def root(db):
    return UserFactory(username="rootuser", is_superuser=True, is_staff=True)


@pytest.fixture
def nurse(clinic):
    return UserFactory(username="lakenurse", role=FRONT_DESK, clinics=[clinic])


@pytest.fixture
def outsiders(admin_a, shared, root):
    return [admin_a, shared, root]


@pytest.fixture
def client(client_for, clinic_admin):
    return client_for(clinic_admin)


def change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def post_user_form(client, user, **changes):
    data = form_fields(client.get(change_url(user)), containing="username")
    data.update(changes)
    return client.post(change_url(user), data)


# --- The takeover, step by step ----------------------------------------------------------


def test_the_clinic_staff_picker_offers_only_users_the_admin_manages(
    client, clinic, clinic_admin, nurse, outsiders
):
    response = client.get(reverse("admin:intake_clinic_change", args=[clinic.pk]))

    offered = set(response.context["adminform"].form.fields["staff"].queryset)
    assert offered == {clinic_admin, nurse}
    html = response.content.decode()
    for outsider in outsiders:
        assert outsider.username not in html


def test_a_forged_staff_post_is_refused_and_the_other_clinics_admin_stays_out(
    client, clinic, clinic_admin, admin_a
):
    url = reverse("admin:intake_clinic_change", args=[clinic.pk])
    data = form_fields(client.get(url), containing="npi")
    data["staff"] = [str(clinic_admin.pk), str(admin_a.pk)]

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors["staff"]
    assert "Select a valid choice" in errors[0]
    assert not clinic.staff.filter(pk=admin_a.pk).exists()


def test_saving_the_clinic_keeps_staff_the_admin_does_not_manage(
    client, clinic, clinic_admin, nurse, shared, root
):
    clinic.staff.add(root)
    url = reverse("admin:intake_clinic_change", args=[clinic.pk])
    data = form_fields(client.get(url), containing="npi")
    data["staff"] = [str(clinic_admin.pk)]  # nurse taken off; shared and root never shown

    response = client.post(url, data)

    assert response.status_code == 302
    assert set(clinic.staff.all()) == {clinic_admin, shared, root}


def test_the_password_form_of_a_user_outside_the_admins_clinics_is_a_404(client, outsiders, nurse):
    for outsider in outsiders:
        before = fresh(outsider).password
        assert client.get(password_url(outsider)).status_code == 404
        response = client.post(
            password_url(outsider),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )
        assert response.status_code == 404
        assert fresh(outsider).password == before
    # The admin's own staff: the same form works.
    response = client.post(
        password_url(nurse),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert fresh(nurse).check_password(NEW_PASSWORD)


def test_enrolment_codes_are_issued_only_for_the_admins_own_users(client, outsiders, nurse):
    changelist = reverse("admin:auth_user_changelist")

    client.post(
        changelist,
        {
            "action": "issue_mfa_enrolment_codes",
            "_selected_action": [str(u.pk) for u in outsiders],
        },
    )
    assert not MfaEnrolment.objects.exists()

    response = client.post(
        changelist,
        {
            "action": "issue_mfa_enrolment_codes",
            "_selected_action": [str(u.pk) for u in [*outsiders, nurse]],
        },
    )
    assert response.status_code == 200
    assert list(MfaEnrolment.objects.values_list("user__username", flat=True)) == ["lakenurse"]


# --- Lists, forms and history -------------------------------------------------------------


def test_the_user_list_shows_only_the_admins_own_users(client, clinic_admin, nurse, outsiders):
    response = client.get(reverse("admin:auth_user_changelist"))

    assert set(response.context["cl"].result_list) == {clinic_admin, nurse}
    html = response.content.decode()
    for outsider in outsiders:
        assert outsider.username not in html


def test_change_and_history_pages_of_users_outside_are_not_shown(client, outsiders):
    for outsider in outsiders:
        for url in (change_url(outsider), reverse("admin:auth_user_history", args=[outsider.pk])):
            response = client.get(url, follow=True)
            assert response.redirect_chain[-1][0] == reverse("admin:index"), url
            assert outsider.username not in response.content.decode()


def test_a_forged_edit_of_a_user_outside_changes_nothing(client, nurse, outsiders):
    data = form_fields(client.get(change_url(nurse)), containing="username")
    for outsider in outsiders:
        before = fresh(outsider)
        forged = {**data, "username": outsider.username, "is_active": "", "email": "x@evil.example"}
        client.post(change_url(outsider), forged)
        after = fresh(outsider)
        assert (after.is_active, after.email, after.password) == (
            before.is_active,
            before.email,
            before.password,
        )


def test_the_admin_locks_and_unlocks_their_own_staff(client, nurse):
    response = post_user_form(client, nurse, is_active="")
    assert response.status_code == 302
    assert not fresh(nurse).is_active

    post_user_form(client, nurse, is_active="on")
    assert fresh(nurse).is_active


def test_superuser_rights_and_loose_permissions_cannot_be_granted_through_the_form(client, nurse):
    permission = Permission.objects.get(codename="delete_user")
    response = post_user_form(
        client,
        nurse,
        is_superuser="on",
        user_permissions=[str(permission.pk)],
        first_name="Renamed",
    )

    assert response.status_code == 302
    after = fresh(nurse)
    assert after.first_name == "Renamed"  # the rest of the form was saved
    assert not after.is_superuser
    assert not after.user_permissions.exists()


def test_only_the_four_roles_are_offered_and_other_groups_are_refused(client, nurse):
    powerful = Group.objects.create(name="Auditors")
    powerful.permissions.add(Permission.objects.get(codename="delete_user"))

    response = post_user_form(client, nurse, groups=[str(powerful.pk)])

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["adminform"].form.errors["groups"][0]
    assert not fresh(nurse).groups.filter(pk=powerful.pk).exists()


def test_a_group_given_by_a_superuser_survives_the_clinic_admins_save(client, nurse):
    extra = Group.objects.create(name="Pilot testers")
    nurse.groups.add(extra)

    response = post_user_form(client, nurse, first_name="Renamed")

    assert response.status_code == 302
    assert fresh(nurse).groups.filter(pk=extra.pk).exists()


def test_the_superuser_filter_is_not_in_the_clinic_admins_sidebar(client, client_for, root):
    own = client.get(reverse("admin:auth_user_changelist"))
    superusers = client_for(root).get(reverse("admin:auth_user_changelist"))

    assert "By superuser status" not in own.content.decode()
    assert "By superuser status" in superusers.content.decode()


def test_a_new_user_joins_the_admins_clinics_and_can_sign_in(client, clinic):
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newdesk",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="newdesk")
    assert list(user.clinics.all()) == [clinic]
