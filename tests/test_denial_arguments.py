"""Arguments per denial reason in the appeal letter (issue 14).

Each shipped argument (appeals/data/denial_arguments.json) answers its CARC/RARC with the
patient's facts as of the date of service; the letter carries the paragraph, never the
evidence checklist, sources or VERIFY notes, which the appeal page shows to staff. Asserted
on the PDF's extracted text.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import letters
from appeals.appeal_actions import generate_appeal_letter, start_appeal
from intake.choices import Instrument, Product
from intake.models import Patient
from tests.factories import PatientFactory, SymptomScoreFactory, complete_intake
from tests.factories_appeals import DenialFactory
from tests.factories_documents import pdf_text

# Staff-facing text that must never reach a letter.
INTERNAL_MARKERS = [
    "VERIFY",
    "Usage:",
    "loop 2110",
    "At least one Remark Code",
    "medicare.md",
    "typical payer",
    "Show that",
    "checklist",
    "Sources:",
    "coverage.rule",
    "{{",
    "{%",
    "None",
    "For staff",
]


def ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def letter_pdf_text(appeal, user) -> str:
    document = generate_appeal_letter(appeal, user).document
    # A line broken after a hyphen extracts as "off- label".
    return pdf_text(document.read_pdf()).replace("- ", "-")


def markers_in(text: str) -> list[str]:
    return [marker for marker in INTERNAL_MARKERS if marker in text]


@pytest.fixture
def patient(clinic):
    made = PatientFactory(clinic=clinic, first_name="Ruth", last_name="Almond", complete=True)
    return Patient.objects.get(pk=made.pk)  # as the views load it (plain values, no enums)


# (group, CARCs, RARCs, the argument chosen, a sentence of its paragraph with this patient)
REASONS = [
    (
        "CO",
        "50",
        "N115",
        "co-50-medical-necessity",
        "was reasonable and necessary for the diagnosis and treatment of Ruth Almond's illness",
    ),
    ("CO", "96", "", "co-96-off-label", "is an off-label use. An off-label use is covered where"),
    (
        "CO",
        "96",
        "N115",
        "co-96-coverage-determination",
        "the decision was based on a coverage determination (N115)",
    ),
    ("CO", "16", "M76", "co-16-missing-information", "The decision found information missing"),
    ("CO", "16", "M127", "co-16-missing-records", "The records are enclosed with this request"),
    (
        "CO",
        "197",
        "",
        "co-197-prior-authorisation",
        "is covered by Original Medicare, under which this service needs no prior authorisation",
    ),
    ("CO", "15", "", "co-197-prior-authorisation", "absent or invalid authorisation"),
    ("CO", "4", "", "co-4-co-11-coding", "These codes describe the service given"),
    ("CO", "11", "", "co-4-co-11-coding", "for diagnosis F33.2"),
    ("CO", "119", "", "co-119-co-151-frequency", "follows the documented treatment plan"),
    ("CO", "151", "", "co-119-co-151-frequency", "6 sessions ordered"),
]


@pytest.mark.parametrize(("group", "carcs", "rarcs", "key", "sentence"), REASONS)
def test_each_denial_reason_gets_its_argument_in_the_letter_without_internal_text(
    patient, billing, group, carcs, rarcs, key, sentence
):
    denial = DenialFactory(
        claim__patient=patient, group_code=group, carc_codes=carcs, rarc_codes=rarcs
    )
    assert [a.key for a in letters.arguments_for(denial)] == [key]

    appeal = start_appeal(denial, billing).appeal
    text = letter_pdf_text(appeal, billing)

    assert sentence in appeal.reasons
    assert sentence in text, text[text.find("wrong") :][:600]
    assert markers_in(text) == []
    assert "Why the decision is wrong" in text
    assert "What we ask We ask that the initial determination be reversed" in text


def test_the_staff_page_shows_the_checklist_sources_and_verify_notes_the_letter_leaves_out(
    patient, billing, client_for, page_text
):
    denial = DenialFactory(claim__patient=patient, carc_codes="96", rarc_codes="N115")
    appeal = start_appeal(denial, billing).appeal
    text = letter_pdf_text(appeal, billing)

    page = page_text(client_for(billing).get(reverse("appeals:appeal-detail", args=[appeal.pk])))

    assert "Argument: Non-covered under an LCD or NCD (CO-96 with N115 or N386)" in page
    assert "Evidence checklist (for staff, not in the letter)" in page
    assert "A copy of the LCD or NCD the remark code points to" in page
    assert "Sources: CARC 96; RARC N115" in page
    assert "VERIFY: The 'no LCD or NCD found' sentence" in page
    assert "A copy of the LCD or NCD the remark code points to" not in text
    assert "VERIFY" in page and "VERIFY" not in text


def test_scores_recorded_after_the_date_of_service_are_left_out_and_the_page_says_so(
    patient, billing, client_for, page_text
):
    denial = DenialFactory(claim__patient=patient, claim__service_from=ago(40))
    SymptomScoreFactory(
        patient=patient, instrument=Instrument.PHQ9, score=4, administered_on=ago(2)
    )

    appeal = start_appeal(denial, billing).appeal
    text = letter_pdf_text(appeal, billing)

    assert "PHQ-9 4/27" not in appeal.reasons and "PHQ-9 4/27" not in text
    assert "(written after the date of service)" in appeal.reasons
    page = page_text(client_for(billing).get(reverse("appeals:appeal-detail", args=[appeal.pk])))
    assert "score(s) given after the date of service left out" in page


def test_two_carcs_answered_by_one_argument_print_it_once(patient, billing):
    denial = DenialFactory(claim__patient=patient, carc_codes="197, 15")

    appeal = start_appeal(denial, billing).appeal

    assert appeal.reasons.count("absent or invalid authorisation") == 1


def test_a_denial_without_an_argument_gets_a_plain_draft(patient, billing):
    denial = DenialFactory(claim__patient=patient, carc_codes="29", rarc_codes="")

    appeal = start_appeal(denial, billing).appeal

    assert letters.arguments_for(denial) == []
    assert "was denied with adjustment CO-29" in appeal.reasons


def test_only_the_patients_own_contractors_article_is_cited(billing, client_for):
    from tests.factories import ClinicFactory

    florida = ClinicFactory(name="Gulf Coast Spravato", state="FL", zip_code="33602")
    new_york = ClinicFactory(name="Finger Lakes Spravato")
    texts = {}
    for clinic in (florida, new_york):
        made = complete_intake(PatientFactory(clinic=clinic), product=Product.ESKETAMINE)
        patient = Patient.objects.get(pk=made.pk)
        denial = DenialFactory(claim__patient=patient, carc_codes="96", rarc_codes="N115")
        texts[clinic.state] = start_appeal(denial, billing).appeal.reasons

    assert "First Coast Billing and Coding Article A59250" in texts["FL"]
    assert "A59250" not in texts["NY"]
    assert "CGS" not in texts["FL"] + texts["NY"]
    assert "no local coverage determination of National Government Services" in texts["NY"]
