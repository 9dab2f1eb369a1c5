"""The template admin shows the truth: the live preview is the template's own kind rendered
as the real PDF pages (letter.css, its fonts, US Letter), not unstyled HTML; saving without
a change stores no version; the change note of a new version starts empty."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from documents.models import LetterTemplate
from tests.factories import FRONT_DESK, UserFactory
from tests.factories_documents import pdf_text

PREVIEW_PDF = "admin:documents_lettertemplate_preview_pdf"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(superuser, client_for):
    return client_for(superuser)


@pytest.fixture
def abn_v1(db):
    return LetterTemplate.objects.get(kind="abn", version=1)


def change_url(template) -> str:
    return reverse("admin:documents_lettertemplate_change", args=[template.pk])


def test_an_abn_template_previews_as_an_abn_in_real_pdf_pages(abn_v1, admin_client):
    page = admin_client.get(change_url(abn_v1)).content.decode()
    assert 'data-kind="abn"' in page
    assert f'data-pdf-url="{reverse(PREVIEW_PDF)}"' in page

    response = admin_client.post(reverse(PREVIEW_PDF), {"kind": "abn", "body": abn_v1.body})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    text = pdf_text(response.content)
    assert "Advance Beneficiary Notice of Non-coverage (ABN)" in text
    assert "Eleanor R. Whitfield" in text
    assert "Letter of Medical Necessity" not in text
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # US Letter
    fonts = {
        str(font.get_object()["/BaseFont"])
        for p in reader.pages
        for font in p["/Resources"]["/Font"].values()
    }
    # letter.css's own font families (its bundled DejaVu faces): the stylesheet was applied.
    assert any("Letter-Sans" in name or "Letter-Serif" in name for name in fonts), fonts


def test_the_preview_needs_a_kind(abn_v1, admin_client):
    response = admin_client.post(reverse(PREVIEW_PDF), {"body": abn_v1.body})

    assert response["Content-Type"].startswith("text/plain")
    assert "Choose the kind of letter to preview it." in response.content.decode()
    data = admin_client.post(
        reverse("admin:documents_lettertemplate_preview"), {"body": abn_v1.body}
    ).json()
    assert data == {"ok": False, "error": "Choose the kind of letter to preview it."}


def test_a_refused_body_shows_why_instead_of_a_pdf(admin_client):
    body = '{% extends "documents/layout.html" %}{% block content %}{{ patient.ssn }}{% endblock %}'

    response = admin_client.post(reverse(PREVIEW_PDF), {"kind": "abn", "body": body})

    assert "Preview not available" in response.content.decode()
    assert "unknown variable 'patient.ssn'" in response.content.decode()


def test_only_template_editors_get_the_preview_pdf(abn_v1, clinic, client_for):
    desk = UserFactory(role=FRONT_DESK, clinics=[clinic], is_staff=True)

    response = client_for(desk).post(reverse(PREVIEW_PDF), {"kind": "abn", "body": abn_v1.body})

    assert response.status_code == 403
    assert b"Whitfield" not in response.content


def test_the_preview_pdf_only_answers_post(admin_client):
    assert admin_client.get(reverse(PREVIEW_PDF)).status_code == 403


def test_a_save_without_a_change_stores_no_new_version(abn_v1, admin_client, page_text):
    # A browser sends the text area back with CRLF line ends: still the same text.
    response = admin_client.post(
        change_url(abn_v1),
        {"kind": "abn", "change_note": "", "body": abn_v1.body.replace("\n", "\r\n"), "_save": "1"},
        follow=True,
    )

    assert "Nothing was changed, so no new version was saved; version 1" in page_text(response)
    assert list(LetterTemplate.objects.filter(kind="abn").values_list("version", flat=True)) == [1]


def test_a_change_note_alone_is_not_a_new_version(abn_v1, admin_client):
    admin_client.post(
        change_url(abn_v1),
        {"kind": "abn", "change_note": "Nothing really", "body": abn_v1.body, "_save": "1"},
    )

    assert LetterTemplate.objects.filter(kind="abn").count() == 1


def test_the_change_note_starts_empty(abn_v1, admin_client):
    assert abn_v1.change_note  # the shipped version has a note ...

    page = admin_client.get(change_url(abn_v1)).content.decode()

    field = page[page.index('name="change_note"') - 200 : page.index('name="change_note"') + 200]
    assert abn_v1.change_note not in field  # ... which the next version does not inherit
    assert 'value=""' in field or "value=" not in field
