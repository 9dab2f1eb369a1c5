"""A clinician turns the coverage assessment into a Letter of Medical Necessity: generate it
from the patient page, look at it, sign it and download the PDF."""

import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from documents.models import GeneratedDocument
from intake.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.helpers import (
    check_page,
    enrol_second_step,
    path_is,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clinician_generates_signs_and_downloads_a_letter_of_medical_necessity(page: Page):
    sign_in(page, "clinician")
    enrol_second_step(page, "clinician")  # first sign-in: set up the authenticator app
    letters = page.get_by_role("region", name="Letters to sign")
    expect(letters).to_contain_text("Nothing waiting for your signature.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    check_page(page, "patient-list")
    page.get_by_role("link", name="Castillo, Robert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robert Castillo")
    assessment = page.get_by_role("region", name="Coverage assessment")
    expect(assessment).to_contain_text("Likely covered")
    check_page(page, "patient-page-clinician")

    assessment.get_by_role("button", name="Generate Letter of Medical Necessity").click()
    lmn = GeneratedDocument.objects.get(patient__last_name="Castillo", kind="lmn")
    expect(page).to_have_url(path_is(reverse("documents:document-detail", args=[lmn.pk])))
    expect(page.get_by_role("status")).to_contain_text(
        "Letter of Medical Necessity version 1 generated."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Letter of Medical Necessity")
    expect(page.get_by_title(re.compile("Preview of Letter of Medical Necessity"))).to_be_visible()
    check_page(page, "document-lmn")

    # Intent and attribution: tick the attestation, re-enter the password, then sign.
    signing = page.get_by_role("region", name="Sign this letter")
    expect(signing).to_contain_text("have reviewed this Letter of Medical Necessity")
    signing.get_by_role("checkbox").check()
    signing.get_by_label("Your password or a current code from your authenticator app").fill(
        DEMO_PASSWORD
    )
    signing.get_by_role("button", name="Sign electronically").click()
    expect(page.get_by_role("status").first).to_contain_text("Signed electronically by")
    check_page(page, "document-lmn-signed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
    assert "Robert Castillo" in " ".join(text.split())

    # Every version, and the assessments behind them, are one click from the patient page.
    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Robert Castillo"
    ).click()
    documents = page.get_by_role("region", name="Documents")
    expect(documents.get_by_role("cell", name="signed")).to_be_visible()
    documents.get_by_role("link", name="All versions").click()
    expect(page.get_by_role("heading", name="All documents")).to_be_visible()
    check_page(page, "patient-documents")
    page.go_back()
    page.get_by_role("region", name="Coverage assessment").get_by_role(
        "link", name="history"
    ).click()
    expect(page.get_by_role("heading", name="Assessment history")).to_be_visible()
    check_page(page, "assessment-history")
