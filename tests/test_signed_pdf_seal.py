"""A signed letter is digitally signed (PAdES) with the clinic's certificate, so any PDF
reader shows it unaltered since signing: pyHanko's validation reads the embedded signature
over the whole file. Without a configured certificate, production refuses to sign; the demo
makes a self-signed one once, outside the repository."""

import datetime
import hashlib
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from documents import pades
from documents.models import DocumentKind, DocumentSignature
from tests.factories import PASSWORD, PatientFactory, TreatmentRequestFactory, complete_intake
from tests.factories_documents import (
    GeneratedDocumentFactory,
    SigningProviderFactory,
    generate_from_page,
    pdf_text,
)

SIGN = {"attest": "on", "secret": PASSWORD}


@pytest.fixture
def signer(clinic, clinician):
    return SigningProviderFactory(clinic=clinic, user=clinician)


@pytest.fixture
def doctor(signer, clinician, client_for):
    return client_for(clinician)


@pytest.fixture
def demo_certificate(settings, tmp_path):
    settings.SIGNING_SELF_SIGNED = True
    settings.SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"
    return tmp_path / "signing" / pades.SELF_SIGNED_CERT


def sign_and_download(client, document) -> bytes:
    client.post(reverse("documents:document-sign", args=[document.pk]), SIGN)
    response = client.get(reverse("documents:document-pdf", args=[document.pk]))
    assert response.status_code == 200
    return response.content


def embedded_status(pdf: bytes, trust_root):
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    return signature, validate_pdf_signature(signature, ValidationContext(trust_roots=[trust_root]))


def test_a_signed_letter_carries_a_valid_signature_over_the_whole_file(
    clinic, signer, doctor, demo_certificate
):
    patient = PatientFactory(clinic=clinic, first_name="Agnes", last_name="Holloway")
    complete_intake(patient)
    document = generate_from_page(doctor, patient, "lmn")

    signed = sign_and_download(doctor, document)

    signature, status = embedded_status(signed, load_cert_from_pemder(str(demo_certificate)))
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.field_name == pades.FIELD_NAME
    assert f"NPI {signer.npi}" in str(signature.sig_object["/Reason"])
    # The bytes served are the bytes signed, and their hash is the one recorded.
    assert hashlib.sha256(signed).hexdigest() == document.signature.signed_sha256
    text = pdf_text(signed)
    assert "Agnes Holloway" in text
    # The signature block carries the clinician's own NPI, not the clinic's.
    block = text[text.index("Electronically signed by") :]
    assert f"NPI {signer.npi}" in block
    assert clinic.npi != signer.npi and f"NPI {clinic.npi}" not in block


def test_a_changed_byte_breaks_the_signature(clinic, signer, doctor, demo_certificate):
    patient = PatientFactory(clinic=clinic)
    TreatmentRequestFactory(patient=patient)
    letter = GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN)
    signed = sign_and_download(doctor, letter)
    # Alter one byte inside the signed range (the first page's content, before the signature).
    at = signed.index(b"stream") + 20
    tampered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]

    _, status = embedded_status(tampered, load_cert_from_pemder(str(demo_certificate)))

    assert not status.intact
    assert not status.bottom_line


def test_the_demo_certificate_is_made_once_and_reused(settings, tmp_path):
    directory = tmp_path / "signing"

    key, cert = pades.ensure_self_signed(directory)
    first = cert.read_bytes()
    again = pades.ensure_self_signed(directory)

    assert again == (key, cert)
    assert cert.read_bytes() == first
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_a_configured_pkcs12_certificate_is_the_one_that_signs(
    clinic, signer, doctor, settings, tmp_path
):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lakeside Ketamine Clinic")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    bundle = tmp_path / "clinic.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"clinic", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    settings.SIGNING_PKCS12_PATH = str(bundle)
    settings.SIGNING_PKCS12_PASSPHRASE = "s3cret"
    patient = PatientFactory(clinic=clinic)
    TreatmentRequestFactory(patient=patient)
    letter = GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN)

    signed = sign_and_download(doctor, letter)

    pem = tmp_path / "clinic.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    signature, status = embedded_status(signed, load_cert_from_pemder(str(pem)))
    assert status.bottom_line
    assert signature.signer_cert.subject.native["common_name"] == "Lakeside Ketamine Clinic"


def test_production_without_a_certificate_refuses_to_sign(
    clinic, signer, doctor, settings, page_text
):
    settings.SIGNING_SELF_SIGNED = False
    patient = PatientFactory(clinic=clinic)
    TreatmentRequestFactory(patient=patient)
    letter = GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN)

    response = doctor.post(reverse("documents:document-sign", args=[letter.pk]), SIGN, follow=True)

    assert "No signing certificate is configured for this clinic" in page_text(response)
    assert not DocumentSignature.objects.exists()


def test_the_deploy_check_says_when_no_certificate_is_configured(settings, capsys):
    settings.SIGNING_SELF_SIGNED = False

    call_command("check", "--deploy", "--tag", "security")

    assert "documents.I001" in capsys.readouterr().err
