"""Enclosures are PDFs only, size-limited and readable; a bad upload is refused next to the
file field with a message staff can act on, and everything already on the appeal stays
exactly as it was (no lost enclosure, letter or appeal change, no stray stored file).
"""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from pypdf import PdfWriter

from appeals.models import Appeal, Enclosure
from documents.models import GeneratedDocument
from tests.factories import PatientFactory
from tests.factories_appeals import (
    AppealFactory,
    AppealLetterFactory,
    EnclosureFactory,
    blank_pdf,
)

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02" + b"\0" * 64


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt("clinic-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def corrupt_pdf() -> bytes:
    """A PDF header, then a catalog that points nowhere and no cross-reference table."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage\n"


@pytest.fixture
def appeal(clinic):
    """A ready redetermination with a two-page letter and one enclosure already on file."""
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    EnclosureFactory(appeal=appeal, title="MSN dated 03/02/2026", pdf=blank_pdf(3), position=1)
    AppealLetterFactory(appeal=appeal)
    return appeal


@pytest.fixture
def store(settings):
    """The private file store the tests write to (see conftest)."""
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def snapshot(appeal: Appeal, store: Path) -> dict:
    appeal = Appeal.objects.get(pk=appeal.pk)
    return {
        "appeal": {**model_to_dict(appeal), "updated_at": appeal.updated_at},
        "enclosures": [
            (e.pk, e.title, e.sha256, e.page_count, e.position, e.file.name, e.file.read())
            for e in Enclosure.objects.filter(appeal=appeal)
        ],
        "documents": [
            (d.pk, d.kind, d.version, d.sha256, d.read_pdf())
            for d in GeneratedDocument.objects.filter(appeal=appeal)
        ],
        "files": sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file()),
    }


def upload(client, appeal, data: bytes, name="records.pdf", title="Progress notes"):
    return client.post(
        reverse("appeals:appeal-enclosure", args=[appeal.pk]),
        {"title": title, "file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_a_valid_pdf_is_added_after_the_existing_enclosures(billing, client_for, appeal, page_text):
    client = client_for(billing)

    response = upload(client, appeal, blank_pdf(2))

    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:appeal-detail", args=[appeal.pk])
    added = Enclosure.objects.get(appeal=appeal, title="Progress notes")
    assert (added.page_count, added.position, added.uploaded_by) == (2, 2, billing)
    assert added.file.read() == blank_pdf(2)
    page = page_text(client.get(response["Location"]))
    assert "Enclosure added." in page
    assert "MSN dated 03/02/2026 (3 pages) Progress notes (2 pages)" in page


REFUSED = [
    pytest.param(
        PNG,
        "This file is not a PDF (it looks like a PNG image). "
        "Save or scan it as a PDF and upload it again.",
        id="png-renamed-pdf",
    ),
    pytest.param(
        corrupt_pdf(),
        "This PDF is damaged or incomplete and cannot be read. Open it on your computer, save "
        "or print it to a new PDF, and upload it again.",
        id="corrupt-pdf",
    ),
    pytest.param(
        blank_pdf(2)[:300],
        "This PDF is damaged or incomplete and cannot be read.",
        id="truncated-pdf",
    ),
    pytest.param(
        encrypted_pdf(),
        "This PDF is password-protected. Open it, remove the password and upload it again.",
        id="encrypted-pdf",
    ),
    pytest.param(
        b"",
        "The submitted file is empty.",
        id="empty-file",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_a_bad_file_is_refused_next_to_the_file_field_and_nothing_is_lost(
    billing, client_for, appeal, store, data, message, field_text
):
    before = snapshot(appeal, store)

    response = upload(client_for(billing), appeal, data)

    assert response.status_code == 400
    assert message in field_text(response, "id_file")
    assert snapshot(appeal, store) == before


def test_an_oversized_file_is_refused_with_the_limit(
    billing, client_for, appeal, store, settings, field_text
):
    settings.MAX_UPLOAD_BYTES = MB // 2
    before = snapshot(appeal, store)
    big = blank_pdf(1) + b"%" + b"0" * (MB + MB // 5)

    response = upload(client_for(billing), appeal, big)

    assert response.status_code == 400
    assert (
        "This file (1.2 MB) is too large: the limit is 0.5 MB. Split it into smaller PDFs, "
        "or scan it at a lower resolution, and upload it again."
    ) in field_text(response, "id_file")
    assert snapshot(appeal, store) == before


def test_a_file_at_the_limit_is_accepted(billing, client_for, appeal, settings):
    data = blank_pdf(1)
    settings.MAX_UPLOAD_BYTES = len(data)

    response = upload(client_for(billing), appeal, data)

    assert response.status_code == 302
    assert appeal.enclosures.count() == 2


def test_an_upload_without_a_title_or_file_is_refused(
    billing, client_for, appeal, store, field_text
):
    before = snapshot(appeal, store)

    response = client_for(billing).post(
        reverse("appeals:appeal-enclosure", args=[appeal.pk]), {"title": ""}
    )

    assert response.status_code == 400
    assert "This field is required." in field_text(response, "id_title")
    assert "This field is required." in field_text(response, "id_file")
    assert snapshot(appeal, store) == before


def test_a_file_just_over_the_limit_is_not_described_as_the_limit(
    billing, client_for, appeal, settings, field_text
):
    settings.MAX_UPLOAD_BYTES = 10 * MB
    just_over = blank_pdf(1) + b"%" + b"0" * (10 * MB + 2048 - len(blank_pdf(1)))

    response = upload(client_for(billing), appeal, just_over)

    message = field_text(response, "id_file")
    assert "the limit is 10 MB" in message
    assert "This file (10 MB)" not in message
