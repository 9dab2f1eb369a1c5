"""Reads of PHI are recorded with record_access: who, which patient, what, when, from where."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from audit import AccessAction, record_access
from audit.context import current_actor
from audit.models import AuditEntry
from tests.factories import PatientFactory
from tests.factories_documents import GeneratedDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as():
    def make(user, **meta):
        request = RequestFactory().get("/", **meta)
        request.user = user
        return request

    return make


def test_a_download_is_recorded_with_user_patient_object_and_address(request_as, billing, clinic):
    patient = PatientFactory(clinic=clinic)
    document = GeneratedDocumentFactory(patient=patient)

    entry = record_access(
        request_as(billing, REMOTE_ADDR="198.51.100.4"), AccessAction.DOWNLOAD, document
    )

    entry.refresh_from_db()
    assert entry.kind == "access"
    assert entry.action == "download"
    assert entry.user == billing
    assert entry.username == "billing"
    assert entry.patient_id == patient.pk  # found from the document
    assert entry.model_label == "documents.generateddocument"
    assert entry.object_id == str(document.pk)
    assert entry.ip_address == "198.51.100.4"
    assert entry.changes == {}
    assert entry.at.utcoffset().total_seconds() == 0


def test_the_access_event_call_sites_switch_with_one_line(request_as, billing, clinic):
    """AccessEvent.record(request, action, obj, patient=...) → record_access(same arguments);
    AccessEvent.Action values are the same strings."""
    document = GeneratedDocumentFactory(patient=PatientFactory(clinic=clinic))

    preview = record_access(request_as(billing), "preview", document, patient=document.patient)
    export = record_access(request_as(billing), "export", "appeal-queue.csv")

    assert preview.action == "preview"
    assert preview.patient_id == document.patient_id
    assert export.model_label == "appeal-queue.csv"
    assert export.object_id == ""
    assert export.patient_id is None


@pytest.mark.parametrize("action", ["view", "preview", "download", "print", "export"])
def test_every_read_action_is_accepted(request_as, clinician, clinic, action):
    patient = PatientFactory(clinic=clinic)
    entry = record_access(request_as(clinician), action, patient)
    assert (entry.action, entry.patient_id) == (action, patient.pk)


def test_a_patient_id_can_be_given_as_a_number(request_as, clinician):
    entry = record_access(request_as(clinician), "print", "face-sheet", patient=42)
    assert entry.patient_id == 42


@pytest.mark.parametrize("action", ["update", "delete", "steal", ""])
def test_write_actions_and_typos_are_refused(request_as, clinician, action):
    with pytest.raises(ValueError, match="not an access action"):
        record_access(request_as(clinician), action, "anything")
    assert not AuditEntry.objects.filter(kind="access").exists()


@override_settings(PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_forwarded_address_is_recorded(request_as, clinician):
    request = request_as(
        clinician, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50"
    )
    assert record_access(request, "view", "x").ip_address == "203.0.113.50"


def test_without_trusted_proxies_a_forwarded_header_is_ignored(request_as, clinician):
    request = request_as(clinician, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert record_access(request, "view", "x").ip_address == "10.0.0.2"


def test_the_middleware_sets_the_actor_for_the_request_only(client_for, front_desk, clinic):
    patient = PatientFactory(clinic=clinic)

    response = client_for(front_desk).get(reverse("intake:patient-detail", args=[patient.pk]))

    assert response.status_code == 200
    assert current_actor().current_user is None  # reset once the response was returned
