import functools
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from documents.pdf_uploads import PdfInfo, PdfRejected, inspect_pdf, validate_pdf_upload

MB = 1024 * 1024
LIMIT = 10 * MB


def render_pdf(pages: int) -> bytes:
    body = "".join(f'<p style="break-after: page">Record page {n}</p>' for n in range(pages))
    return HTML(string=f"<style>@page {{ size: Letter }}</style>{body}").write_pdf()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def valid_pdf() -> bytes:
    return render_pdf(2)


def rejection(data: bytes, **limits) -> PdfRejected:
    limits.setdefault("max_bytes", LIMIT)
    with pytest.raises(PdfRejected) as caught:
        inspect_pdf(data, **limits)
    return caught.value


def test_a_valid_pdf_is_accepted_with_page_count_and_hash(valid_pdf):
    info = inspect_pdf(valid_pdf, max_bytes=LIMIT)
    assert info == PdfInfo(page_count=2, sha256=hashlib.sha256(valid_pdf).hexdigest())


def test_a_header_after_a_few_stray_bytes_is_still_a_pdf(valid_pdf):
    assert inspect_pdf(b"\r\n" + valid_pdf, max_bytes=LIMIT).page_count == 2


def test_a_png_is_refused_as_not_a_pdf():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    refused = rejection(png)
    assert refused.code == "not_pdf"
    assert refused.message == (
        "This file is not a PDF (it looks like a PNG image). "
        "Save or scan it as a PDF and upload it again."
    )


def test_a_renamed_word_document_is_refused_as_not_a_pdf():
    docx = b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\x00" * 64
    refused = rejection(docx)
    assert refused.code == "not_pdf"
    assert "not a PDF" in refused.message
    assert "Word" in refused.message


def test_an_empty_file_is_refused():
    assert rejection(b"").code == "empty"


def test_a_truncated_pdf_is_refused_as_damaged(valid_pdf):
    refused = rejection(valid_pdf[: len(valid_pdf) // 2])
    assert refused.code == "corrupt"
    assert "damaged or incomplete" in refused.message


def test_garbage_behind_a_pdf_header_is_refused_as_damaged():
    assert rejection(b"%PDF-1.7\n" + b"not really a pdf\n" * 50).code == "corrupt"


def test_a_page_whose_content_cannot_be_decoded_is_refused_as_damaged(valid_pdf):
    # The page tree is intact, so only decoding the page content finds the fault.
    damaged = valid_pdf.replace(b"/Filter /FlateDecode", b"/Filter /FlateDecodX", 1)
    assert damaged != valid_pdf
    assert len(PdfReader(io.BytesIO(damaged)).pages) == 2
    assert rejection(damaged).code == "corrupt"


def test_a_pdf_without_pages_is_refused_as_damaged():
    assert rejection(blank_pdf(0)).code == "corrupt"


def test_a_password_protected_pdf_is_refused(valid_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(valid_pdf)))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    refused = rejection(buffer.getvalue())
    assert refused.code == "encrypted"
    assert "remove the password and upload it again" in refused.message


def test_an_oversized_file_is_refused_naming_the_limit_in_mb():
    data = b"%PDF-1.7\n" + b"0" * (2 * MB)
    refused = rejection(data, max_bytes=2 * MB)
    assert refused.code == "too_large"
    assert "the limit is 2 MB" in refused.message
    # Rounded to MB the file would read "2 MB" like the limit: the exact sizes are given.
    assert f"({2 * MB + 9:,} bytes, limit {2 * MB:,} bytes)" in refused.message


def test_a_file_exactly_at_the_limit_is_not_too_large(valid_pdf):
    assert inspect_pdf(valid_pdf, max_bytes=len(valid_pdf)).page_count == 2


def test_too_many_pages_are_refused():
    refused = rejection(blank_pdf(6), max_pages=5)
    assert refused.code == "too_many_pages"
    assert refused.message.startswith("This PDF has 6 pages; the limit is 5.")
    assert inspect_pdf(blank_pdf(5), max_bytes=LIMIT, max_pages=5).page_count == 5


def assert_only_rejected(data: bytes) -> None:
    try:
        inspect_pdf(data, max_bytes=LIMIT)
    except PdfRejected as refused:
        assert refused.message and refused.code


QUICK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_only_ever_raise_pdf_rejected(data):
    assert_only_rejected(data)


@QUICK
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_behind_a_pdf_header_only_ever_raise_pdf_rejected(data):
    assert_only_rejected(b"%PDF-1.7\n" + data)


@functools.cache
def one_page_pdf() -> bytes:
    return render_pdf(1)


@QUICK
@given(st.floats(min_value=0, max_value=1), st.binary(min_size=1, max_size=64), st.booleans())
def test_damaged_copies_of_a_real_pdf_only_ever_raise_pdf_rejected(where, junk, truncate):
    pdf = one_page_pdf()
    at = int(where * len(pdf))
    damaged = pdf[:at] + junk + (b"" if truncate else pdf[at + len(junk) :])
    assert_only_rejected(damaged)


def test_validate_pdf_upload_accepts_and_rewinds_the_file(valid_pdf):
    upload = SimpleUploadedFile("records.pdf", valid_pdf, content_type="application/pdf")
    info = validate_pdf_upload(upload, LIMIT)
    assert info.page_count == 2
    assert upload.read() == valid_pdf  # still readable for saving


def test_validate_pdf_upload_raises_validation_errors_with_the_same_messages(valid_pdf):
    upload = SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    with pytest.raises(ValidationError) as caught:
        validate_pdf_upload(upload, LIMIT)
    assert caught.value.code == "not_pdf"
    assert caught.value.messages == [rejection(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).message]


def test_validate_pdf_upload_refuses_a_known_oversize_without_reading():
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (3 * MB))
    with pytest.raises(ValidationError) as caught:
        validate_pdf_upload(upload, 2 * MB)
    assert caught.value.code == "too_large"
    assert "the limit is 2 MB" in caught.value.messages[0]


class UnsizedUpload:
    """A streamed upload whose size is not known up front; records how much was read."""

    size = None

    def __init__(self, data: bytes, chunk_size: int) -> None:
        self.data, self.chunk_size, self.bytes_read = data, chunk_size, 0

    def chunks(self):
        for start in range(0, len(self.data), self.chunk_size):
            chunk = self.data[start : start + self.chunk_size]
            self.bytes_read += len(chunk)
            yield chunk

    def seek(self, position: int) -> None:
        pass


def test_validate_pdf_upload_stops_reading_once_past_the_limit():
    upload = UnsizedUpload(b"%PDF-" + b"0" * (8 * MB), chunk_size=64 * 1024)
    with pytest.raises(ValidationError) as caught:
        validate_pdf_upload(upload, 1 * MB)
    assert caught.value.code == "too_large"
    assert "the limit is 1 MB" in caught.value.messages[0]
    assert upload.bytes_read <= 1 * MB + 64 * 1024
