"""Generate, sign and send documents. Each write is one transaction (STYLE: verb services)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from coverage.assessments import current_assessment
from documents import pades, rendering
from documents.context import build_context
from documents.models import (
    DocumentDelivery,
    DocumentKind,
    DocumentSignature,
    GeneratedDocument,
    LetterTemplate,
)
from intake.models import Patient

# The letter layout wraps the signature block in these markers, so signing can fill in
# exactly that block of the stored HTML: the signed copy shows the same letter text the
# clinician reviewed, even if the intake changed since.
SIGNATURE_START = "<!--signature-->"
SIGNATURE_END = "<!--/signature-->"

# ABNs are signed by the beneficiary on paper; patient explanations are not signed.
SIGNABLE_KINDS = {DocumentKind.LMN, DocumentKind.PRIOR_AUTH, DocumentKind.APPEAL_LETTER}


# Letters whose argument is the clinician's narrative (the treatment request's narrative
# fields): they are not signed while it is incomplete.
NARRATIVE_KINDS = {DocumentKind.LMN, DocumentKind.PRIOR_AUTH}


class DocumentError(Exception):
    """A request that cannot be carried out, with a message for the user."""


@dataclass(frozen=True)
class Generated:
    document: GeneratedDocument
    created: bool


def offered_kinds(patient: Patient) -> list[str]:
    """Which patient documents the current assessment recommends (ABN only on that path)."""
    return kinds_offered_by(current_assessment(patient))


def kinds_offered_by(assessment) -> list[str]:
    if assessment is None:
        return []
    return [k for k in assessment.result.get("documents", []) if k in DocumentKind.values]


def generate_document(
    patient: Patient,
    kind: str,
    user,
    *,
    request_key: str | None = None,
    extra_context: dict | None = None,
    on_created: Callable[[GeneratedDocument], object] | None = None,
) -> Generated:
    """Render the current template for `kind` into a new immutable document version.

    A repeated submission with the same request_key returns the first document instead of
    creating another (double clicks, retries, concurrent identical requests). `on_created`
    runs inside the same transaction with the new document, for callers in the layers above
    that link it to their own rows (an appeal's letter).
    """
    existing = replayed(request_key, patient, kind)
    if existing is not None:
        return Generated(existing, created=False)
    # The clinic's own version where it has one, else the shared default (issue 12).
    template = LetterTemplate.objects.current_for(kind, patient.clinic_id)
    if template is None:
        raise DocumentError(f"There is no template for {DocumentKind(kind).label}.")
    try:
        with transaction.atomic():
            # Lock the patient row so concurrent requests number versions one at a time.
            Patient.objects.select_for_update().get(pk=patient.pk)
            existing = replayed(request_key, patient, kind)
            if existing is not None:
                return Generated(existing, created=False)
            # One assessment per document, under the lock (issue 16: the ABN path used to
            # assess once to check the offer and again to render).
            assessment = current_assessment(patient)
            if kind == DocumentKind.ABN and DocumentKind.ABN not in kinds_offered_by(assessment):
                raise DocumentError(
                    "An ABN is only given when the assessment says Original Medicare is "
                    "expected to deny the service."
                )
            version = GeneratedDocument.next_version(patient, kind)
            context = build_context(
                str(kind), patient, assessment=assessment, version=version, extra=extra_context
            )
            rendered = rendering.render_document(template.body, context)
            document = GeneratedDocument(
                patient=patient,
                kind=kind,
                version=version,
                template=template,
                assessment=assessment,
                html=rendered.html,
                page_count=rendered.page_count,
                generated_by=user,
                request_key=request_key or None,
            )
            document.attach_pdf(rendered.pdf)
            document.save()
            if on_created is not None:
                on_created(document)
            return Generated(document, created=True)
    except IntegrityError:
        # Another request with the same key won the race: return its document.
        existing = replayed(request_key, patient, kind)
        if existing is not None:
            return Generated(existing, created=False)
        raise


def replayed(request_key: str | None, patient: Patient, kind: str) -> GeneratedDocument | None:
    """The document an earlier submission of this very form created, if any.

    A key is only ever issued for one patient and kind; presented with another (a copied or
    tampered form), it is refused rather than answered with someone else's document.
    """
    if not request_key:
        return None
    existing = GeneratedDocument.objects.filter(request_key=request_key).first()
    if existing is None:
        return None
    if existing.patient_id != patient.pk or existing.kind != kind:
        raise DocumentError(
            "This form was already used for another document. Reload the page and try again."
        )
    return existing


def signature_block_html(provider, signed_at, image_url: str | None = None) -> str:
    """The filled-in signature block: who, credentials, NPI and when. Never a stamp image alone."""
    image = (
        f'<img class="signature-image" src="{escape(image_url)}" '
        f'alt="Signature of {escape(provider.first_name)} {escape(provider.last_name)}">'
        if image_url
        else ""
    )
    when = timezone.localtime(signed_at).strftime("%B %d, %Y, %I:%M %p %Z")
    return (
        f'<div class="signature-block">{image}'
        f'<p class="small">Electronically signed by {escape(provider.first_name)} '
        f"{escape(provider.last_name)}, {escape(provider.credentials)} on {escape(when)}</p>"
        f"<p>{escape(provider.first_name)} {escape(provider.last_name)}, "
        f"{escape(provider.credentials)}<br>{escape(provider.specialty)}<br>"
        f"NPI {escape(provider.npi)}</p></div>"
    )


def sign_blockers(document: GeneratedDocument) -> list[str]:
    """Why this letter can't be signed yet, in words for the clinician (empty: it can).

    The narrative is read from the treatment request the letter was generated for; a request
    edited after the letter was generated means the letter may not show what it now says.
    """
    if document.kind not in NARRATIVE_KINDS:
        return []
    assessment = document.assessment
    req = assessment.treatment_request if assessment else document.patient.current_request()
    if req is None:
        return ["There is no treatment request for this letter to argue for."]
    missing = req.missing_narrative()
    if missing:
        return [
            "The clinician's narrative on the treatment request is incomplete: "
            f"{', '.join(missing)} still empty. Write it on the treatment request step, then "
            "generate a new version of this letter and sign that one."
        ]
    if req.updated_at > document.generated_at:
        return [
            "The treatment request was changed after this version was generated, so the letter "
            "may not say what the record now says: generate a new version and sign that one."
        ]
    return []


def sign_refusal(document: GeneratedDocument, user) -> str | None:
    """Why `user` can't sign `document` now, in words for them (None: they can)."""
    if document.is_signed:
        return "This document is already signed; generate a new version to change it."
    if document.kind not in SIGNABLE_KINDS:
        return f"{document.get_kind_display()} is not signed by a clinician."
    provider = getattr(user, "provider", None)
    if provider is None or not provider.is_active:
        return "Only a clinician with a provider profile can sign letters."
    if provider.clinic_id != document.patient.clinic_id:
        return "You can only sign letters for your own clinic's patients."
    if blockers := sign_blockers(document):
        return " ".join(blockers)
    if SIGNATURE_START not in document.html:
        return "This document's template has no signature block."
    return None


def attestation_text(document: GeneratedDocument, provider) -> str:
    """What the clinician confirms when signing (intent to sign, ESIGN 15 U.S.C. 7001 and
    UETA section 9 attribution); stored with the signature, word for word."""
    return (
        f"I, {provider.first_name} {provider.last_name}, {provider.credentials} "
        f"(NPI {provider.npi}), have reviewed this {document.get_kind_display()} "
        f"(version {document.version}); it is accurate and complete to the best of my "
        "knowledge, and I sign it electronically."
    )[:300]


@transaction.atomic
def sign_document(
    document: GeneratedDocument, user, *, confirmed_with: str = ""
) -> DocumentSignature:
    """Sign as the user's provider. One signature per document (a database constraint).

    The page asks for the attestation and the user's password or authenticator code first
    (documents/forms.py, SignForm) and says which in `confirmed_with`. The signed copy is
    sealed with the clinic's certificate (PAdES, documents/pades.py).
    """
    document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
    if refusal := sign_refusal(document, user):
        raise DocumentError(refusal)
    provider = user.provider
    signed_at = timezone.now()
    image_url = None
    if provider.signature_image:
        try:
            image_url = rendering.image_data_url(provider.signature_image)
        except (ValueError, OSError) as exc:
            raise DocumentError(
                "Your signature image can't be used (it must be a PNG, JPEG or GIF under "
                "512 KB); ask the clinic admin to upload it again."
            ) from exc
    block = signature_block_html(provider, signed_at, image_url)
    before, rest = document.html.split(SIGNATURE_START, 1)
    _, after = rest.split(SIGNATURE_END, 1)
    pdf = rendering.render_pdf(before + SIGNATURE_START + block + SIGNATURE_END + after)
    try:
        pdf = pades.seal(
            pdf,
            name=f"{provider.first_name} {provider.last_name}, {provider.credentials}",
            reason=f"Signed by the treating clinician, NPI {provider.npi}",
            location=provider.clinic.name,
        )
    except pades.SigningUnavailable as exc:
        raise DocumentError(str(exc)) from exc
    sha = hashlib.sha256(pdf).hexdigest()
    signature = DocumentSignature(
        document=document,
        signer=provider,
        signed_by=user,
        name=f"{provider.first_name} {provider.last_name}",
        credentials=provider.credentials,
        npi=provider.npi,
        signed_at=signed_at,
        signed_sha256=sha,
        attestation=attestation_text(document, provider),
        confirmed_with=confirmed_with,
    )
    signature.signed_pdf.save(
        f"{document.kind}-v{document.version}-signed-{sha[:12]}.pdf", ContentFile(pdf), save=False
    )
    signature.save()
    return signature


def record_delivery(document: GeneratedDocument, user, **fields) -> DocumentDelivery:
    return DocumentDelivery.objects.create(document=document, recorded_by=user, **fields)


def final_pdf(document: GeneratedDocument) -> bytes:
    """The signed copy when there is one, else the generated PDF."""
    if document.is_signed:
        with document.signature.signed_pdf.open("rb") as fh:
            return fh.read()
    return document.read_pdf()
