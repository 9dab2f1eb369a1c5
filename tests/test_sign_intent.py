"""Signing asks for intent and proof of who signs (ESIGN, UETA): the clinician ticks the
attestation and re-enters their password or a current authenticator code. A wrong or
missing one is an error next to its field, and nothing is signed."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from documents.models import DocumentKind, DocumentSignature
from tests.factories import PASSWORD, PatientFactory, TreatmentRequestFactory
from tests.factories_documents import GeneratedDocumentFactory, SigningProviderFactory

ATTESTATION = "have reviewed this Letter of Medical Necessity"


@pytest.fixture
def signer(clinic, clinician):
    return SigningProviderFactory(clinic=clinic, user=clinician)


@pytest.fixture
def doctor(signer, clinician, client_for):
    return client_for(clinician)


@pytest.fixture
def letter(clinic, billing):
    patient = PatientFactory(clinic=clinic)
    TreatmentRequestFactory(patient=patient)
    return GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN, generated_by=billing)


def sign(client, document, **data):
    return client.post(reverse("documents:document-sign", args=[document.pk]), data, follow=True)


def test_the_letter_page_asks_for_the_attestation_and_a_password_or_code(
    letter, doctor, signer, field_text
):
    response = doctor.get(letter.get_absolute_url())

    attestation = field_text(response, "id_attest")
    assert f"I, Imani Reyes, PMHNP-BC (NPI {signer.npi}), {ATTESTATION}" in attestation
    assert "Your password or a current code from your authenticator app" in field_text(
        response, "id_secret"
    )


def test_a_wrong_password_is_refused_next_to_the_field_and_nothing_is_signed(
    letter, doctor, field_text
):
    response = sign(doctor, letter, attest="on", secret="not-my-password")

    assert response.status_code == 200
    assert "That is not your password or a current code from your authenticator app" in (
        field_text(response, "id_secret")
    )
    assert not DocumentSignature.objects.exists()


def test_signing_without_the_attestation_is_refused_and_nothing_is_signed(
    letter, doctor, field_text
):
    response = sign(doctor, letter, secret=PASSWORD)

    assert response.status_code == 200
    assert "Tick the attestation to sign; nothing was signed." in field_text(response, "id_attest")
    assert not DocumentSignature.objects.exists()


def test_signing_without_a_password_or_code_is_refused(letter, doctor, field_text):
    response = sign(doctor, letter, attest="on")

    assert "Enter your password or a current code; nothing was signed." in field_text(
        response, "id_secret"
    )
    assert not DocumentSignature.objects.exists()


def test_the_password_signs_and_the_attestation_is_kept_with_the_signature(
    letter, doctor, signer, page_text
):
    response = sign(doctor, letter, attest="on", secret=PASSWORD)

    assert "Signed electronically by Imani Reyes." in page_text(response)
    signature = DocumentSignature.objects.get(document=letter)
    assert signature.confirmed_with == "password"
    assert signature.attestation.startswith(f"I, Imani Reyes, PMHNP-BC (NPI {signer.npi})")
    assert ATTESTATION in signature.attestation


def test_a_current_authenticator_code_signs(letter, doctor, clinician, page_text):
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)

    response = sign(doctor, letter, attest="on", secret=f"{totp(device.bin_key):06d}")

    assert "Signed electronically by Imani Reyes." in page_text(response)
    assert DocumentSignature.objects.get(document=letter).confirmed_with == "authenticator"


def test_a_wrong_authenticator_code_is_refused(letter, doctor, clinician, field_text):
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator app", confirmed=True)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"

    response = sign(doctor, letter, attest="on", secret=wrong)

    assert "That is not your password" in field_text(response, "id_secret")
    assert not DocumentSignature.objects.exists()
