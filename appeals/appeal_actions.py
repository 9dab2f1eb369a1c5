"""Claims, denials and appeals: each multi-row write is one function in one transaction."""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from appeals import deadlines, letters, packet
from appeals.models import Appeal, AppealDocument, Claim, ClaimLine, Denial, Enclosure
from coverage.assessments import assessment_on
from documents.models import DocumentKind, GeneratedDocument
from documents.pdf_active_content import strip_active_content
from documents.services import DocumentError, final_pdf, generate_document, replayed
from intake.models import Patient


class AppealError(Exception):
    """A request that can't be carried out, with a message for staff."""


@dataclass(frozen=True)
class RecordedDenial:
    denial: Denial
    created: bool


def record_denial(patient: Patient, user, data: dict) -> RecordedDenial:
    """Store the claim, its line and the denial; a repeated form (same key) stores nothing.

    Simultaneous posts of one form all try to insert the same ``request_key``; the unique
    index lets one commit and the others fail, roll back their claim too and return it.
    """
    key = data.get("request_key") or None
    existing = _denial_for_key(key, patient)
    if existing is not None:
        return RecordedDenial(existing, created=False)
    try:
        return RecordedDenial(_store_denial(patient, user, data, key), created=True)
    except IntegrityError:
        existing = _denial_for_key(key, patient)
        if existing is None:
            raise
        return RecordedDenial(existing, created=False)


def _denial_for_key(key: str | None, patient: Patient) -> Denial | None:
    if key is None:
        return None
    existing = Denial.objects.select_related("claim").filter(request_key=key).first()
    if existing is not None and existing.claim.patient_id != patient.pk:
        # A key is issued for one patient's form; a copied or tampered one is refused.
        raise AppealError("This form was already used for another patient. Reload the page.")
    return existing


@transaction.atomic
def _store_denial(patient: Patient, user, data: dict, key: str | None) -> Denial:
    group, carcs = data["adjustment"]
    claim = Claim.objects.create(
        patient=patient,
        provider=data["provider"],
        claim_number=data["claim_number"],
        service_from=data["service_date"],
        service_to=data["service_date"],
        diagnosis_codes=", ".join(data["diagnosis_codes"]),
        created_by=user,
    )
    ClaimLine.objects.create(
        claim=claim,
        service_date=data["service_date"],
        code=data["code"],
        modifiers=data["modifiers"],
        diagnosis_pointers=",".join(str(i) for i in range(1, len(data["diagnosis_codes"]) + 1)),
        units=data["units"],
        billed_amount=data["billed_amount"],
        allowed_amount=data["allowed_amount"],
    )
    return Denial.objects.create(
        claim=claim,
        notice_type=data["notice_type"],
        notice_date=data["notice_date"],
        decided_by=data["decided_by"],
        group_code=group,
        carc_codes=", ".join(carcs),
        rarc_codes=", ".join(data["rarc_codes"]),
        denied_amount=data["denied_amount"],
        created_by=user,
        request_key=key,
    )


@dataclass(frozen=True)
class Prepared:
    appeal: Appeal
    created: bool


def _create_appeal(
    denial: Denial, level: deadlines.Level, notice_date: date, user, previous: Appeal | None
) -> Prepared:
    existing = Appeal.objects.filter(denial=denial, level=level).first()
    if existing is not None:
        return Prepared(existing, created=False)
    track = denial.track
    amount = denial.denied_amount
    result = deadlines.compute_deadline(
        track, level, notice_date, amount=amount, today=timezone.localdate()
    )
    if result.aic_met is False:
        raise AppealError(
            f"The amount in controversy (${amount:,.2f}) is below this level's threshold "
            f"(${result.aic_threshold:,.2f}); see {', '.join(result.citations[:1])}."
        )
    # The argument is about the date of service: judge the criteria as of that day.
    as_of_service = assessment_on(denial.claim.patient, denial.claim.service_from)
    automatic = not result.filed_by_party
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                denial=denial,
                previous=previous,
                track=track,
                level=level,
                notice_date=notice_date,
                filing_deadline=result.filing_deadline,
                amount_in_controversy=amount,
                reasons=letters.draft_reasons(denial, as_of_service),
                created_by=user,
                # The MA plan forwards an upheld case to the IRE itself (42 CFR 422.590):
                # nothing to file, no deadline to miss.
                status=Appeal.Status.FILED if automatic else Appeal.Status.DRAFT,
                filed_date=notice_date if automatic else None,
                tracking_number="Forwarded automatically by the plan" if automatic else "",
            )
    except IntegrityError:
        # A concurrent "prepare" for the same denial and level won: use its appeal.
        return Prepared(Appeal.objects.get(denial=denial, level=level), created=False)
    return Prepared(appeal, created=True)


