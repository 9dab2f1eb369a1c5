"""Clinicians sign letters electronically; a signature is final.

Signing stores a signed copy (name, credentials, NPI and time in the signature block) next
to the unsigned original, which stays byte for byte as generated. Only a clinician with a
provider profile at the patient's clinic signs, only letters a clinician signs (not the
ABN or the patient's explanation), and only once.
"""

import hashlib
import re

import pytest
from django.urls import reverse

from documents.models import DocumentKind, DocumentSignature
from tests.factories import (
    CLINICIAN,
    PASSWORD,
    PatientFactory,
    TreatmentRequestFactory,
    UserFactory,
    complete_intake,
)
from tests.factories_documents import (
    GeneratedDocumentFactory,
    SigningProviderFactory,
    generate_from_page,
    pdf_text,
)

SIGNER = "Imani Reyes, PMHNP-BC"
# The sign form: the attestation ticked and the clinician's password (tests/test_sign_intent.py
# covers the form itself).
SIGN = {"attest": "on", "secret": PASSWORD}


@pytest.fixture
def signer(clinic, clinician):
    """The clinician persona's provider profile at `clinic`."""
    return SigningProviderFactory(clinic=clinic, user=clinician)


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Agnes", last_name="Holloway")


@pytest.fixture
def doctor(signer, clinician, client_for):
    return client_for(clinician)


@pytest.fixture
def letter(patient, billing):
    """A stored, unsigned LMN (a small stand-in PDF: its wording does not matter here), for
    a treatment request whose narrative is written (an LMN can't be signed without it)."""
    TreatmentRequestFactory(patient=patient)
    return GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN, generated_by=billing)


def sign_url(document) -> str:
    return reverse("documents:document-sign", args=[document.pk])


def download(client, document) -> bytes:
    response = client.get(reverse("documents:document-pdf", args=[document.pk]))
    assert response.status_code == 200
    return response.content


def test_a_clinician_signs_an_lmn_and_the_original_stays_unchanged(
    patient, signer, doctor, page_text
):
    complete_intake(patient)
    document = generate_from_page(doctor, patient, "lmn")
    unsigned = download(doctor, document)
    unsigned_sha = hashlib.sha256(unsigned).hexdigest()
    assert "Electronically signed by" not in pdf_text(unsigned)
    assert f"NPI {signer.npi}" not in pdf_text(unsigned)

    response = doctor.post(sign_url(document), SIGN, follow=True)

    assert response.redirect_chain[-1][0] == document.get_absolute_url()
    text = page_text(response)
    assert "Signed electronically by Imani Reyes." in text
    assert f"Electronically signed by {SIGNER}" in text
    assert f"NPI {signer.npi}" in text
    assert "Signed documents can't be changed; generate a new version instead." in text
    signed = download(doctor, document)
    signed_text = pdf_text(signed)
    assert f"Electronically signed by {SIGNER} on" in signed_text
    assert f"NPI {signer.npi}" in signed_text
    assert "Agnes Holloway" in signed_text
    assert f"Signed copy SHA-256 {hashlib.sha256(signed).hexdigest()}" in text
    # The unsigned original is kept as generated: same hash on the page, same stored bytes.
    assert f"SHA-256 {unsigned_sha}" in text
    document.refresh_from_db()
    assert document.sha256 == unsigned_sha
    assert document.read_pdf() == unsigned


def test_signing_twice_is_refused(letter, doctor, page_text):
    doctor.post(sign_url(letter), SIGN)
    signed = download(doctor, letter)

    response = doctor.post(sign_url(letter), SIGN, follow=True)

    assert "This document is already signed; generate a new version to change it." in page_text(
        response
    )
    assert DocumentSignature.objects.filter(document=letter).count() == 1
    assert download(doctor, letter) == signed


