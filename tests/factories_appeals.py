"""factory-boy factories for claims, denials, appeals and enclosures.

They build rows directly (bypassing the service functions) so a test can set up any state
of the queue in one line: an appeal due in three days, one decided last month, one of
another clinic. Dates are relative to ``timezone.localdate()``, the day the app compares
with. The flows themselves are driven through the views in the test modules.

    appeal = AppealFactory(denial__claim__patient=patient, due_in=3)
    denial = DenialFactory(claim__patient=patient, notice_type=Denial.NoticeType.MA_OD)
"""

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from pypdf import PdfReader, PdfWriter

from appeals import deadlines
from appeals.models import Appeal, AppealDocument, Claim, ClaimLine, Denial, Enclosure
from documents.models import DocumentKind, DocumentSignature, GeneratedDocument
from tests.factories import PatientFactory, ProviderFactory, UserFactory

__all__ = [
    "AppealFactory",
    "AppealLetterFactory",
    "ClaimFactory",
    "ClaimLineFactory",
    "DenialFactory",
    "EnclosureFactory",
    "blank_pdf",
    "days_ago",
    "sign_appeal_letter",
]


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def blank_pdf(pages: int = 1) -> bytes:
    """A valid, unencrypted PDF of ``pages`` blank Letter pages (no WeasyPrint render)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class ClaimFactory(DjangoModelFactory):
    """A one-day claim for IV ketamine (J3490) with F33.2, by a provider of the patient's
    clinic, 40 days ago."""

    class Meta:
        model = Claim

    patient = factory.SubFactory(PatientFactory)
    provider = factory.SubFactory(ProviderFactory, clinic=factory.SelfAttribute("..patient.clinic"))
    claim_number = factory.Sequence(lambda n: f"ICN{n:011d}")
    service_from = factory.LazyFunction(lambda: days_ago(40))
    service_to = factory.SelfAttribute("service_from")
    diagnosis_codes = "F33.2"
    created_by = factory.SubFactory(UserFactory)


class ClaimLineFactory(DjangoModelFactory):
    class Meta:
        model = ClaimLine

    claim = factory.SubFactory(ClaimFactory)
    service_date = factory.SelfAttribute("claim.service_from")
    code = "J3490"
    modifiers = ""
    diagnosis_pointers = "1"
    units = 1
    billed_amount = Decimal("850.00")


class DenialFactory(DjangoModelFactory):
    """An MSN denial CO-50 (not medically necessary) with N115, dated 10 days after service,
    with its claim line."""

    class Meta:
        model = Denial
        skip_postgeneration_save = True

    claim = factory.SubFactory(ClaimFactory)
    notice_type = Denial.NoticeType.MSN
    notice_date = factory.LazyAttribute(lambda d: d.claim.service_from + timedelta(days=10))
    decided_by = "Noridian JE Part B"
    group_code = "CO"
    carc_codes = "50"
    rarc_codes = "N115"
    denied_amount = Decimal("850.00")
    created_by = factory.SelfAttribute("claim.created_by")

    @factory.post_generation
    def line(self, create, extracted, **kwargs):
        if create and extracted is not False:
            ClaimLineFactory(claim=self.claim, billed_amount=self.denied_amount, **kwargs)


class AppealFactory(DjangoModelFactory):
    """The first level of its denial's track, deadline computed from the notice date.

    ``due_in=n`` overrides the deadline to n days from today (negative: overdue).
    """

    class Meta:
        model = Appeal

    class Params:
        due_in = None

    denial = factory.SubFactory(DenialFactory)
    track = factory.LazyAttribute(lambda a: a.denial.track.value)
    level = factory.LazyAttribute(lambda a: deadlines.levels_for(a.denial.track)[0].value)
    notice_date = factory.SelfAttribute("denial.notice_date")
    filing_deadline = factory.LazyAttribute(
        lambda a: (
            timezone.localdate() + timedelta(days=a.due_in)
            if a.due_in is not None
            else deadlines.compute_deadline(a.track, a.level, a.notice_date).filing_deadline
        )
    )
    amount_in_controversy = factory.SelfAttribute("denial.denied_amount")
    status = Appeal.Status.DRAFT
    reasons = "The treatment met every coverage criterion."
    created_by = factory.SelfAttribute("denial.created_by")


class EnclosureFactory(DjangoModelFactory):
    """A stored one-page PDF enclosure (``pdf=`` bytes to choose the file)."""

    class Meta:
        model = Enclosure

    class Params:
        pdf = factory.LazyFunction(lambda: blank_pdf(1))

    appeal = factory.SubFactory(AppealFactory)
    title = factory.Sequence(lambda n: f"Remittance advice {n}")
    file = factory.LazyAttribute(lambda e: ContentFile(e.pdf, name="enclosure.pdf"))
    sha256 = factory.LazyAttribute(lambda e: hashlib.sha256(e.pdf).hexdigest())
    page_count = factory.LazyAttribute(lambda e: len(PdfReader(io.BytesIO(e.pdf)).pages))
    position = factory.Sequence(lambda n: n + 1)
    uploaded_by = factory.SelfAttribute("appeal.created_by")


class AppealLetterFactory(DjangoModelFactory):
    """A stored appeal letter (a blank two-page PDF): a "letter on file" without a render."""

    class Meta:
        model = GeneratedDocument

    class Params:
        pdf_bytes = factory.LazyFunction(lambda: blank_pdf(2))

    appeal = factory.SubFactory(AppealFactory)
    # Signed by the claim's provider, as a letter must be before its packet is built.
    signed = False
    patient = factory.SelfAttribute("appeal.denial.claim.patient")
    kind = DocumentKind.APPEAL_LETTER
    version = factory.Sequence(lambda n: n + 1)
    html = "<p>Appeal letter</p>"
    pdf = factory.LazyAttribute(lambda d: ContentFile(d.pdf_bytes, name="appeal_letter.pdf"))
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.pdf_bytes).hexdigest())
    page_count = 2
    generated_by = factory.SelfAttribute("appeal.created_by")

    @classmethod
    def _create(cls, model_class, *args, appeal, signed=False, **kwargs):
        # The link lives in the appeals app (AppealDocument), as generate_appeal_letter makes it.
        document = super()._create(model_class, *args, **kwargs)
        AppealDocument.objects.create(appeal=appeal, document=document)
        if signed:
            provider = appeal.denial.claim.provider
            data = document.read_pdf()
            signature = DocumentSignature(
                document=document,
                signer=provider,
                signed_by=document.generated_by,
                name=f"{provider.first_name} {provider.last_name}",
                credentials=provider.credentials,
                npi=provider.npi,
                signed_at=timezone.now(),
                signed_sha256=hashlib.sha256(data).hexdigest(),
                attestation="I have reviewed this document and sign it electronically.",
            )
            signature.signed_pdf.save("signed.pdf", ContentFile(data), save=False)
            signature.save()
        return document


def sign_appeal_letter(appeal: Appeal) -> GeneratedDocument:
    """Generate the appeal's letter and have the ordering clinician sign it, through the
    services billing and the clinician use: a letter must be signed before the appeal is
    filed or packeted (issue 14)."""
    from appeals.appeal_actions import generate_appeal_letter
    from documents.services import sign_document
    from intake.roles import CLINICIAN

    provider = appeal.patient.current_request().ordering_provider
    if provider.user is None:
        provider.user = UserFactory(role=CLINICIAN, clinics=[appeal.patient.clinic])
        provider.save()
    letter = generate_appeal_letter(appeal, provider.user).document
    sign_document(letter, provider.user)
    return letter
