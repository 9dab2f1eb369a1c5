"""Generating an ABN assesses the patient once (issue 16: the offer check and the render used to
assess separately, doubling the engine's share of the ABN's time)."""

import pytest

from coverage import assessments
from documents.services import generate_document
from intake.models import Patient
from tests.factories import PatientFactory, complete_intake

pytestmark = pytest.mark.django_db


def test_an_abn_is_generated_on_one_assessment(clinic, monkeypatch, django_user_model):
    patient = PatientFactory(clinic=clinic)
    # The default intake: IV ketamine under Original Medicare, an ABN on offer.
    complete_intake(patient)
    patient = Patient.objects.get(pk=patient.pk)  # as a view loads it (plain str choices)
    calls = []
    real = assessments.coverage.assess
    monkeypatch.setattr(
        assessments.coverage, "assess", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    user = django_user_model.objects.create_user("biller-once")

    generated = generate_document(patient, "abn", user)

    assert generated.created
    assert generated.document.kind == "abn"
    assert len(calls) == 1
