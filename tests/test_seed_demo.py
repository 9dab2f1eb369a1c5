"""`manage.py seed_demo`: a demo clinic whose data spans the situations the clinic sees."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count, Q

from intake import validators
from intake.models import (
    Clinic,
    Coverage,
    Diagnosis,
    Patient,
    Provider,
    Screening,
    SymptomScore,
    TreatmentRequest,
    TreatmentTrial,
)
from intake.roles import ROLES

pytestmark = pytest.mark.django_db

MODELS = [
    Clinic,
    Provider,
    Patient,
    Coverage,
    Diagnosis,
    SymptomScore,
    TreatmentTrial,
    Screening,
    TreatmentRequest,
    get_user_model(),
]
DEMO_PASSWORD = "Demo-Clinic-2026!"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded():
    seed()


def test_running_seed_demo_twice_changes_nothing():
    first = seed()
    after_first = counts()

    second = seed()

    assert counts() == after_first
    created = re.search(r"Demo data ready \((\d+) new patients\)\.", first)
    assert created and int(created.group(1)) == Patient.objects.count()
    assert "Demo data ready (0 new patients)." in second


def test_one_user_per_role_who_is_staff_of_the_demo_clinic(seeded):
    clinic = Clinic.objects.get()
    users = get_user_model().objects.all()

    roles = sorted(group.name for user in users for group in user.groups.all())
    assert roles == sorted(ROLES)
    for user in users:
        assert user.groups.count() == 1
        assert clinic.staff.filter(pk=user.pk).exists()
        # Tests run with DEBUG off: the known demo password is not set outside development.
        assert not user.has_usable_password()
        assert not user.is_superuser
    assert [u.username for u in users.filter(is_staff=True)] == ["clinicadmin"]


def test_demo_users_get_the_demo_password_only_with_debug_on(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    for user in get_user_model().objects.all():
        assert user.check_password(DEMO_PASSWORD)


def test_at_least_ten_patients(seeded):
    assert Patient.objects.count() >= 10


def _patients(**filters):
    return Patient.objects.filter(**filters).distinct()


@pytest.mark.parametrize(
    "situation, filters",
    [
        (
            "Original Medicare, IV ketamine for TRD",
            {
                "coverage__program": "original",
                "treatment_requests__product": "iv_ketamine",
                "treatment_requests__indication": "trd",
            },
        ),
        (
            "esketamine for TRD",
            {"treatment_requests__product": "esketamine", "treatment_requests__indication": "trd"},
        ),
        ("Medicare Advantage", {"coverage__program": "advantage"}),
        ("PTSD", {"treatment_requests__indication": "ptsd", "diagnoses__code": "F43.12"}),
        (
            "CRPS or chronic pain",
            {"treatment_requests__indication__in": ["crps", "neuropathic_pain"]},
        ),
        ("psychosis in screening", {"screening__psychosis_history": True}),
        ("an intake still in progress", {"intake_completed_at__isnull": True}),
    ],
)
def test_the_demo_covers_the_clinics_situations(seeded, situation, filters):
    assert _patients(**filters).exists(), situation


def test_at_least_one_trd_request_has_an_incomplete_treatment_history(seeded):
    # Treatment-resistant depression means at least two failed antidepressant trials; a
    # request with fewer on file is the incomplete history the clinic has to chase.
    thin = _patients(treatment_requests__indication="trd").annotate(
        antidepressants=Count("trials", filter=Q(trials__kind="antidepressant"), distinct=True)
    )
    assert thin.filter(antidepressants__lt=2).exists()


def test_every_demo_patient_has_a_provider_of_their_own_clinic(seeded):
    for request in TreatmentRequest.objects.select_related("ordering_provider", "patient"):
        assert request.ordering_provider.clinic_id == request.patient.clinic_id


def test_every_seeded_identifier_and_code_passes_its_validator(seeded):
    for code in Diagnosis.objects.values_list("code", flat=True):
        validators.validate_icd10_billable(code)
    for mbi in Coverage.objects.exclude(mbi="").values_list("mbi", flat=True):
        validators.validate_mbi(mbi)
    for npi in [*Clinic.objects.values_list("npi", flat=True)] + [
        *Provider.objects.values_list("npi", flat=True)
    ]:
        validators.validate_npi(npi)
    for request in TreatmentRequest.objects.all():
        for code in request.code_list:
            validators.validate_procedure_code(code)


def test_every_seeded_record_passes_full_model_validation(seeded):
    # What a user typing the same data into the intake pages would be held to.
    failures = []
    for model in MODELS[:-1]:
        for obj in model.objects.all():
            try:
                obj.full_clean()
            except ValidationError as error:
                failures.append((model.__name__, obj.pk, error.message_dict))
    assert failures == []


def test_demo_mbis_are_distinct(seeded):
    mbis = list(Coverage.objects.exclude(mbi="").values_list("mbi", flat=True))
    assert len(mbis) == len(set(mbis))


def test_demo_passwords_are_printed_only_when_debug_is_on(settings):
    settings.DEBUG = False
    quiet = seed()
    settings.DEBUG = True
    loud = seed()

    assert DEMO_PASSWORD not in quiet
    assert "Demo passwords are shown only when DEBUG is on." in quiet
    assert f"Demo logins (password for all: {DEMO_PASSWORD}):" in loud
    for username in ["frontdesk", "clinician", "billing", "clinicadmin"]:
        assert username in loud