def start_appeal(denial: Denial, user) -> Prepared:
    """The first level of the denial's track, its deadline counted from the notice date."""
    first = deadlines.levels_for(denial.track)[0]
    return _create_appeal(denial, first, denial.notice_date, user, previous=None)


def prepare_next_level(appeal: Appeal, user) -> Prepared:
    """After an unfavourable decision: the next level, its deadline from the decision date."""
    if appeal.status != Appeal.Status.DECIDED or appeal.decision_date is None:
        raise AppealError("Record this level's decision before preparing the next level.")
    if appeal.decision == Appeal.Decision.FAVORABLE:
        raise AppealError("This level was decided in your favour: there is nothing to appeal.")
    nxt = deadlines.next_level(deadlines.Track(appeal.track), deadlines.Level(appeal.level))
    if nxt is None:
        raise AppealError("This is the last level of appeal.")
    return _create_appeal(appeal.denial, nxt, appeal.decision_date, user, previous=appeal)


def unsigned_letter_problem(appeal: Appeal, doing: str) -> str | None:
    """Why the appeal's letter can't leave yet (missing or unsigned), or None.

    A letter goes out signed by the clinician (its signature block carries their own NPI);
    billing is told who must sign.
    """
    letter = latest_letter(appeal)
    if letter is None:
        return f"Generate the appeal letter before you {doing}."
    if not letter.is_signed:
        req = appeal.patient.current_request()
        who = (
            f"{req.ordering_provider.first_name} {req.ordering_provider.last_name} or another "
            "clinician"
            if req
            else "a clinician"
        )
        return (
            f"The appeal letter (version {letter.version}) is not signed yet: {who} must sign "
            f"it on its document page before you {doing}."
        )
    return None


@transaction.atomic
def file_appeal(appeal: Appeal, data: dict) -> Appeal:
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status in (Appeal.Status.FILED, Appeal.Status.DECIDED):
        raise AppealError("This appeal is already filed.")
    if problem := unsigned_letter_problem(appeal, "mark the appeal as filed"):
        raise AppealError(problem)
    for name, value in data.items():
        setattr(appeal, name, value)
    appeal.status = Appeal.Status.FILED
    appeal.save()
    return appeal


@transaction.atomic
def record_decision(appeal: Appeal, data: dict) -> Appeal:
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != Appeal.Status.FILED:
        raise AppealError("Only a filed appeal can be decided.")
    for name, value in data.items():
        setattr(appeal, name, value)
    appeal.status = Appeal.Status.DECIDED
    appeal.save()
    return appeal


def add_enclosure(appeal: Appeal, user, title: str, uploaded, info) -> Enclosure:
    uploaded.seek(0)
    # Stored without scripts, launch actions or attachments (documents/pdf_active_content.py);
    # the recorded hash is that of the stored bytes.
    data = strip_active_content(uploaded.read())
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        # The appeal's row lock serialises simultaneous uploads, so each reads the maximum
        # the previous one committed (without it, 20 uploads left duplicate positions).
        Appeal.objects.select_for_update().only("pk").get(pk=appeal.pk)
        position = (appeal.enclosures.aggregate(p=Max("position"))["p"] or 0) + 1
        enclosure = Enclosure(
            appeal=appeal,
            title=title,
            sha256=sha256,
            page_count=info.page_count,
            position=position,
            uploaded_by=user,
        )
        enclosure.file.save(f"{sha256[:16]}.pdf", ContentFile(data), save=False)
        enclosure.save()
    return enclosure


