"""Front desk takes a new patient through the guided intake, in the browser, to the coverage
assessment on the patient page."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from intake.models import Patient
from tests.e2e.helpers import (
    TABLET,
    check_page,
    no_horizontal_scroll,
    path_is,
    save_screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = date.today()


def iso(day: date) -> str:
    return day.isoformat()  # what a date input takes


def label(text: str) -> re.Pattern:
    """A field's label exactly, with or without the required-field asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def status(page: Page) -> Locator:
    return page.get_by_role("status")


def cell(row: Locator, field: str) -> Locator:
    """A cell of the treatment table by its form field (the table names each cell by its
    column header and row title, "Kind Treatment 1", through aria-labelledby)."""
    return row.locator(f'[name$="-{field}"]')


def trial_row(page: Page, number: int) -> Locator:
    # One <tbody> per treatment (intake/_trial_row.html): its main row and its details row.
    return page.locator("tbody[data-formset-row]").nth(number - 1)


def fill_trial(row: Locator, drug: str, drug_class: str, dose: str, start: date, weeks: int):
    cell(row, "kind").select_option(label="Antidepressant trial")
    cell(row, "drug_name").fill(drug)
    row.get_by_label(label("Drug class")).select_option(label=drug_class)
    cell(row, "dose").fill(dose)
    cell(row, "start_date").fill(iso(start))
    cell(row, "end_date").fill(iso(start + timedelta(weeks=weeks)))
    row.get_by_label(label("Adherence")).select_option(label="Taken as prescribed")
    cell(row, "outcome").select_option(label="No response (< 25% improvement)")
    row.get_by_label(label("Therapeutic dose (prescriber's judgement)")).select_option(label="Yes")