@pytest.mark.parametrize("role", ["billing", "front_desk", "clinic_admin"])
def test_staff_who_are_not_clinicians_cannot_sign(role, letter, client_for, request):
    user = request.getfixturevalue(role)

    response = client_for(user).post(sign_url(letter), SIGN)

    assert response.status_code == 403
    assert not DocumentSignature.objects.exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("abn", "Advance Beneficiary Notice (CMS-R-131) is not signed by a clinician."),
        ("patient_explanation", "Patient explanation is not signed by a clinician."),
    ],
)
def test_an_abn_or_a_patient_explanation_cannot_be_signed(
    kind, message, patient, billing, doctor, page_text
):
    document = GeneratedDocumentFactory(patient=patient, kind=kind, generated_by=billing)

    response = doctor.post(sign_url(document), SIGN, follow=True)

    assert response.redirect_chain[-1][0] == document.get_absolute_url()
    assert message in page_text(response)
    assert not DocumentSignature.objects.exists()


@pytest.mark.parametrize("kind", ["abn", "patient_explanation"])
def test_the_page_of_an_unsignable_document_offers_no_sign_button(
    kind, patient, billing, doctor, page_text
):
    document = GeneratedDocumentFactory(patient=patient, kind=kind, generated_by=billing)

    response = doctor.get(document.get_absolute_url())

    assert response.status_code == 200
    assert "Sign electronically" not in page_text(response)


def test_a_clinician_without_a_provider_profile_cannot_sign(
    letter, clinician, client_for, page_text
):
    response = client_for(clinician).post(sign_url(letter), SIGN, follow=True)

    assert "Only a clinician with a provider profile can sign letters." in page_text(response)
    assert not DocumentSignature.objects.exists()


def test_a_clinician_of_another_clinic_gets_404(letter, other_clinic, client_for):
    outsider = UserFactory(username="otherclinician", role=CLINICIAN, clinics=[other_clinic])
    SigningProviderFactory(clinic=other_clinic, user=outsider, last_name="Okafor")
    client = client_for(outsider)

    assert client.post(sign_url(letter), SIGN).status_code == 404
    assert client.get(letter.get_absolute_url()).status_code == 404
    assert not DocumentSignature.objects.exists()


def test_a_signed_document_offers_no_way_to_change_it(
    letter, doctor, billing, clinic_admin, client_for, page_text
):
    assert "Sign electronically" in page_text(doctor.get(letter.get_absolute_url()))
    doctor.post(sign_url(letter), SIGN)
    signed = download(doctor, letter)

    page = doctor.get(letter.get_absolute_url())

    assert "Sign electronically" not in page_text(page)
    assert sign_url(letter) not in page.content.decode()
    # Billing may only record it as sent; nothing on the page posts anywhere else.
    billing_page = client_for(billing).get(letter.get_absolute_url()).content.decode()
    actions = set(re.findall(r'<form[^>]*action="([^"]*)"', billing_page))
    assert actions == {reverse("logout"), reverse("documents:document-sent", args=[letter.pk])}
    # The admin shows the record read-only.
    admin = client_for(clinic_admin)
    change = reverse("admin:documents_generateddocument_change", args=[letter.pk])
    assert 'name="_save"' not in admin.get(change).content.decode()
    assert admin.post(change, {"html": "<p>changed</p>"}).status_code == 403
    assert download(doctor, letter) == signed
    letter.refresh_from_db()
    assert "changed" not in letter.html


def test_the_page_shows_the_same_signing_time_as_the_signed_letter(
    letter, doctor, page_text, settings
):
    settings.TIME_ZONE = "America/New_York"  # a clinic's zone: never the same clock as UTC
    doctor.post(sign_url(letter), SIGN)
    letter_text = pdf_text(download(doctor, letter))
    printed = re.search(
        r"Electronically signed by .+? on .+?, \d{4}, (\d\d):(\d\d) (AM|PM)", letter_text
    )
    assert printed, letter_text
    hour, minute, half = int(printed[1]), printed[2], printed[3]
    hour24 = hour % 12 + (12 if half == "PM" else 0)

    text = page_text(doctor.get(letter.get_absolute_url()))

    notice = text[text.index(f"Electronically signed by {SIGNER}") :].split("NPI")[0]
    assert f"{hour24:02d}:{minute}" in notice or f"{hour}:{minute} {half}" in notice
