"""Every picker in the admin offers only the admin's own clinics' rows, and a forged id is
refused on save with a message next to the field (issue 12).

Before the fix the patient and provider forms offered every clinic, so a clinic admin could
create a patient or provider in another clinic (POST clinic=<other>), and the sidebar's
clinic filter listed every clinic's name. `clinic` is the admin's clinic (B), `other_clinic`
another one (A).
"""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from appeals.models import Claim, Denial
from intake.models import Patient, Provider
from tests.factories import (
    FRONT_DESK,
    ClinicFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
    make_npi,
)
from tests.factories_appeals import AppealFactory, ClaimFactory, DenialFactory
from tests.factories_documents import form_fields

VALID_CHOICE = "Select a valid choice"


@pytest.fixture
def client(client_for, clinic_admin):
    return client_for(clinic_admin)


@pytest.fixture
def own_patient(clinic, provider):
    return PatientFactory(clinic=clinic, last_name="Ownpatient", complete=True)


@pytest.fixture
def their_patient(other_clinic):
    return PatientFactory(clinic=other_clinic, last_name="Theirpatient", complete=True)


def field_queryset(response, name):
    return set(response.context["adminform"].form.fields[name].queryset)


def form_errors(response, name):
    return response.context["adminform"].form.errors.get(name, [])


def patient_data(clinic) -> dict:
    return {
        "clinic": str(clinic.pk),
        "first_name": "Ada",
        "last_name": "Newcomer",
        "date_of_birth": "1955-04-02",
        "sex": "F",
        "phone": "585-555-0101",
        "address_line1": "1 Main Street",
        "city": "Rochester",
        "state": "NY",
        "zip_code": "14604",
        "intake_step": "coverage",
    }


def provider_data(clinic) -> dict:
    return {
        "clinic": str(clinic.pk),
        "first_name": "Noor",
        "last_name": "Newprovider",
        "credentials": "MD",
        "npi": make_npi("177777777"),
        "specialty": "Psychiatry",
        "is_active": "on",
    }


# --- Patients and providers can't be put in another clinic --------------------------------


def test_the_patient_form_offers_only_the_admins_clinics(client, clinic, other_clinic):
    response = client.get(reverse("admin:intake_patient_add"))

    assert field_queryset(response, "clinic") == {clinic}
    assert other_clinic.name not in response.content.decode()


def test_a_patient_can_not_be_created_in_another_clinic(client, clinic, other_clinic):
    url = reverse("admin:intake_patient_add")
    data = {**form_fields(client.get(url), containing="first_name"), **patient_data(other_clinic)}

    response = client.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "clinic")[0]
    assert not Patient.objects.filter(last_name="Newcomer").exists()
    # The same form for the admin's own clinic saves.
    assert client.post(url, {**data, "clinic": str(clinic.pk)}).status_code == 302
    assert Patient.objects.get(last_name="Newcomer").clinic == clinic


def test_a_provider_can_not_be_created_in_another_clinic(client, clinic, other_clinic):
    url = reverse("admin:intake_provider_add")
    page = client.get(url)
    assert field_queryset(page, "clinic") == {clinic}

    response = client.post(url, provider_data(other_clinic))

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "clinic")[0]
    assert not Provider.objects.filter(last_name="Newprovider").exists()
    assert client.post(url, provider_data(clinic)).status_code == 302


def test_an_own_patient_can_not_be_moved_to_another_clinic(client, own_patient, other_clinic):
    url = reverse("admin:intake_patient_change", args=[own_patient.pk])
    data = form_fields(client.get(url), containing="first_name")
    data["clinic"] = str(other_clinic.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "clinic")[0]
    own_patient.refresh_from_db()
    assert own_patient.clinic != other_clinic


# --- Inlines and autocomplete ---------------------------------------------------------------


def test_the_treatment_request_inline_offers_only_the_admins_providers(
    client, own_patient, provider, their_patient
):
    response = client.get(reverse("admin:intake_patient_change", args=[own_patient.pk]))

    request_formsets = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.model.__name__ == "TreatmentRequest"
    ]
    offered = set(request_formsets[0].empty_form.fields["ordering_provider"].queryset)
    assert offered == set(Provider.objects.filter(clinic=own_patient.clinic))
    assert provider in offered
    assert not offered & set(Provider.objects.filter(clinic=their_patient.clinic))


def test_a_forged_provider_in_the_treatment_request_inline_is_refused(
    client, own_patient, their_patient
):
    url = reverse("admin:intake_patient_change", args=[own_patient.pk])
    data = form_fields(client.get(url), containing="first_name")
    field = next(k for k in data if k.endswith("-0-ordering_provider"))
    theirs = Provider.objects.filter(clinic=their_patient.clinic).first()
    data[field] = str(theirs.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in str(response.context["inline_admin_formsets"][-1].formset.errors)
    assert not own_patient.treatment_requests.filter(ordering_provider=theirs).exists()


def test_the_provider_user_autocomplete_answers_only_users_the_admin_manages(
    client, clinic, other_clinic, clinic_admin
):
    nurse = UserFactory(username="lakenurse", role=FRONT_DESK, clinics=[clinic])
    UserFactory(username="riverdesk", role=FRONT_DESK, clinics=[other_clinic])
    UserFactory(username="bothsides", clinics=[clinic, other_clinic])
    UserFactory(username="rootuser", is_superuser=True, is_staff=True)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "intake", "model_name": "provider", "field_name": "user", "term": ""},
    )

    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {clinic_admin.pk, nurse.pk}


