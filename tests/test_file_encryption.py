"""Stored files are encrypted on disk; staff still download plain PDFs.

Guards: intake.storage.EncryptedFileSystemStorage as STORAGES["default"] (Fernet with
MBI_ENCRYPTION_KEYS, like the MBI column), its plaintext fallback for files stored before
encryption, and `manage.py reencrypt` (encrypt those, re-key files and columns after a rotation).
"""

import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse

from documents.models import GeneratedDocument
from intake import crypto
from intake.models import Coverage
from intake.storage import is_encrypted
from tests.factories import PatientFactory, complete_intake
from tests.factories_documents import generate_from_page, pdf_text


@pytest.fixture
def patient(clinic):
    patient = PatientFactory(clinic=clinic, first_name="Winifred", last_name="Oakhurst")
    return complete_intake(patient)


@pytest.fixture
def keys(settings):
    """Swap the key ring inside a test (the Fernet object is cached per key list)."""

    def use(*ring: str) -> None:
        settings.MBI_ENCRYPTION_KEYS = list(ring)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def on_disk(name: str) -> bytes:
    return Path(storages["default"].path(name)).read_bytes()


def reencrypt() -> str:
    out = io.StringIO()
    call_command("reencrypt", stdout=out)
    return out.getvalue()


def test_a_generated_letter_is_ciphertext_on_disk_and_a_pdf_when_downloaded(
    patient, billing, client_for
):
    client = client_for(billing)
    document = generate_from_page(client, patient, "lmn")

    stored = on_disk(document.pdf.name)
    assert is_encrypted(stored)
    assert b"%PDF" not in stored
    response = client.get(reverse("documents:document-pdf", args=[document.pk]))
    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert "Winifred Oakhurst" in pdf_text(pdf)
    assert patient.coverage.mbi in pdf_text(pdf)


def test_a_file_stored_before_encryption_is_read_as_is_then_encrypted_by_the_command(db):
    storage = storages["default"]
    legacy = Path(storage.path("documents/1/legacy.pdf"))
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"%PDF-1.7 old plaintext letter")
    assert storage.open("documents/1/legacy.pdf").read() == b"%PDF-1.7 old plaintext letter"

    assert "1 stored files checked, 1 encrypted or re-keyed." in reencrypt()

    assert is_encrypted(legacy.read_bytes())
    assert storage.open("documents/1/legacy.pdf").read() == b"%PDF-1.7 old plaintext letter"
    assert "1 stored files checked, 0 encrypted or re-keyed." in reencrypt()


def test_after_a_key_rotation_the_command_re_keys_everything_so_the_old_key_can_go(
    settings, keys, patient, billing, client_for
):
    document = generate_from_page(client_for(billing), patient, "lmn")
    storage = storages["default"]
    name = storage.save("enclosures/scan.pdf", ContentFile(b"%PDF-1.4 scanned records"))
    mbi, html = patient.coverage.mbi, document.html
    old_key, new_key = settings.MBI_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()

    keys(new_key, old_key)  # step 1: the new key first, the old one still accepted
    report = reencrypt()
    keys(new_key)  # step 2: the old key is withdrawn

    assert "intake.Coverage.mbi: 1 rows re-encrypted." in report
    assert "documents.GeneratedDocument.html: 1 rows re-encrypted." in report
    assert "2 stored files checked, 2 encrypted or re-keyed." in report
    assert storage.open(name).read() == b"%PDF-1.4 scanned records"
    assert pdf_text(storage.open(document.pdf.name).read())  # still a readable PDF
    assert Coverage.objects.get(patient=patient).mbi == mbi
    assert GeneratedDocument.objects.get(pk=document.pk).html == html
    assert Coverage.objects.filter(mbi_index=patient.coverage.mbi_index).exists()


def test_a_file_encrypted_under_a_withdrawn_key_is_a_clear_error(settings, keys):
    storage = storages["default"]
    name = storage.save("signatures/sig.png", ContentFile(b"\x89PNG signature"))

    keys(Fernet.generate_key().decode())

    with pytest.raises(ValueError, match="could not be decrypted: check MBI_ENCRYPTION_KEYS"):
        storage.open(name)


def test_a_stored_file_can_be_read_again_after_it_was_closed(patient, billing, client_for):
    # FieldFile keeps the file object it opened and reopens it on the next .open().
    document = generate_from_page(client_for(billing), patient, "lmn")

    with document.pdf.open("rb") as first:
        content = first.read()
    with document.pdf.open("rb") as again:
        assert again.read() == content
    assert document.pdf.size == len(content)
