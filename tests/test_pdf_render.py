"""The default letters render to PDF with the fields they must carry."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from documents.pdf import MAX_HTML_CHARS
from documents.rendering import (
    DOCUMENT_KINDS,
    RenderedDocument,
    RenderLimitExceeded,
    default_template_source,
    render_document,
    render_pdf,
)
from documents.sample_context import sample_context

MBI = "1EG4TE5MK73"
EXTENDS = '{% extends "documents/layout.html" %}'


def pdf_text(pdf: bytes) -> str:
    # Collapse whitespace: extraction wraps lines wherever the layout did.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def render(kind: str, **options) -> tuple[RenderedDocument, str]:
    context = sample_context(kind, **options)
    document = render_document(default_template_source(kind), context)
    return document, pdf_text(document.pdf)


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_default_template_renders_with_the_sample_context(kind):
    document, text = render(kind)
    reader = PdfReader(io.BytesIO(document.pdf))
    assert document.page_count == len(reader.pages) >= 1
    assert document.sha256 == hashlib.sha256(document.pdf).hexdigest()
    assert "Eleanor R. Whitfield" in text
    assert f"Page 1 of {document.page_count}" in text
    assert reader.metadata.title == sample_context(kind)["document"]["title"]


@pytest.mark.parametrize("product", ["iv_ketamine", "esketamine"])
def test_lmn_carries_what_a_letter_of_medical_necessity_must(product):
    document, text = render("lmn", product=product)
    context = sample_context("lmn", product=product)
    for expected in [
        "June 15, 2026",
        "Example Medicare Administrative Contractor",
        "Date of birth: 03/08/1957",
        f"Medicare number: {MBI}",
        "F33.2",
        "F41.1",
        "under my care since November 4, 2024",
        "Cited literature",
        "PHQ-9 19 / 27 05/28/2026",
        "128/82 mmHg (06/10/2026)",
        "NPI 1987654328",  # prescriber
        "NPI 1548702368",  # clinic letterhead
        "Electronically signed by Daniel K. Osei, MD",
        *(trial["drug"] for trial in context["trials"]),
        *(item["statement"][:30] for item in context["assessment"]["evidence"]),
        *(context["narrative"][name][:30] for name in ("episode_summary", "why_now")),
        "Alternatives considered",
        "ECT was discussed",
        "about 19 months",
        *context["request"]["codes"],
    ]:
        assert expected in text, expected
    if product == "esketamine":
        assert "REMS setting ID HCS-0012345" in text and "§50.4.1" in text
        assert "§50.4.2" not in text
    else:
        assert "§50.4.2" in text and "medically accepted" in text
        assert "Anand A, et al." in text


def test_prior_authorisation_request_names_plan_member_service_and_attestation():
    _, text = render("prior_auth")
    for expected in [
        "Sample Health Medicare Advantage (HMO)",
        "Member ID SHM884120577",
        "G2083",
        "Sessions requested 12",
        "Requested start 07/01/2026",
        "F33.2",
        "NPI 1987654328",
        "I attest",
    ]:
        assert expected in text, expected


def test_abn_reproduces_the_cms_r_131_blanks_and_never_shows_the_mbi():
    document, text = render("abn")
    assert MBI not in text and MBI not in document.html
    assert document.page_count == 1
    for expected in [
        "A. Notifier: Riverbend Interventional Psychiatry",
        "B. Patient Name: Eleanor R. Whitfield",
        "C. Identification Number: RB-004217",
        "Advance Beneficiary Notice of Non-coverage (ABN)",
        "D. Services E. Reason Medicare May Not Pay F. Estimated Cost",
        "Ketamine for IV infusion, per session (J3490)",
        "$95.00",
        "$380.00",
        "G. OPTIONS: Check only one box. We cannot choose a box for you.",
        "OPTION 1.",
        "OPTION 2.",
        "OPTION 3.",
        "H. Additional Information: The plan is 6 sessions",
        "I. Signature:",
        "J. Date:",
        "OMB No. 0938-0566",
        "Exp. 03/31/2029",
    ]:
        assert expected in text, expected
    # G is the beneficiary's choice: no box is pre-ticked.
    assert "☒" not in text and "☑" not in text


def test_abn_never_shows_the_mbi_even_from_an_edited_template():
    source = (
        EXTENDS + "{% block content %}C. {{ patient.mbi }} {{ patient.chart_number }}{% endblock %}"
    )
    document = render_document(source, sample_context("abn"))
    assert MBI not in pdf_text(document.pdf)
    assert "RB-004217" in pdf_text(document.pdf)


def test_abn_leaves_a_blank_for_a_missing_cost_estimate():
    context = sample_context("abn")
    context["abn"]["items"][0]["estimated_cost"] = ""
    assert "$ ________" in pdf_text(render_document(default_template_source("abn"), context).pdf)


@pytest.mark.parametrize(
    ("product", "program"), [("iv_ketamine", "original"), ("esketamine", "advantage")]
)
def test_patient_explanation_is_one_page(product, program):
    context = sample_context("patient_explanation", product=product)
    if program == "advantage":
        context["coverage"] = sample_context("prior_auth")["coverage"]
    document = render_document(default_template_source("patient_explanation"), context)
    text = pdf_text(document.pdf)
    assert document.page_count == 1
    assert "Dear Eleanor," in text and "Page 1 of 1" in text
    assert ("redetermination" in text) == (program == "original")


def test_html_in_patient_fields_prints_as_text_in_the_pdf():
    context = sample_context("lmn")
    context["patient"]["full_name"] = "<b>Bold</b> & {{ patient.mbi }}"
    text = pdf_text(render_document(default_template_source("lmn"), context).pdf)
    assert "<b>Bold</b> & {{ patient.mbi }}" in text


def test_pdf_is_tagged_pdf_ua():
    document, _ = render("lmn")
    root = PdfReader(io.BytesIO(document.pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_max_pages_is_enforced_with_a_clear_message():
    html = "".join('<p style="break-after: page">page</p>' for _ in range(5))
    assert len(PdfReader(io.BytesIO(render_pdf(html, max_pages=5))).pages) == 5
    with pytest.raises(RenderLimitExceeded, match="has 5 pages; the limit is 4"):
        render_pdf(html, max_pages=4)
    source = EXTENDS + "{% block content %}" + html + "{% endblock %}"
    with pytest.raises(RenderLimitExceeded, match="limit is 3"):
        render_document(source, sample_context("lmn"), max_pages=3)


def test_huge_html_is_refused_before_layout():
    with pytest.raises(RenderLimitExceeded, match="characters"):
        render_pdf("x" * (MAX_HTML_CHARS + 1))