def test_a_forged_user_on_a_provider_is_refused(client, provider, other_clinic):
    stranger = UserFactory(username="riverdesk", role=FRONT_DESK, clinics=[other_clinic])
    url = reverse("admin:intake_provider_change", args=[provider.pk])
    data = form_fields(client.get(url), containing="npi")
    data["user"] = str(stranger.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "user")[0]
    provider.refresh_from_db()
    assert provider.user is None


# --- The sidebar ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["patient", "provider"])
def test_the_sidebar_clinic_filter_lists_only_the_admins_clinics(
    client, model, clinic_admin, own_patient, their_patient, clinic, other_clinic
):
    # An admin of two clinics, so the filter has something to choose from (with one
    # clinic Django leaves the filter out).
    second = ClinicFactory(name="Hillcrest Ketamine Clinic", staff=[clinic_admin])
    ProviderFactory(clinic=second)

    response = client.get(reverse(f"admin:intake_{model}_changelist"))

    spec = next(s for s in response.context["cl"].filter_specs if s.title == "clinic")
    assert sorted(name for _, name in spec.lookup_choices) == [second.name, clinic.name]
    assert other_clinic.name not in response.content.decode()


def test_filtering_by_another_clinics_id_lists_nothing(client, their_patient, other_clinic):
    response = client.get(
        reverse("admin:intake_patient_changelist"), {"clinic__id__exact": other_clinic.pk}
    )

    assert their_patient.last_name not in response.content.decode()


# --- Claims, denials and appeals ------------------------------------------------------------


@pytest.fixture
def biller_admin(client_for, clinic_admin):
    """The clinic admin, also given the billing permissions the appeals forms need."""
    codes = [f"{a}_{m}" for m in ("claim", "denial", "appeal") for a in ("add", "change")]
    clinic_admin.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="appeals", codename__in=codes)
    )
    return client_for(clinic_admin)


def test_the_appeals_pickers_offer_only_the_admins_rows(
    biller_admin, own_patient, their_patient, provider
):
    own_appeal = AppealFactory(denial__claim__patient=own_patient)
    their_appeal = AppealFactory(denial__claim__patient=their_patient)
    own_denial, own_claim = own_appeal.denial, own_appeal.denial.claim

    claim = biller_admin.get(reverse("admin:appeals_claim_add"))
    denial = biller_admin.get(reverse("admin:appeals_denial_add"))
    appeal = biller_admin.get(reverse("admin:appeals_appeal_add"))

    assert field_queryset(claim, "patient") == {own_patient}
    assert field_queryset(claim, "provider") == set(
        Provider.objects.filter(clinic=own_patient.clinic)
    )
    assert field_queryset(denial, "claim") == {own_claim}
    assert field_queryset(appeal, "denial") == {own_denial}
    assert field_queryset(appeal, "previous") == {own_appeal}
    for page in (claim, denial, appeal):
        html = page.content.decode()
        assert their_patient.last_name not in html
        assert their_appeal.denial.claim.claim_number not in html
        assert "created_by" not in page.context["adminform"].form.fields


def test_a_forged_patient_on_a_claim_is_refused_and_the_recorder_is_the_signed_in_user(
    biller_admin, clinic_admin, own_patient, their_patient, provider
):
    url = reverse("admin:appeals_claim_add")
    data = form_fields(biller_admin.get(url), containing="claim_number")
    data.update(
        {
            "patient": str(their_patient.pk),
            "provider": str(provider.pk),
            "claim_number": "ICN-FORGED-1",
            "service_from": "2025-01-02",
            "service_to": "2025-01-02",
            "diagnosis_codes": "F33.2",
        }
    )

    response = biller_admin.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "patient")[0]
    assert not Claim.objects.filter(claim_number="ICN-FORGED-1").exists()

    other = UserFactory(username="someoneelse")
    response = biller_admin.post(
        url, {**data, "patient": str(own_patient.pk), "created_by": str(other.pk)}
    )
    assert response.status_code == 302
    assert Claim.objects.get(claim_number="ICN-FORGED-1").created_by == clinic_admin


def test_a_forged_claim_on_a_denial_is_refused(biller_admin, own_patient, their_patient):
    their_claim = ClaimFactory(patient=their_patient, service_from=date(2025, 1, 2))
    DenialFactory(claim__patient=own_patient)
    url = reverse("admin:appeals_denial_add")
    data = form_fields(biller_admin.get(url), containing="carc_codes")
    data.update(
        {
            "claim": str(their_claim.pk),
            "notice_type": "msn",
            "notice_date": "2025-01-20",
            "decided_by": "Noridian",
            "group_code": "CO",
            "carc_codes": "50",
            "denied_amount": "100.00",
        }
    )

    response = biller_admin.post(url, data)

    assert response.status_code == 200
    assert VALID_CHOICE in form_errors(response, "claim")[0]
    assert not Denial.objects.filter(claim=their_claim).exists()


def test_another_clinics_row_id_forged_into_an_inline_is_not_edited(
    client, own_patient, their_patient
):
    theirs = their_patient.diagnoses.get()
    url = reverse("admin:intake_patient_change", args=[own_patient.pk])
    data = form_fields(client.get(url), containing="first_name")
    assert data["diagnoses-0-id"]  # the own patient's diagnosis row, replaced below
    data["diagnoses-0-id"] = str(theirs.pk)
    data["diagnoses-0-code"] = "F32.1"

    client.post(url, data)

    theirs.refresh_from_db()
    assert (theirs.patient, theirs.code) == (their_patient, "F33.2")
