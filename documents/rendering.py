"""Letters from staff-edited templates: restricted HTML rendering, then a locked-down PDF.

The public entry points for the rest of the app. The template rules live in
appeals/template_engine.py, the PDF rules in appeals/pdf.py; docs/templates.md explains
both to the people who edit templates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import NoneType
from typing import Any

from django.conf import settings
from django.template import Context

from documents.link_schemes import strip_disallowed_hrefs
from documents.pdf import (
    MAX_HTML_CHARS,
    RenderLimitExceeded,
    image_data_url,
    render_pdf,
    render_pdf_with_page_count,
    time_limit,
)
from documents.template_engine import (
    CONTEXT_SCHEMA,
    TemplateRefused,
    compile_template,
    validate_template,
)

__all__ = [
    "CONTEXT_SCHEMA",
    "DOCUMENT_KINDS",
    "MAX_HTML_CHARS",
    "RenderLimitExceeded",
    "RenderedDocument",
    "TemplateRefused",
    "default_template_source",
    "preview_html",
    "preview_pdf",
    "image_data_url",
    "render_document",
    "render_html",
    "render_pdf",
    "time_limit",
    "validate_template",
]

DOCUMENT_KINDS = ("lmn", "abn", "prior_auth", "patient_explanation")

_SCALARS = frozenset({str, int, float, Decimal, date, datetime, bool, NoneType})
_MAX_DEPTH = 12


@dataclass(frozen=True)
class RenderedDocument:
    html: str
    pdf: bytes
    sha256: str
    page_count: int


def render_document(source: str, context: dict, *, max_pages: int = 50) -> RenderedDocument:
    """Render a letter template to HTML and PDF; the SHA-256 is of the PDF bytes.

    One time limit covers both steps: a staff-edited template with nested loops is as able
    to hang a worker as a long PDF layout.
    """
    with time_limit(settings.PDF_RENDER_TIMEOUT_SECONDS):
        html = render_html(source, context)
        if len(html) > MAX_HTML_CHARS:
            raise RenderLimitExceeded(
                f"The letter's HTML is {len(html):,} characters; the limit is "
                f"{MAX_HTML_CHARS:,}. Move long histories or logs into an enclosure."
            )
        pdf, page_count = render_pdf_with_page_count(html, max_pages=max_pages)
    return RenderedDocument(html, pdf, hashlib.sha256(pdf).hexdigest(), page_count)


def render_html(source: str, context: dict) -> str:
    """Validate `source`, check `context` is plain data, and render it with autoescape on."""
    template = compile_template(source)
    _check_plain(context, "context", 0)
    try:
        # Only https, http and mailto links (documents/link_schemes.py, issue 12).
        return strip_disallowed_hrefs(template.render(Context(_redact(context), autoescape=True)))
    except (ArithmeticError, LookupError, ValueError, TypeError, AttributeError) as exc:
        # A filter given an argument it can't use (e.g. floatformat:"99999999999").
        raise TemplateRefused(
            f"a filter argument is out of range ({exc.__class__.__name__})"
        ) from exc


def preview_html(source: str, kind: str, clinic=None) -> str:
    """`source` rendered for the demo patient, under the same time limit as a letter.

    The admin's live preview and saving a template (LetterTemplate.clean) both go through
    here, so a body that would pin a worker (issue 12: ten nested loops over the criteria
    took 60 s) is stopped at save exactly as in the preview. With a clinic, the letterhead
    is that clinic's (clinic details are not PHI), so the preview shows whose version it is.
    """
    from documents.context import clinic_context
    from documents.sample_context import sample_context

    try:
        context = sample_context(kind)
    except (KeyError, ValueError) as exc:
        raise TemplateRefused(f"Preview failed: {exc}") from exc
    if clinic is not None:
        context["clinic"] = clinic_context(clinic)
    with time_limit(settings.PDF_RENDER_TIMEOUT_SECONDS):
        html = render_html(source, context)
    if len(html) > MAX_HTML_CHARS:
        raise RenderLimitExceeded("The preview is too long: move long tables to an enclosure.")
    return html


def preview_pdf(source: str, kind: str, clinic=None) -> bytes:
    """The preview as the letter's real PDF pages: the same stylesheet, fonts and page size
    as a generated letter (the admin shows it; an HTML preview can't load letter.css)."""
    return render_pdf(preview_html(source, kind, clinic))


def default_template_source(kind: str) -> str:
    """The shipped source of a document kind's default template (templates/documents/)."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    path = Path(settings.BASE_DIR) / "templates" / "documents" / f"{kind}.html"
    return path.read_text(encoding="utf-8")


def _check_plain(value: Any, path: str, depth: int) -> None:
    # Exact types on purpose: a str subclass (SafeString, a TextChoices member) can carry
    # __html__ and skip escaping; model instances and querysets can run code when read.
    kind = type(value)
    if depth > _MAX_DEPTH:
        raise TypeError(f"{path}: the context nests deeper than {_MAX_DEPTH} levels")
    if kind in _SCALARS:
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{path}: keys must be str, got {type(key).__name__}")
            _check_plain(item, f"{path}.{key}", depth + 1)
    elif kind in (list, tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}.{index}", depth + 1)
    else:
        raise TypeError(
            f"{path} is a {kind.__module__}.{kind.__qualname__}; letter contexts hold plain "
            "data only (dict, list, tuple, str, int, float, Decimal, date, datetime, bool, None)"
        )


def _redact(context: dict) -> dict:
    """Drop what a document kind must never print, whatever its template says.

    An ABN's identification number (blank C) must never be the MBI (CMS-R-131
    instructions; medicare.md §D), so the MBI is not even in reach of an ABN template.
    """
    document = context.get("document")
    patient = context.get("patient")
    if isinstance(document, dict) and document.get("kind") == "abn" and isinstance(patient, dict):
        mbi = patient.get("mbi") or ""
        context = {**context, "patient": {k: v for k, v in patient.items() if k != "mbi"}}
        # The MBI can also travel as another field's value (Original Medicare's member id
        # *is* the MBI): scrub it wherever it appears, not only under its own name.
        return _scrub(context, mbi) if mbi else context
    return context


def _scrub(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        return value.replace(secret, "") if secret in value else value
    if isinstance(value, dict):
        return {key: _scrub(item, secret) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item, secret) for item in value)
    return value


def render_text(source: str, context: dict, schema: dict[str, Any]) -> str:
    """A staff-edited paragraph (documents.template_engine.compile_fragment) rendered as plain
    text. Autoescape is off here because the result is text, not HTML: it is stored as text
    and escaped where it is shown (the appeal page, the letter), so escaping now would print
    "&amp;" in the letter."""
    from documents.template_engine import compile_fragment

    template = compile_fragment(source, schema)
    _check_plain(context, "context", 0)
    with time_limit(settings.PDF_RENDER_TIMEOUT_SECONDS):
        try:
            return template.render(Context(context, autoescape=False)).strip()
        except (ArithmeticError, LookupError, ValueError, TypeError, AttributeError) as exc:
            raise TemplateRefused(
                f"a filter argument is out of range ({exc.__class__.__name__})"
            ) from exc
