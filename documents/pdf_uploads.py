"""Check an uploaded PDF before it is stored: size, type, readability, password, pages,
and how much it decodes to (settings.MAX_UPLOAD_DECODED_BYTES, docs/security.md).

Everything a packet later needs from the file is checked here, once, so a bad upload is
refused with a message staff can act on instead of failing when the packet is assembled.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from pypdf import PdfReader

from documents.pdf_decoded_size import DecodedSizeExceeded, decoded_page_bytes

__all__ = [
    "DEFAULT_MAX_DECODED_BYTES",
    "DEFAULT_MAX_PAGES",
    "PdfInfo",
    "PdfRejected",
    "inspect_pdf",
    "validate_pdf_upload",
]

DEFAULT_MAX_PAGES = 500
# 500 pages of about 1 MB of drawing each; settings.MAX_UPLOAD_DECODED_BYTES overrides it.
DEFAULT_MAX_DECODED_BYTES = 512 * 1024 * 1024

# The PDF header may sit anywhere in the first 1024 bytes (some scanners prepend bytes).
_PDF_MAGIC = b"%PDF-"
_HEADER_WINDOW = 1024

# Files people upload by mistake, so the refusal can say what the file looks like.
_LOOKALIKES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a Word or other Office document (or a ZIP file)"),
    (b"\xd0\xcf\x11\xe0", "an older Word or Office document"),
    (b"{\\rtf", "an RTF document"),
)


@dataclass(frozen=True, slots=True)
class PdfInfo:
    page_count: int
    sha256: str


class PdfRejected(ValueError):
    """The upload cannot be used; ``message`` is written for the person uploading it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # too_large, empty, not_pdf, corrupt, encrypted, too_many_pages,
        # decoded_too_large


def inspect_pdf(
    data: bytes,
    *,
    max_bytes: int,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> PdfInfo:
    """Return the page count and SHA-256 of ``data`` or raise PdfRejected saying why not."""
    if len(data) > max_bytes:
        raise PdfRejected(_too_large_message(max_bytes, len(data)), code="too_large")
    if not data:
        raise PdfRejected("The file is empty. Choose the PDF again and upload it.", code="empty")
    if _PDF_MAGIC not in data[:_HEADER_WINDOW]:
        raise PdfRejected(_not_pdf_message(data), code="not_pdf")
    page_count = _readable_page_count(data, max_pages, max_decoded_bytes)
    return PdfInfo(page_count=page_count, sha256=hashlib.sha256(data).hexdigest())


def validate_pdf_upload(
    uploaded_file: File, max_bytes: int, *, max_pages: int = DEFAULT_MAX_PAGES
) -> PdfInfo:
    """Form-side wrapper of inspect_pdf: same checks, raised as a ValidationError.

    Reads in chunks and stops as soon as the limit is passed, so an oversized upload is
    never held in memory whole. The file is rewound afterwards so it can be saved.
    """
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(_too_large_message(max_bytes, size), code="too_large")
    buffer = bytearray()
    try:
        for chunk in uploaded_file.chunks():
            buffer += chunk
            if len(buffer) > max_bytes:
                raise ValidationError(_too_large_message(max_bytes, None), code="too_large")
    finally:
        uploaded_file.seek(0)
    try:
        return inspect_pdf(
            bytes(buffer),
            max_bytes=max_bytes,
            max_pages=max_pages,
            max_decoded_bytes=getattr(
                settings, "MAX_UPLOAD_DECODED_BYTES", DEFAULT_MAX_DECODED_BYTES
            ),
        )
    except PdfRejected as rejected:
        raise ValidationError(rejected.message, code=rejected.code) from rejected


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.2f}".rstrip("0").rstrip(".")


def _too_large_message(max_bytes: int, size: int | None) -> str:
    if size is None:
        what = "This file is too large"
    elif _megabytes(size) == _megabytes(max_bytes):
        # Rounded to MB both read the same; say it in kilobytes so the message makes sense.
        what = f"This file ({size:,} bytes, limit {max_bytes:,} bytes) is too large"
    else:
        what = f"This file ({_megabytes(size)} MB) is too large"
    return (
        f"{what}: the limit is {_megabytes(max_bytes)} MB. "
        "Split it into smaller PDFs, or scan it at a lower resolution, and upload it again."
    )


def _not_pdf_message(data: bytes) -> str:
    looks_like = next((kind for magic, kind in _LOOKALIKES if data.startswith(magic)), None)
    what = f" (it looks like {looks_like})" if looks_like else ""
    return f"This file is not a PDF{what}. Save or scan it as a PDF and upload it again."


_CORRUPT = (
    "This PDF is damaged or incomplete and cannot be read. Open it on your computer, save "
    "or print it to a new PDF, and upload it again."
)
_ENCRYPTED = "This PDF is password-protected. Open it, remove the password and upload it again."


def _decoded_too_large_message(limit: int) -> str:
    return (
        "This PDF expands to more than "
        f"{_megabytes(limit)} MB of page content when it is opened (its pages reuse very "
        "large compressed data), so it cannot be used in a packet. Print it to a new PDF, "
        "or scan the paper again, and upload that."
    )


def _check_decoded_size(data: bytes, limit: int) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        decoded_page_bytes(pdf, limit)


def _readable_page_count(data: bytes, max_pages: int, max_decoded_bytes: int) -> int:
    try:
        # strict=False (the default): accept the small defects viewers repair silently in
        # scanned and re-saved records; the packet is built with the same tolerance.
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfRejected(_ENCRYPTED, code="encrypted")
        page_count = len(reader.pages)
        if page_count > max_pages:
            raise PdfRejected(
                f"This PDF has {page_count} pages; the limit is {max_pages}. "
                "Split it into smaller PDFs and upload them separately.",
                code="too_many_pages",
            )
        # Before anything decodes page content: a shared bomb stream would otherwise be
        # inflated once per page right here.
        _check_decoded_size(data, max_decoded_bytes)
        # Decode every page now: a broken page would otherwise only fail later, when the
        # packet is assembled and the deadline is near.
        for page in reader.pages:
            _ = page.mediabox
            page.get_contents()  # builds a ContentStream, which decodes the content
    except PdfRejected:
        raise
    except DecodedSizeExceeded as exc:
        raise PdfRejected(_decoded_too_large_message(exc.limit), code="decoded_too_large") from exc
    except Exception as exc:  # untrusted bytes: any parser failure means "unreadable"
        raise PdfRejected(_CORRUPT, code="corrupt") from exc
    if page_count == 0:
        raise PdfRejected(_CORRUPT, code="corrupt")
    return page_count
