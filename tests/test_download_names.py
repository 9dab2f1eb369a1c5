"""A downloaded PDF is saved as `<last name>-<kind>-v<version>-<date>.pdf`: whose letter it
is, never their Medicare number or birth date."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import GeneratedDocument
from tests.factories import CoverageFactory, PatientFactory
from tests.factories_documents import GeneratedDocumentFactory

pytestmark = pytest.mark.django_db


def download(client, document, **params):
    response = client.get(reverse("documents:document-pdf", args=[document.pk]), params)
    assert response.status_code == 200
    return response["Content-Disposition"]


def letter(patient, kind, version):
    document = GeneratedDocumentFactory(patient=patient, kind=kind, version=version)
    GeneratedDocument.objects.filter(pk=document.pk).update(
        generated_at=timezone.make_aware(datetime(2026, 3, 9, 15, 30))
    )
    document.refresh_from_db()
    return document


@pytest.mark.parametrize(
    "kind, version, expected",
    [
        ("lmn", 2, "Ellison-lmn-v2-2026-03-09.pdf"),
        ("prior_auth", 1, "Ellison-prior-auth-v1-2026-03-09.pdf"),
        ("appeal_letter", 3, "Ellison-appeal-letter-v3-2026-03-09.pdf"),
        ("packet", 1, "Ellison-packet-v1-2026-03-09.pdf"),
    ],
)
def test_the_download_says_whose_letter_which_kind_version_and_day(
    client_for, billing, clinic, kind, version, expected
):
    patient = PatientFactory(clinic=clinic, first_name="Margaret", last_name="Ellison")
    CoverageFactory(patient=patient, mbi="1EG4TE5MK73")
    document = letter(patient, kind, version)
    client = client_for(billing)

    assert download(client, document) == f'attachment; filename="{expected}"'
    assert download(client, document, inline="1") == f'inline; filename="{expected}"'


def test_the_name_carries_no_mbi_birth_date_or_first_name(client_for, billing, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Margaret", last_name="Ellison")
    CoverageFactory(patient=patient, mbi="1EG4TE5MK73")
    header = download(client_for(billing), letter(patient, "lmn", 1))

    for secret in ("1EG4TE5MK73", "Margaret", patient.date_of_birth.isoformat()):
        assert secret not in header


@pytest.mark.parametrize(
    "last_name, header",
    [
        ("O'Brien", 'attachment; filename="OBrien-lmn-v1-2026-03-09.pdf"'),
        ('De la "Cruz"; x', 'attachment; filename="DelaCruzx-lmn-v1-2026-03-09.pdf"'),
        (
            "Muñoz",
            "attachment; filename*=utf-8''Mu%C3%B1oz-lmn-v1-2026-03-09.pdf",
        ),
    ],
)
def test_quotes_spaces_and_accents_cannot_break_the_header(
    client_for, billing, clinic, last_name, header
):
    patient = PatientFactory(clinic=clinic, last_name=last_name)
    assert download(client_for(billing), letter(patient, "lmn", 1)) == header
