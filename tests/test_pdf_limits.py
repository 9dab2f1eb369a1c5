"""An uploaded PDF whose pages decode to more than MAX_UPLOAD_DECODED_BYTES is refused
(issue 12, "Resource limits": a 74 KB file of 500 pages sharing one 70 MB stream was accepted
and then hung every packet build for its appeal)."""

import io
import zlib

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.models import Appeal
from documents.pdf_uploads import PdfRejected, inspect_pdf
from tests.factories import PatientFactory
from tests.factories_appeals import AppealFactory, blank_pdf

MB = 1024 * 1024
REFUSAL = "This PDF expands to more than"


def shared_stream_pdf(pages: int, stream_bytes: int) -> bytes:
    """``pages`` pages whose /Contents all point at one compressed stream of ``stream_bytes``."""
    pdf = pikepdf.new()
    line = b"0 0 m 1 1 l S\n"
    data = zlib.compress(line * (stream_bytes // len(line)), 9)
    stream = pdf.make_indirect(pikepdf.Stream(pdf, data))
    stream[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    for _ in range(pages):
        pdf.add_blank_page(page_size=(612, 792))
        pdf.pages[-1].obj[pikepdf.Name.Contents] = stream
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return shared_stream_pdf(500, 70 * MB)


def test_the_bomb_is_a_small_file(bomb):
    assert len(bomb) < 1 * MB  # so the size limit alone lets it through


def test_500_pages_sharing_one_big_stream_are_refused(bomb):
    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(bomb, max_bytes=10 * MB, max_decoded_bytes=512 * MB)
    assert refused.value.code == "decoded_too_large"
    assert refused.value.message.startswith(f"{REFUSAL} 512 MB of page content")


def test_a_shared_stream_counts_once_per_page_that_uses_it():
    pdf = shared_stream_pdf(10, 1 * MB)
    # One page's worth fits; ten pages reuse it, so ten times that does not.
    with pytest.raises(PdfRejected):
        inspect_pdf(pdf, max_bytes=10 * MB, max_decoded_bytes=5 * MB)
    assert inspect_pdf(pdf, max_bytes=10 * MB, max_decoded_bytes=11 * MB).page_count == 10


def test_an_ordinary_pdf_is_accepted():
    assert inspect_pdf(blank_pdf(3), max_bytes=10 * MB).page_count == 3


@pytest.mark.django_db
def test_the_upload_form_refuses_it_next_to_the_file_field(client_for, billing, clinic, bomb):
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    response = client_for(billing).post(
        reverse("appeals:appeal-enclosure", args=[appeal.pk]),
        {"title": "Records", "file": SimpleUploadedFile("records.pdf", bomb)},
    )
    assert response.status_code == 400
    assert REFUSAL in response.text
    assert not appeal.enclosures.exists()
