"""An appeal from the denial to the next level, driven through the pages billing uses.

Original Medicare: redetermination (CMS-20027) due 120 days after presumed receipt (notice
date + 5, 42 CFR 405.942(a)), letter, enclosures, packet, filing, decision, then the
reconsideration (CMS-20033) counted from the redetermination decision (42 CFR 405.962(a)).
Medicare Advantage and Part D notices start their own tracks; the ALJ level needs the
year's amount in controversy (42 CFR 405.1006(b)). Expected dates are worked out by hand.
"""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils import timezone
from pypdf import PdfReader

from appeals import appeal_actions, deadlines
from appeals.models import Appeal
from documents.models import DocumentKind, GeneratedDocument
from documents.services import generate_document, sign_document
from intake.choices import Instrument, Program
from intake.models import Patient
from tests.factories import PatientFactory, SymptomScoreFactory
from tests.factories_appeals import DenialFactory, blank_pdf, sign_appeal_letter

# --- Helpers: one per button billing presses ---------------------------------------------


def ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def mdY(day) -> str:
    return day.strftime("%m/%d/%Y")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(data: bytes) -> str:
    return squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def appeal_at(response) -> Appeal:
    """The appeal a response redirected to."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.view_name == "appeals:appeal-detail"
    return Appeal.objects.get(pk=match.kwargs["pk"])


def start(client, denial):
    return client.post(reverse("appeals:appeal-start", args=[denial.pk]))


def mark_filed(client, appeal, filed_date, good_cause=""):
    letter = appeal_actions.latest_letter(appeal)
    if letter is None or not letter.is_signed:
        sign_appeal_letter(appeal)  # the clinician signs before it leaves
    return client.post(
        reverse("appeals:appeal-file", args=[appeal.pk]),
        {
            "filed_date": filed_date.isoformat(),
            "filed_method": "fax",
            "tracking_number": "FAX-2231",
            "good_cause_statement": good_cause,
        },
    )


def decide(client, appeal, decision, decision_date, decided_by="Noridian JE Part B"):
    return client.post(
        reverse("appeals:appeal-decision", args=[appeal.pk]),
        {
            "decision": decision,
            "decision_date": decision_date.isoformat(),
            "decided_by": decided_by,
            "decision_summary": "Documentation does not support medical necessity.",
        },
    )


def prepare_next(client, appeal):
    return client.post(reverse("appeals:appeal-next", args=[appeal.pk]))


def walk_to_decision(client, appeal, filed_date, decision_date, decision="unfavorable"):
    assert mark_filed(client, appeal, filed_date).status_code == 302
    assert decide(client, appeal, decision, decision_date).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DECIDED
    return appeal


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Harold", last_name="Baxter", complete=True)


@pytest.fixture
def denial(patient):
    """CO-50 on an MSN dated 60 days ago for a service 70 days ago, $850 denied."""
    return DenialFactory(claim__patient=patient, claim__service_from=ago(70), notice_date=ago(60))


@pytest.fixture
def desk(billing, client_for):
    return client_for(billing)


# --- Original Medicare ------------------------------------------------------------------


def test_starting_the_appeal_prepares_a_redetermination_due_125_days_after_the_notice(
    desk, denial, page_text
):
    response = start(desk, denial)

    appeal = appeal_at(response)
    notice = ago(60)
    deadline = notice + timedelta(days=5) + timedelta(days=120)
    assert (appeal.track, appeal.level, appeal.status) == ("original", "redetermination", "draft")
    assert appeal.notice_date == notice
    assert appeal.filing_deadline == deadline
    assert appeal.amount_in_controversy == Decimal("850.00")
    assert appeal.previous is None
    page = desk.get(response["Location"])
    text = page_text(page)
    assert "Appeal prepared with a draft of the reasons. Review them." in text
    assert "Medicare Redetermination Request (CMS-20027, 42 CFR 405.944)" in text
    days_left = (deadline - timezone.localdate()).days
    assert f"Draft · {days_left} days left" in text
    assert f"Filing deadline (regulation) {deadline:%A} {mdY(deadline)}" in text
    assert "42 CFR 405.942(a), (a)(1)-(2)" in text


def test_the_drafted_reasons_answer_the_denial_code_with_the_met_criteria(desk, denial, page_text):
    appeal = appeal_at(start(desk, denial))

    reasons = appeal.reasons
    # The shipped CO-50 argument (appeals/data/denial_arguments.json) with this patient's facts.
    assert reasons.startswith(
        f"The service given on {mdY(ago(70))} (J3490) was reasonable and necessary for the "
        "diagnosis and treatment of Harold Baxter's illness (Social Security Act "
        "§1862(a)(1)(A))."
    )
    assert "Usage:" not in reasons
    # What the appeal must show is an instruction to staff: on the page, not in the draft.
    assert "Show that" not in reasons
    assert "The treating clinician's reason for this treatment at that point" in reasons
    assert "coverage.rule" not in reasons and " v1, in force from" not in reasons
    assert "On the date of service the record showed:" in reasons
    assert "- A qualifying diagnosis is recorded (F32, F33): F33.2 (primary)." in reasons
    assert "sertraline 150 mg daily 8 wk, bupropion XL 300 mg daily 8 wk" in reasons
    # Severity is judged on the date of service; scores recorded later are not evidence
    # (test_the_drafted_reasons_judge_the_criteria_on_the_date_of_service).
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[appeal.pk])))
    assert "was reasonable and necessary for the diagnosis and treatment" in page
    assert "Argument: Not medically necessary (CO-50)" in page
    assert "CO-50: Show that the coverage criteria (the LCD or plan policy) were met" in page
    assert "A qualifying diagnosis is recorded (F32, F33): F33.2 (primary)." in page


def test_the_drafted_reasons_judge_the_criteria_on_the_date_of_service(desk, denial, patient):
    service = denial.claim.service_from
    assert patient.current_request().requested_start != service

    appeal = appeal_at(start(desk, denial))

    assert f"coverage is active on {service.isoformat()}" in appeal.reasons
    cited = [date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", appeal.reasons)]
    assert cited
    assert [day for day in cited if day > service] == []


def test_a_second_start_returns_the_existing_appeal(desk, denial, page_text):
    first = appeal_at(start(desk, denial))
    desk.get(reverse("appeals:appeal-detail", args=[first.pk]))  # shows the first message

    again = start(desk, denial)

    assert appeal_at(again) == first
    assert Appeal.objects.filter(denial=denial).count() == 1
    page = page_text(desk.get(again["Location"]))
    assert "Appeal prepared with a draft of the reasons" not in page


def test_the_letter_and_the_packet_carry_the_appeal(desk, denial, patient, clinician, page_text):
    appeal = appeal_at(start(desk, denial))
    # A Letter of Medical Necessity the clinician generated earlier goes into the packet.
    lmn = generate_document(Patient.objects.get(pk=patient.pk), DocumentKind.LMN, clinician)
    lmn = lmn.document

    response = desk.post(
        reverse("appeals:appeal-letter", args=[appeal.pk]), {"request_key": "k1"}, follow=True
    )

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.READY
    letter = GeneratedDocument.objects.get(appeal=appeal, kind=DocumentKind.APPEAL_LETTER)
    assert "Appeal letter version 1 generated." in page_text(response)
    text = pdf_text(letter.read_pdf())
    assert "Medicare Redetermination Request" in text
    assert "CMS-20027" in text
    assert "Beneficiary name Harold Baxter" in text
    assert f"Medicare number {patient.coverage.mbi}" in text
    assert f"Date(s) of service {mdY(ago(70))}" in text
    assert f"Date of that decision {mdY(ago(60))}" in text
    assert "Item(s) or service(s) J3490" in text
    assert "CO-50: These are non-covered services because this is not deemed a 'medical" in text
    assert "was reasonable and necessary for the diagnosis and treatment" in text
    assert "On the date of service the record showed" in text
    assert (
        "What we ask We ask that the initial determination be reversed and the claim paid." in text
    )

    upload = SimpleUploadedFile("remit.pdf", blank_pdf(2), content_type="application/pdf")
    response = desk.post(
        reverse("appeals:appeal-enclosure", args=[appeal.pk]),
        {"title": "Remittance advice with CO-50", "file": upload},
        follow=True,
    )
    assert "Enclosure added." in page_text(response)
    assert "Remittance advice with CO-50 (2 pages)" in page_text(response)

    # Unsigned, the letter does not leave: billing is told who must sign.
    provider = patient.current_request().ordering_provider
    response = desk.post(
        reverse("appeals:appeal-packet", args=[appeal.pk]), {"request_key": "k0"}, follow=True
    )
    page = page_text(response)
    assert (
        f"The appeal letter (version 1) is not signed yet: {provider.first_name} "
        f"{provider.last_name} or another clinician must sign it on its document page before "
        "you build the packet."
    ) in page
    assert not GeneratedDocument.objects.filter(appeal=appeal, kind=DocumentKind.PACKET).exists()
    # The LMN on file argues for treatment from the requested start, after this service.
    start_day = patient.current_request().requested_start
    assert (
        f"The Letter of Medical Necessity (version 1) is for treatment from {mdY(start_day)}, "
        f"after the claim's date of service {mdY(ago(70))}: it does not cover the service "
        "appealed."
    ) in page
    provider.user = clinician
    provider.save()
    sign_document(letter, clinician)

    response = desk.post(
        reverse("appeals:appeal-packet", args=[appeal.pk]), {"request_key": "k2"}, follow=True
    )

    packet = GeneratedDocument.objects.get(appeal=appeal, kind=DocumentKind.PACKET)
    total = 1 + letter.page_count + lmn.page_count + 2
    assert packet.page_count == total
    assert f"Packet built: {total} pages." in page_text(response)
    assert f"Packet v1 ({total} pages," in page_text(response)
    reader = PdfReader(io.BytesIO(packet.read_pdf()))
    assert len(reader.pages) == total
    outline = [(entry.title, reader.get_destination_page_number(entry)) for entry in reader.outline]
    assert outline == [
        ("Enclosure index", 0),
        ("Redetermination request letter", 1),
        ("Letter of Medical Necessity", 1 + letter.page_count),
        ("Remittance advice with CO-50", 1 + letter.page_count + lmn.page_count),
    ]
    first_page = squash(reader.pages[0].extract_text())
    assert f"Packet page 1 of {total}" in first_page
    assert "Remittance advice with CO-50" in first_page
    assert f"Packet page {total} of {total}" in reader.pages[-1].extract_text()


def test_the_letter_can_be_generated_after_the_intake_changed(desk, denial, patient):
    appeal = appeal_at(start(desk, denial))
    # The clinician records a new PHQ-9 before billing generates the letter.
    SymptomScoreFactory(
        patient=patient, instrument=Instrument.PHQ9, score=19, administered_on=ago(1)
    )

    response = desk.post(reverse("appeals:appeal-letter", args=[appeal.pk]), {"request_key": "k"})

    assert appeal_at(response) == appeal
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.READY
    assert appeal.documents.filter(kind=DocumentKind.APPEAL_LETTER).count() == 1


def test_a_filed_redetermination_decided_against_leads_to_a_reconsideration(
    desk, denial, page_text
):
    redetermination = appeal_at(start(desk, denial))
    response = mark_filed(desk, redetermination, ago(50))
    assert appeal_at(response) == redetermination
    redetermination.refresh_from_db()
    assert (redetermination.status, redetermination.filed_date) == ("filed", ago(50))
    assert (redetermination.filed_method, redetermination.tracking_number) == ("fax", "FAX-2231")
    decide(desk, redetermination, "unfavorable", ago(20), decided_by="Noridian Redeterminations")
    redetermination.refresh_from_db()
    assert (redetermination.status, redetermination.decision) == ("decided", "unfavorable")
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[redetermination.pk])))
    assert f"Decision: Unfavourable {mdY(ago(20))} · Noridian Redeterminations" in page
    assert "Prepare next level" in page

    reconsideration = appeal_at(prepare_next(desk, redetermination))

    # 42 CFR 405.962(a): 180 days from presumed receipt of the redetermination decision.
    assert (reconsideration.track, reconsideration.level) == ("original", "reconsideration")
    assert reconsideration.previous == redetermination
    assert reconsideration.denial == denial
    assert reconsideration.notice_date == ago(20)
    assert reconsideration.filing_deadline == ago(20) + timedelta(days=5 + 180)
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[reconsideration.pk])))
    assert "Medicare Reconsideration Request (CMS-20033, 42 CFR 405.964)" in page
    assert f"Denial of {mdY(ago(60))} Redetermination Reconsideration" in page
    fields = {
        f["label"]: f["value"]
        for f in appeal_actions.letter_context(reconsideration)["appeal"]["fields"]
    }
    assert fields["Decision appealed"] == "Redetermination decision"
    assert fields["Date of that decision"] == mdY(ago(20))
    assert fields["Contractor that made the redetermination"] == "Noridian Redeterminations"
    back = page_text(desk.get(reverse("appeals:appeal-detail", args=[redetermination.pk])))
    assert "Next level: Reconsideration" in back
    assert "Prepare next level" not in back
    # Pressing it again returns the same reconsideration.
    assert appeal_at(prepare_next(desk, redetermination)) == reconsideration
    assert Appeal.objects.filter(denial=denial).count() == 2


def test_the_next_level_after_a_favourable_decision_is_refused(desk, denial, page_text):
    appeal = appeal_at(start(desk, denial))
    walk_to_decision(desk, appeal, ago(50), ago(20), decision="favorable")

    response = prepare_next(desk, appeal)

    assert appeal_at(response) == appeal
    page = page_text(desk.get(response["Location"]))
    assert "This level was decided in your favour: there is nothing to appeal." in page
    assert "Prepare next level" not in page
    assert Appeal.objects.filter(denial=denial).count() == 1


def test_the_next_level_is_refused_until_the_decision_is_recorded(desk, denial, page_text):
    appeal = appeal_at(start(desk, denial))
    mark_filed(desk, appeal, ago(50))

    response = prepare_next(desk, appeal)

    assert appeal_at(response) == appeal
    page = page_text(desk.get(response["Location"]))
    assert "Record this level's decision before preparing the next level." in page
    assert Appeal.objects.filter(denial=denial).count() == 1


@pytest.fixture
def overdue_denial(patient):
    """Notice 200 days ago: the redetermination deadline passed 75 days ago."""
    return DenialFactory(claim__patient=patient, claim__service_from=ago(210), notice_date=ago(200))


def test_filing_after_the_deadline_needs_a_good_cause_statement(
    desk, overdue_denial, field_text, page_text
):
    appeal = appeal_at(start(desk, overdue_denial))
    deadline = ago(200) + timedelta(days=125)
    assert appeal.filing_deadline == deadline
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[appeal.pk])))
    assert "Draft · 75 days overdue" in page

    refused = mark_filed(desk, appeal, ago(0))

    assert refused.status_code == 400
    assert (
        f"This is after the deadline ({mdY(deadline)}). A late appeal needs a good-cause "
        "statement: what prevented filing on time."
    ) in field_text(refused, "id_good_cause_statement")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.filed_date) == ("draft", None)
    assert mark_filed(desk, appeal, ago(0), good_cause="   ").status_code == 400

    accepted = mark_filed(desk, appeal, ago(0), good_cause="The MSN was mailed to an old address.")

    assert appeal_at(accepted) == appeal
    appeal.refresh_from_db()
    assert (appeal.status, appeal.filed_date) == ("filed", ago(0))
    assert appeal.good_cause_statement == "The MSN was mailed to an old address."


def test_filing_on_the_deadline_day_is_on_time(desk, overdue_denial):
    appeal = appeal_at(start(desk, overdue_denial))

    response = mark_filed(desk, appeal, appeal.filing_deadline)

    assert appeal_at(response) == appeal
    appeal.refresh_from_db()
    assert (appeal.status, appeal.good_cause_statement) == ("filed", "")


def test_a_filing_date_before_the_notice_or_in_the_future_is_refused(desk, denial, field_text):
    appeal = appeal_at(start(desk, denial))

    before = mark_filed(desk, appeal, ago(61))
    future = mark_filed(desk, appeal, ago(-1))

    assert "The filing date is before the decision being appealed." in field_text(
        before, "id_filed_date"
    )
    assert "The filing date can't be in the future." in field_text(future, "id_filed_date")
    appeal.refresh_from_db()
    assert appeal.status == "draft"


# --- Medicare Advantage and Part D ------------------------------------------------------


def test_an_ma_organization_determination_starts_a_plan_reconsideration(desk, clinic, page_text):
    patient = PatientFactory(clinic=clinic, complete=True, complete__program=Program.ADVANTAGE)
    denial = DenialFactory(
        claim__patient=patient,
        claim__service_from=ago(30),
        notice_type="ma_od",
        notice_date=ago(20),
        decided_by="Harbor Advantage PPO",
    )
    page = page_text(desk.get(reverse("appeals:denial-detail", args=[denial.pk])))
    assert (
        "First level: Request for Reconsideration of a Medicare Advantage Organization "
        "Determination"
    ) in page

    appeal = appeal_at(start(desk, denial))

    # 42 CFR 422.582(b) as encoded since 2025: 60 days from presumed receipt (notice + 5).
    assert (appeal.track, appeal.level) == ("advantage", "plan-reconsideration")
    assert appeal.filing_deadline == ago(20) + timedelta(days=5 + 60)
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[appeal.pk])))
    assert "(Plan reconsideration, 42 CFR 422.582)" in page


def test_a_part_d_coverage_determination_starts_a_part_d_redetermination(desk, patient, page_text):
    denial = DenialFactory(
        claim__patient=patient,
        claim__service_from=ago(30),
        notice_type="part_d_cd",
        notice_date=ago(20),
        decided_by="Harbor Rx",
    )

    appeal = appeal_at(start(desk, denial))

    # 42 CFR 423.582(b): 60 days from presumed receipt of the coverage determination.
    assert (appeal.track, appeal.level) == ("part-d", "redetermination")
    assert appeal.filing_deadline == ago(20) + timedelta(days=5 + 60)
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[appeal.pk])))
    assert (
        "Request for Redetermination of Medicare Prescription Drug Denial "
        "(Part D redetermination, 42 CFR 423.582)"
    ) in page


# --- The ALJ level and the amount in controversy ----------------------------------------


@pytest.fixture
def alj_threshold():
    threshold = deadlines.aic_threshold(deadlines.Level.ALJ, timezone.localdate())
    if threshold is None:
        pytest.skip("no ALJ amount-in-controversy threshold on file for this year")
    return threshold


def reconsideration_decided(desk, denial):
    """Redetermination and reconsideration, both filed and decided against the clinic."""
    redetermination = walk_to_decision(desk, appeal_at(start(desk, denial)), ago(90), ago(60))
    reconsideration = appeal_at(prepare_next(desk, redetermination))
    return walk_to_decision(desk, reconsideration, ago(50), ago(20))


def test_the_alj_level_is_refused_below_the_years_amount_in_controversy(
    desk, patient, alj_threshold, page_text
):
    small = alj_threshold - Decimal("50.00")
    denial = DenialFactory(
        claim__patient=patient,
        claim__service_from=ago(110),
        notice_date=ago(100),
        denied_amount=small,
    )
    reconsideration = reconsideration_decided(desk, denial)

    response = prepare_next(desk, reconsideration)

    assert appeal_at(response) == reconsideration
    page = page_text(desk.get(response["Location"]))
    assert (
        f"The amount in controversy (${small:,.2f}) is below this level's threshold "
        f"(${alj_threshold:,.2f}); see 42 CFR 405.1000-405.1064"
    ) in page
    assert not Appeal.objects.filter(denial=denial, level="alj").exists()
    assert Appeal.objects.filter(denial=denial).count() == 2


def test_the_alj_level_is_prepared_when_the_amount_meets_the_threshold(
    desk, patient, alj_threshold, page_text
):
    denial = DenialFactory(
        claim__patient=patient,
        claim__service_from=ago(110),
        notice_date=ago(100),
        denied_amount=alj_threshold,
    )
    reconsideration = reconsideration_decided(desk, denial)

    alj = appeal_at(prepare_next(desk, reconsideration))

    # 42 CFR 405.1002(a): 60 days from presumed receipt of the reconsideration.
    assert (alj.level, alj.previous) == ("alj", reconsideration)
    assert alj.filing_deadline == ago(20) + timedelta(days=5 + 60)
    page = page_text(desk.get(reverse("appeals:appeal-detail", args=[alj.pk])))
    assert "(OMHA-100, 42 CFR 405.1014)" in page
    assert f"threshold ${alj_threshold} · met" in page


def test_a_decision_before_the_filing_date_is_refused(desk, denial, field_text):
    appeal = appeal_at(start(desk, denial))
    mark_filed(desk, appeal, ago(50))

    response = decide(desk, appeal, "unfavorable", ago(51))

    assert response.status_code == 400
    assert "The decision can't predate the filing." in field_text(response, "id_decision_date")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision, appeal.decision_date) == ("filed", "", None)


def test_a_filed_appeals_reasons_are_locked(desk, denial, page_text):
    appeal = appeal_at(start(desk, denial))
    drafted = appeal.reasons
    mark_filed(desk, appeal, ago(50))

    response = desk.post(
        reverse("appeals:appeal-reasons", args=[appeal.pk]), {"reasons": "Rewritten."}, follow=True
    )

    assert "This appeal is filed: its reasons, letter, packet and enclosures are final." in (
        page_text(response)
    )
    appeal.refresh_from_db()
    assert appeal.reasons == drafted
