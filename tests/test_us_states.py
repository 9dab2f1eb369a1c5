"""Addresses name a real US state: patients and clinics choose it from localflavor's list
(states, DC, territories, military mail); anything else is refused in words, and stored
addresses keep their state through the migration."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from intake.models import Clinic, Patient
from tests.factories import ClinicFactory, PatientFactory, current_version
from tests.test_intake_flow import PATIENT

UNKNOWN_STATE = "“ZZ” is not a US state or territory. Choose the state from the list."


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


def test_the_patient_page_offers_the_states_as_a_list_with_nothing_chosen(desk):
    html = desk.get(reverse("intake:intake-start")).content.decode()

    assert '<select name="state"' in html
    assert '<option value="" selected>Choose the state</option>' in html
    assert '<option value="NY">New York</option>' in html
    assert '<option value="PR">Puerto Rico</option>' in html


def test_zz_is_refused_next_to_the_state_and_no_patient_is_created(desk, clinic, field_text):
    response = desk.post(
        reverse("intake:intake-start"), {**PATIENT, "clinic": clinic.pk, "state": "ZZ"}
    )

    assert response.status_code == 200
    assert UNKNOWN_STATE in field_text(response, "id_state")
    assert not Patient.objects.exists()


@pytest.mark.parametrize("typed, stored", [("ny", "NY"), ("PR", "PR"), ("dc", "DC"), ("AE", "AE")])
def test_a_state_territory_or_military_code_is_accepted_in_capitals(desk, clinic, typed, stored):
    response = desk.post(
        reverse("intake:intake-start"), {**PATIENT, "clinic": clinic.pk, "state": typed}
    )

    assert response.status_code == 302
    assert Patient.objects.get().state == stored


def test_editing_a_patient_to_state_zz_is_refused_and_keeps_the_saved_state(
    desk, clinic, field_text
):
    patient = PatientFactory(clinic=clinic, state="NY")

    response = desk.post(
        reverse("intake:patient-edit", args=[patient.pk]),
        {**PATIENT, "clinic": clinic.pk, "state": "ZZ", **current_version(patient)},
    )

    assert UNKNOWN_STATE in field_text(response, "id_state")
    patient.refresh_from_db()
    assert patient.state == "NY"


def clinic_form(clinic: Clinic, **changes) -> dict:
    return {
        "name": clinic.name,
        "address_line1": clinic.address_line1,
        "address_line2": "",
        "city": clinic.city,
        "state": clinic.state,
        "zip_code": clinic.zip_code,
        "phone": clinic.phone,
        "fax": clinic.fax,
        "npi": clinic.npi,
        "rems_certified": "on",
        "rems_setting_id": clinic.rems_setting_id,
        "staff": [str(user.pk) for user in clinic.staff.all()],
        **changes,
    }


def test_a_clinic_admin_cannot_give_the_clinic_state_zz(
    client_for, clinic_admin, clinic, page_text
):
    response = client_for(clinic_admin).post(
        reverse("admin:intake_clinic_change", args=[clinic.pk]), clinic_form(clinic, state="ZZ")
    )

    assert response.status_code == 200
    assert UNKNOWN_STATE in page_text(response)
    clinic.refresh_from_db()
    assert clinic.state == "NY"


def test_a_clinic_admin_can_move_the_clinic_to_another_state(client_for, clinic_admin, clinic):
    response = client_for(clinic_admin).post(
        reverse("admin:intake_clinic_change", args=[clinic.pk]), clinic_form(clinic, state="nj")
    )

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.state == "NJ"


def test_the_migration_capitalises_stored_states_and_keeps_unknown_ones(db):
    clinic = ClinicFactory()
    lower = PatientFactory(clinic=clinic)
    odd = PatientFactory(clinic=clinic)
    # Rows as an older version could store them (no list, no form in the admin).
    # (Two characters at most: the column was varchar(2), which PostgreSQL enforces.)
    Clinic.objects.filter(pk=clinic.pk).update(state="ny")
    Patient.objects.filter(pk=lower.pk).update(state="nj")
    Patient.objects.filter(pk=odd.pk).update(state="XX")

    migration = importlib.import_module("intake.migrations.0006_intake_ux")
    migration.normalise_states(django_apps, None)

    assert Clinic.objects.get(pk=clinic.pk).state == "NY"
    assert Patient.objects.get(pk=lower.pk).state == "NJ"
    assert Patient.objects.get(pk=odd.pk).state == "XX"