def test_front_desk_completes_an_intake_with_two_medication_trials(page: Page):
    sign_in(page, "frontdesk")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New intake").click()

    # 1. The patient
    expect(heading(page)).to_have_text("New intake: the patient")
    check_page(page, "intake-1-patient")
    page.get_by_label(label("Legal first name")).fill("Ruth")
    page.get_by_label(label("Legal last name")).fill("Halvorsen")
    page.get_by_label(label("Date of birth")).fill("1951-06-02")
    page.get_by_label(label("Sex")).select_option(label="Female")
    page.get_by_label(label("Phone")).fill("585-555-0177")
    page.get_by_label(label("Address")).fill("14 Lake Avenue")
    page.get_by_label(label("City")).fill("Rochester")
    page.get_by_label(label("State")).select_option("NY")  # a list since issue 17
    page.get_by_label(label("ZIP code")).fill("14608")
    save_and_continue(page)

    # 2. Coverage, first with a mistyped Medicare number: the error sits by its field.
    expect(heading(page)).to_contain_text("Medicare coverage")
    expect(status(page)).to_contain_text("Patient saved. Next: Medicare coverage.")
    check_page(page, "intake-2-coverage")
    page.get_by_label(label("Program")).select_option(label="Original Medicare (Part A/B)")
    mbi = page.get_by_label(label("Medicare number (MBI)"))
    mbi.fill("1SG4-TE5-MK73")
    page.get_by_label(label("Part A effective date")).fill("2016-06-01")
    page.get_by_label(label("Part B effective date")).fill("2016-06-01")
    save_and_continue(page)
    expect(page.get_by_role("alert")).to_contain_text("Some fields need attention")
    expect(mbi).to_have_attribute("aria-invalid", "true")
    expect(mbi).to_have_accessible_description(re.compile(r"MBI letters can't be S, L, O"))
    expect(page.locator("#div_id_mbi .invalid-feedback")).to_be_visible()
    check_page(page, "intake-2-coverage-refused")
    mbi.fill("1EG4-TE5-MK73")
    save_and_continue(page)

    # 3. Diagnoses and scores
    expect(heading(page)).to_contain_text("Diagnoses and symptom scores")
    check_page(page, "intake-3-clinical")
    diagnosis = page.get_by_role("group", name="Diagnosis 1", exact=True)
    # The code box is the ICD-10 lookup (Tom Select): type the code, leave the box to keep it.
    code = diagnosis.get_by_role("combobox", name=label("ICD-10-CM code"))
    code.fill("F33.2")
    code.press("Tab")
    diagnosis.get_by_label(label("Primary diagnosis")).check()
    score = page.get_by_role("group", name="Score 1", exact=True)
    score.get_by_label(label("Instrument")).select_option(label="PHQ-9")
    score.get_by_label(label("Score")).fill("21")
    score.get_by_label(label("Administered on")).fill(iso(TODAY - timedelta(days=7)))
    save_and_continue(page)

    # 4. Treatment history: the second trial through "+ Add treatment" (formset.js)
    expect(heading(page)).to_contain_text("Treatment history")
    fill_trial(
        trial_row(page, 1),
        "sertraline",
        "SSRI",
        "150 mg daily",
        TODAY - timedelta(weeks=60),
        weeks=10,
    )
    page.get_by_role("button", name="+ Add treatment").click()
    second = trial_row(page, 2)
    expect(cell(second, "kind")).to_be_focused()
    fill_trial(
        second, "bupropion XL", "NDRI (bupropion)", "300 mg daily", TODAY - timedelta(weeks=40), 8
    )
    check_page(page, "intake-4-history")
    save_and_continue(page)

    # 5. Safety screening
    expect(heading(page)).to_contain_text("Safety screening")
    check_page(page, "intake-5-screening")
    page.get_by_label(label("Screened on")).fill(iso(TODAY - timedelta(days=2)))
    for finding in [
        "History of psychosis",
        "Uncontrolled hypertension",
        "Pregnant or breast-feeding",
        "Active substance use disorder",
        "Cardiovascular disease",
        "Aneurysmal vascular disease or arteriovenous malformation",
        "History of intracerebral haemorrhage",
        "Hypersensitivity to ketamine or esketamine",
    ]:
        page.get_by_label(label(finding)).select_option(label="No")
    page.get_by_label(label("Blood pressure, systolic")).fill("126")
    page.get_by_label(label("Blood pressure, diastolic")).fill("80")
    page.get_by_label(label("Blood pressure taken on")).fill(iso(TODAY - timedelta(days=2)))
    save_and_continue(page)

    # 6. The request
    expect(heading(page)).to_contain_text("Treatment request")
    check_page(page, "intake-6-request")
    page.get_by_label(label("Product")).select_option(label="Esketamine nasal spray (Spravato)")
    page.get_by_label(label("Indication")).select_option(label="Treatment-resistant depression")
    page.get_by_label(label("Given with an oral antidepressant")).select_option(label="Yes")
    page.get_by_label(label("Patient enrolled in the Spravato REMS")).select_option(label="Yes")
    page.get_by_label(label("Dose per session (mg)")).fill("84")
    page.get_by_label(label("Planned sessions")).fill("8")
    page.get_by_label(label("HCPCS/CPT codes")).fill("G2083")
    page.get_by_label(label("Ordering provider")).select_option(label="Celia Marsh, MD")
    page.get_by_label(label("Requested start date")).fill(iso(TODAY + timedelta(days=14)))
    save_and_continue(page)

    # 7. Review and finish, on the patient page
    patient = Patient.objects.get(first_name="Ruth", last_name="Halvorsen")
    expect(page).to_have_url(path_is(reverse("intake:patient-detail", args=[patient.pk])))
    review = page.get_by_role("region", name="Review and finish")
    expect(review).to_contain_text("Everything needed is entered")
    review.get_by_role("button", name="Finish intake").click()
    expect(status(page)).to_contain_text("Intake complete.")
    expect(page.get_by_text("Intake complete", exact=True)).to_be_visible()

    # Both trials are on the patient page.
    trials = page.get_by_role("table", name="Treatments tried")
    expect(trials.get_by_role("row")).to_have_count(3)  # header + two trials
    expect(trials.get_by_role("row", name=re.compile("sertraline"))).to_contain_text("SSRI")
    expect(trials.get_by_role("row", name=re.compile("bupropion XL"))).to_contain_text("NDRI")

    # The coverage assessment explains itself: a determination and each criterion.
    assessment = page.get_by_role("region", name="Coverage assessment")
    expect(assessment.locator(".card-header .badge")).to_have_text(re.compile(r"\w"))
    criteria = assessment.get_by_role("list", name="Criteria").get_by_role("listitem")
    expect(criteria.first).to_be_visible()
    assert criteria.count() >= 3
    expect(criteria.first.locator(".badge")).to_have_text(re.compile("Met|Not met|Unknown", re.I))
    check_page(page, "patient-page")

    # On a tablet the page fits the screen: no sideways scrolling.
    page.set_viewport_size(TABLET)
    assert no_horizontal_scroll(page), "the patient page scrolls sideways at 768 px"
    save_screenshot(page, "patient-page-tablet")
    check_page(page, "patient-page-tablet", screenshot=False)
