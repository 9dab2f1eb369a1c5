"""Who may read a document's PDF, how every read is recorded, and recording it as sent.

A PDF leaves the server only through the download view: signed in, with the permission,
for a patient of one's own clinic (404 otherwise), and each download or inline preview
writes one access event that the clinic admin can read (and not change) in the admin.
Billing records how and when a document was sent; an impossible date is refused next to
the field.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from documents.models import DocumentDelivery, DocumentKind
from tests.factories import BILLING, PatientFactory, UserFactory
from tests.factories_documents import GeneratedDocumentFactory


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Agnes", last_name="Holloway")


@pytest.fixture
def document(patient, billing):
    return GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN, generated_by=billing)


def pdf_url(document, inline: bool = False) -> str:
    url = reverse("documents:document-pdf", args=[document.pk])
    return url + "?inline=1" if inline else url


def sent_url(document) -> str:
    return reverse("documents:document-sent", args=[document.pk])


def test_anonymous_visitors_are_sent_to_sign_in(document, client_for):
    response = client_for(None).get(pdf_url(document))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={pdf_url(document)}"
    assert not access_events().exists()


def test_front_desk_cannot_download(document, front_desk, client_for):
    client = client_for(front_desk)

    assert client.get(pdf_url(document)).status_code == 403
    assert client.get(pdf_url(document, inline=True)).status_code == 403
    assert client.get(document.get_absolute_url()).status_code == 403
    assert not access_events().exists()


def test_billing_of_another_clinic_gets_404(document, other_clinic, client_for):
    stranger = UserFactory(username="otherbilling", role=BILLING, clinics=[other_clinic])
    client = client_for(stranger)

    assert client.get(pdf_url(document)).status_code == 404
    assert client.get(pdf_url(document, inline=True)).status_code == 404
    assert client.get(document.get_absolute_url()).status_code == 404
    assert not access_events().exists()


def test_the_pdf_is_only_served_by_the_download_view(document, billing, client_for):
    client = client_for(billing)
    page = client.get(document.get_absolute_url()).content.decode()

    # The page links to the view, never to the stored file.
    assert f'href="{pdf_url(document)}"' in page
    assert document.pdf.name not in page
    for path in (f"/{document.pdf.name}", f"/media/{document.pdf.name}"):
        assert client.get(path).status_code == 404


def test_each_download_and_preview_records_one_access_event(document, patient, billing, client_for):
    client = client_for(billing)

    download = client.get(pdf_url(document))
    preview = client.get(pdf_url(document, inline=True))

    assert download.status_code == preview.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert preview["Content-Disposition"].startswith("inline;")
    assert download.content == preview.content == document.read_pdf()
    events = access_events().order_by("pk")
    assert [(e.user, e.patient_id, e.action, e.model_label, e.object_id) for e in events] == [
        (billing, patient.pk, "download", "documents.generateddocument", str(document.pk)),
        (billing, patient.pk, "preview", "documents.generateddocument", str(document.pk)),
    ]

    client.get(pdf_url(document))

    assert access_events().count() == 3


def access_events():
    """Reads recorded in the audit trail (the clinic admin's view of them: test_audit_report)."""
    return AuditEntry.objects.filter(kind="access", model_label="documents.generateddocument")


def test_billing_records_a_document_as_sent(document, billing, client_for, page_text):
    client = client_for(billing)
    today = timezone.localdate()

    response = client.post(
        sent_url(document),
        {
            "method": "fax",
            "sent_on": today.isoformat(),
            "recipient": "Noridian JE Part B",
            "tracking": "FX-20931",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == document.get_absolute_url()
    text = page_text(response)
    assert "Recorded as sent." in text
    assert f"Fax to Noridian JE Part B on {today:%m/%d/%Y} (FX-20931)" in text
    delivery = DocumentDelivery.objects.get()
    assert (delivery.document, delivery.recorded_by) == (document, billing)
    assert (delivery.method, delivery.sent_on) == ("fax", today)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (1, "The date sent can't be in the future."),
        (-1, "The document can't be sent before it was generated."),
    ],
)
def test_an_impossible_sent_date_is_refused_next_to_the_field(
    days, message, document, billing, client_for, field_text
):
    sent_on = timezone.localdate() + timedelta(days=days)

    response = client_for(billing).post(
        sent_url(document),
        {"method": "mail", "sent_on": sent_on.isoformat(), "recipient": "Patient"},
    )

    assert response.status_code == 200
    assert message in field_text(response, "id_sent_on")
    assert not DocumentDelivery.objects.exists()


@pytest.mark.parametrize("role", ["front_desk", "clinician", "clinic_admin"])
def test_only_billing_records_documents_as_sent(role, document, client_for, request):
    user = request.getfixturevalue(role)
    today = timezone.localdate().isoformat()

    response = client_for(user).post(
        sent_url(document), {"method": "mail", "sent_on": today, "recipient": "Patient"}
    )

    assert response.status_code == 403
    assert not DocumentDelivery.objects.exists()
