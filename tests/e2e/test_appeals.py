"""Billing works a denial: record it from the patient page, start the redetermination,
draft the letter, build the packet and download it; then the work queue and dashboard."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from appeals.models import Appeal, Denial
from documents.services import sign_document
from intake.roles import CLINICIAN
from tests.e2e.helpers import (
    check_page,
    give_authenticator,
    pass_second_step,
    path_is,
    sign_in,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = date.today()


def field(text: str) -> re.Pattern:
    """A field's label exactly, with or without the required-field asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def test_billing_records_a_denial_and_builds_the_appeal_packet(page: Page):
    device = give_authenticator("billing")
    sign_in(page, "billing")
    pass_second_step(page, device)
    due = page.get_by_role("region", name="Appeals by deadline")
    expect(due).to_contain_text("No open appeals. Record a denial from a patient's page")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Ellison, Margaret").click()
    denials = page.get_by_role("region", name="Denials and appeals")
    expect(denials).to_contain_text("No denials recorded.")
    check_page(page, "patient-page-billing")
    denials.get_by_role("link", name="Record a denial").click()

    # The denial form: the claim and the notice, as printed on the remittance advice.
    expect(page.get_by_role("heading", name="Record a denial")).to_be_visible()
    check_page(page, "denial-form")
    claim = page.get_by_role("group", name="The claim")
    claim.get_by_label(field("Rendering provider")).select_option(label="Celia Marsh, MD")
    claim.get_by_label(field("Claim number (ICN/DCN)")).fill("21126700123400")
    claim.get_by_label(field("Date of service")).fill((TODAY - timedelta(days=40)).isoformat())
    claim.get_by_label(field("HCPCS/CPT code")).fill("96365")
    claim.get_by_label(field("Billed amount")).fill("850.00")
    expect(claim.get_by_label(field("ICD-10-CM codes on the claim"))).to_have_value("F33.2")
    notice = page.get_by_role("group", name="The denial notice")
    notice.get_by_label(field("Notice type")).select_option(label="Remittance advice (ERA/835)")
    notice.get_by_label(field("Notice date")).fill((TODAY - timedelta(days=10)).isoformat())
    notice.get_by_label(field("Contractor or plan that decided")).fill("Noridian JE Part B")
    notice.get_by_label(field("Group code and CARC")).fill("CO-50")
    notice.get_by_label(field("Denied amount")).fill("850.00")
    page.get_by_role("button", name="Save denial").click()

    denial = Denial.objects.get(claim__patient__last_name="Ellison")
    expect(page).to_have_url(path_is(reverse("appeals:denial-detail", args=[denial.pk])))
    expect(page.get_by_role("status")).to_contain_text("Denial recorded.")
    expect(page.get_by_role("main")).to_contain_text("CO-50")
    check_page(page, "denial-detail")
    page.get_by_role("button", name="Start the appeal").click()

    # The redetermination: letter, then packet.
    appeal = Appeal.objects.get(denial=denial)
    assert appeal.level == "redetermination"
    expect(page).to_have_url(path_is(reverse("appeals:appeal-detail", args=[appeal.pk])))
    expect(page.get_by_role("status")).to_contain_text("Appeal prepared")
    expect(page.get_by_role("navigation", name="Appeal levels")).to_contain_text("Redetermination")
    build = page.get_by_role("button", name="Build packet")
    expect(build).to_be_disabled()  # nothing to assemble before the letter exists
    check_page(page, "appeal-draft")

    page.get_by_role("button", name="Generate appeal letter").click()
    expect(page.get_by_role("status")).to_contain_text("Appeal letter version 1 generated.")
    # The clinician signs it (their own journey is tests/e2e/test_documents.py): a packet is
    # built only from a signed letter (issue 14).
    letter = appeal.documents.get(kind="appeal_letter")
    signer = letter.patient.current_request().ordering_provider
    if signer.user is None:
        signer.user = UserFactory(role=CLINICIAN, clinics=[letter.patient.clinic])
        signer.save()
    sign_document(letter, signer.user)
    page.reload()
    expect(build).to_be_enabled()
    build.click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Packet built: \d+ pages"))
    check_page(page, "appeal-with-packet")

    packet_link = page.get_by_role("listitem").filter(has_text="Packet v1").get_by_role("link")
    with page.expect_download() as download_info:
        packet_link.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Margaret Ellison" in text

    # Filed by fax today; the contractor's decision comes back unfavourable.
    filing = page.get_by_role("region", name="Mark as filed")
    filing.get_by_label(field("Filed date")).fill(TODAY.isoformat())
    filing.get_by_label(field("Filed method")).select_option(label="Fax")
    filing.get_by_role("button", name="Mark as filed").click()
    expect(page.get_by_role("status")).to_contain_text("Appeal marked as filed.")
    decision = page.get_by_role("region", name="Record the decision")
    decision.get_by_label(field("Decision")).select_option(label="Unfavourable")
    decision.get_by_label(field("Decision date")).fill(TODAY.isoformat())
    decision.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded.")
    expect(page.get_by_role("button", name="Prepare next level")).to_be_visible()
    check_page(page, "appeal-decided")

    # The work queue lists open appeals; the dashboard counts the outcome.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Appeals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeals by deadline")
    # "Open appeals only" is a checkbox now (issue 17); unticked, decided appeals show too.
    page.get_by_label("Open appeals only").uncheck()
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="Margaret Ellison")
    expect(row).to_contain_text("Redetermination")
    expect(row).to_contain_text("CO-50")
    check_page(page, "work-queue")

    nav.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeals dashboard")
    by_level = page.get_by_role("table", name="Won and lost appeals by level")
    expect(by_level.get_by_role("img", name="0 won, 1 lost")).to_be_visible()
    check_page(page, "dashboard")