def letter_context(appeal: Appeal) -> dict:
    patient = appeal.patient
    mbi = patient.coverage.mbi if hasattr(patient, "coverage") else ""
    form = letters.form_for(appeal.track, appeal.level)
    denial = appeal.denial
    recipient = letters.recipient_for(appeal)
    return {
        "appeal": {
            "form_name": form.name,
            "form_title": form.title,
            "regulation": form.regulation,
            # The patient's contractor for this level; its address only when on file (the
            # staff warning for a missing one stays on the appeal page).
            "recipient": recipient.name,
            "recipient_lines": list(recipient.address_lines),
            "ask": letters.ask_for(appeal),
            "level_label": appeal.level_label,
            "fields": letters.form_fields(appeal, mbi=mbi),
            "reasons": [p for p in appeal.reasons.split("\n\n") if p.strip()],
            "filing_deadline": appeal.filing_deadline,
            "decided_by": denial.decided_by,
        },
        "denial": {
            "notice_label": denial.get_notice_type_display(),
            "notice_date": denial.notice_date,
            "group_code": denial.group_code,
            "carc_codes": denial.carc_list,
            "rarc_codes": denial.rarc_list,
            "denied_amount": f"{denial.denied_amount:,.2f}",
            # What each code means, as a reviewer may read it (no code-list usage notes).
            "codes_text": letters.codes_text(denial),
        },
        "enclosures": packet_enclosure_titles(appeal),
        **letters.as_of_service(appeal),
    }


def generate_appeal_letter(appeal: Appeal, user, request_key: str | None = None):
    return generate_document(
        appeal.patient,
        DocumentKind.APPEAL_LETTER,
        user,
        request_key=request_key,
        extra_context=letter_context(appeal),
        # Inside the document's transaction: a letter is never stored without its appeal.
        on_created=lambda document: AppealDocument.objects.create(appeal=appeal, document=document),
    )


def latest_letter(appeal: Appeal) -> GeneratedDocument | None:
    return appeal.documents.filter(kind=DocumentKind.APPEAL_LETTER).order_by("-version").first()


def latest_lmn(patient: Patient) -> GeneratedDocument | None:
    signed = patient.documents.filter(kind=DocumentKind.LMN, signature__isnull=False)
    return (signed or patient.documents.filter(kind=DocumentKind.LMN)).order_by("-version").first()


def lmn_date_problem(appeal: Appeal, lmn: GeneratedDocument | None) -> str | None:
    """A warning when the LMN that would go in the packet argues for treatment starting after
    the claim's date of service: it does not cover the service appealed."""
    if lmn is None or lmn.assessment is None:
        return None
    start = lmn.assessment.treatment_request.requested_start
    service = appeal.denial.claim.service_from
    if start <= service:
        return None
    return (
        f"The Letter of Medical Necessity (version {lmn.version}) is for treatment from "
        f"{start:%m/%d/%Y}, after the claim's date of service {service:%m/%d/%Y}: it does not "
        "cover the service appealed. Generate an LMN for that date before building the packet."
    )


def packet_enclosure_titles(appeal: Appeal) -> list[str]:
    titles = []
    lmn = latest_lmn(appeal.patient)
    if lmn is not None:
        titles.append(f"Letter of Medical Necessity (version {lmn.version})")
    titles += [e.title for e in appeal.enclosures.all()]
    return titles


def build_packet(appeal: Appeal, user, request_key: str | None = None) -> GeneratedDocument:
    """One PDF: the appeal letter, the LMN and every uploaded enclosure, indexed and numbered.

    Stored PDFs are merged as they are (never re-rendered): the cost is one index render plus
    a merge (pdf-performance.md).
    """
    if problem := unsigned_letter_problem(appeal, "build the packet"):
        raise AppealError(problem)
    letter = latest_letter(appeal)
    parts = [packet.PacketPart(f"{appeal.level_label} request letter", final_pdf(letter))]
    lmn = latest_lmn(appeal.patient)
    if lmn is not None:
        parts.append(packet.PacketPart("Letter of Medical Necessity", final_pdf(lmn)))
    for enclosure in appeal.enclosures.all():
        with enclosure.file.open("rb") as fh:
            parts.append(packet.PacketPart(enclosure.title, fh.read()))
    assembled = packet.assemble_packet(
        parts,
        title=f"{appeal.level_label} appeal packet",
        time_limit_seconds=settings.PACKET_TIMEOUT_SECONDS,
    )
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=appeal.patient.pk)
        try:
            existing = replayed(request_key, appeal.patient, DocumentKind.PACKET)
        except DocumentError as exc:
            raise AppealError(str(exc)) from exc
        if existing is not None:
            return existing
        version = GeneratedDocument.next_version(appeal.patient, DocumentKind.PACKET)
        document = GeneratedDocument(
            patient=appeal.patient,
            kind=DocumentKind.PACKET,
            version=version,
            html="",
            page_count=assembled.page_count,
            generated_by=user,
            request_key=request_key or None,
        )
        document.attach_pdf(assembled.pdf)
        document.save()
        AppealDocument.objects.create(appeal=appeal, document=document)
    return document
