"""The four staff roles: their groups and permissions, and what each can do on the pages."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from intake.models import Patient
from intake.roles import ROLE_PERMISSIONS
from tests.factories import (
    BILLING,
    CLINIC_ADMIN,
    CLINICIAN,
    FRONT_DESK,
    ROLES,
    PatientFactory,
    UserFactory,
)

INTAKE_MODELS = [
    "patient",
    "coverage",
    "diagnosis",
    "symptomscore",
    "treatmenttrial",
    "screening",
    "treatmentrequest",
]
EDIT_STEPS = ["coverage", "clinical", "history", "screening", "request"]


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Margaret", last_name="Ellison", complete=True)


@pytest.fixture
def persona(request, front_desk, clinician, billing, clinic_admin):
    return {
        FRONT_DESK: front_desk,
        CLINICIAN: clinician,
        BILLING: billing,
        CLINIC_ADMIN: clinic_admin,
    }[request.param]


# --- Groups and permissions --------------------------------------------------------------


@pytest.mark.django_db
def test_the_four_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Front desk",
        "Clinician",
        "Billing",
        "Clinic admin",
    }
    assert ROLES == ["Front desk", "Clinician", "Billing", "Clinic admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_group_holds_exactly_the_permissions_of_its_role(role):
    group = Group.objects.get(name=role)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    # Every listed permission exists (a typo in ROLE_PERMISSIONS would silently drop it).
    assert held == set(ROLE_PERMISSIONS[role])


@pytest.mark.parametrize("role", [FRONT_DESK, CLINICIAN])
def test_front_desk_and_clinicians_can_add_and_change_intake(clinic, role):
    user = UserFactory(role=role, clinics=[clinic])

    for model in INTAKE_MODELS:
        assert user.has_perms([f"intake.view_{model}", f"intake.add_{model}"]), model
        assert user.has_perm(f"intake.change_{model}"), model
        assert not user.has_perm(f"intake.delete_{model}"), model
    assert not user.has_perm("intake.change_clinic")
    assert not user.has_perm("auth.change_user")


def test_billing_can_view_but_not_change_intake(billing):
    for model in INTAKE_MODELS:
        assert billing.has_perm(f"intake.view_{model}"), model
        assert not billing.has_perm(f"intake.add_{model}"), model
        assert not billing.has_perm(f"intake.delete_{model}"), model
    assert not billing.has_perm("intake.change_patient")
    assert not billing.has_perm("intake.change_diagnosis")
    assert not billing.has_perm("intake.change_treatmentrequest")


def test_clinic_admin_manages_clinics_providers_and_users(clinic_admin):
    assert clinic_admin.has_perms(
        [
            "intake.add_clinic",
            "intake.change_clinic",
            "intake.add_provider",
            "intake.change_provider",
            "intake.delete_patient",
            "auth.add_user",
            "auth.change_user",
            "auth.view_group",
        ]
    )
    assert not clinic_admin.has_perm("auth.change_group")
    assert not clinic_admin.has_perm("auth.delete_user")
    assert not clinic_admin.is_superuser


# --- Intake pages, per role --------------------------------------------------------------


@pytest.mark.parametrize("persona", [FRONT_DESK, CLINICIAN, CLINIC_ADMIN], indirect=True)
def test_staff_who_do_intake_can_open_every_intake_page(client_for, persona, patient):
    client = client_for(persona)

    assert client.get(reverse("intake:intake-start")).status_code == 200
    assert client.get(reverse("intake:patient-edit", args=[patient.pk])).status_code == 200
    for step in EDIT_STEPS:
        url = reverse("intake:intake-step", args=[patient.pk, step])
        assert client.get(url).status_code == 200, step


def test_front_desk_gets_the_new_intake_page_and_links_to_it(client_for, front_desk):
    client = client_for(front_desk)

    response = client.get(reverse("intake:intake-start"))

    assert response.status_code == 200
    assert "New intake: the patient" in response.content.decode()
    assert (
        f'href="{reverse("intake:intake-start")}"' in client.get(reverse("home")).content.decode()
    )


def test_billing_can_read_the_patient_list_and_page(client_for, billing, patient, page_text):
    client = client_for(billing)

    assert "Ellison, Margaret" in page_text(client.get(reverse("intake:patient-list")))
    detail = client.get(patient.get_absolute_url())
    assert detail.status_code == 200
    assert "Margaret Ellison" in page_text(detail)
    # ... with no way in to edit or start an intake.
    html = detail.content.decode()
    assert ">Edit<" not in html
    assert reverse("intake:intake-start") not in html


def test_billing_is_refused_the_new_intake_page(client_for, billing):
    client = client_for(billing)

    assert client.get(reverse("intake:intake-start")).status_code == 403
    assert client.post(reverse("intake:intake-start"), {"first_name": "X"}).status_code == 403
    assert not Patient.objects.filter(first_name="X").exists()


@pytest.mark.parametrize("step", EDIT_STEPS)
def test_billing_is_refused_every_edit_step(client_for, billing, patient, step):
    client = client_for(billing)
    url = reverse("intake:intake-step", args=[patient.pk, step])

    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


def test_billing_can_neither_edit_the_patient_nor_finish_an_intake(client_for, billing, clinic):
    in_progress = PatientFactory(clinic=clinic)
    client = client_for(billing)

    assert client.get(reverse("intake:patient-edit", args=[in_progress.pk])).status_code == 403
    review = client.post(reverse("intake:intake-review", args=[in_progress.pk]))
    assert review.status_code == 403
    in_progress.refresh_from_db()
    assert in_progress.intake_completed_at is None


def test_billing_sees_no_intake_in_progress_controls(client_for, billing, clinic, page_text):
    in_progress = PatientFactory(clinic=clinic)

    text = page_text(client_for(billing).get(in_progress.get_absolute_url()))

    assert "Intake in progress" in text
    assert "Continue intake" not in text
    assert "Finish intake" not in text


# --- The admin site ----------------------------------------------------------------------


def test_clinic_admin_can_reach_the_admin_site(client_for, clinic_admin, page_text):
    client = client_for(clinic_admin)

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    assert "Patient intake" in page_text(index)
    assert client.get(reverse("admin:intake_provider_add")).status_code == 200
    assert client.get(reverse("admin:auth_user_add")).status_code == 200
    assert 'href="/admin/"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("persona", [FRONT_DESK, CLINICIAN, BILLING], indirect=True)
def test_other_roles_are_kept_out_of_the_admin_site(client_for, persona):
    client = client_for(persona)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert 'href="/admin/"' not in client.get(reverse("home")).content.decode()


def test_clinic_admin_does_not_see_another_clinics_patients_in_the_admin(
    client_for, clinic_admin, other_clinic
):
    stranger = PatientFactory(clinic=other_clinic, first_name="Bea", last_name="Elsewhere")
    client = client_for(clinic_admin)

    changelist = client.get(reverse("admin:intake_patient_changelist"))
    change = client.get(reverse("admin:intake_patient_change", args=[stranger.pk]))

    assert "Elsewhere" not in changelist.content.decode()
    assert change.status_code in (302, 403, 404)


def test_clinic_admin_cannot_make_themselves_a_superuser(client_for, clinic_admin):
    client = client_for(clinic_admin)
    url = reverse("admin:auth_user_change", args=[clinic_admin.pk])

    client.post(
        url,
        {
            "username": clinic_admin.username,
            "first_name": clinic_admin.first_name,
            "last_name": clinic_admin.last_name,
            "email": clinic_admin.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(g.pk) for g in clinic_admin.groups.all()],
            "date_joined_0": clinic_admin.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": clinic_admin.date_joined.strftime("%H:%M:%S"),
        },
    )

    clinic_admin.refresh_from_db()
    assert not clinic_admin.is_superuser
