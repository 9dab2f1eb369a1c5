"""Letter templates (versioned data) and the documents generated from them (immutable records)."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from intake.crypto import EncryptedTextField
from intake.versioning import VersionSeries, current_ids, series_constraints


class DocumentKind(models.TextChoices):
    LMN = "lmn", "Letter of Medical Necessity"
    ABN = "abn", "Advance Beneficiary Notice (CMS-R-131)"
    PRIOR_AUTH = "prior_auth", "Prior-authorisation request"
    PATIENT_EXPLANATION = "patient_explanation", "Patient explanation"
    # One template for every appeal level: the level's form (CMS-20027, CMS-20033,
    # OMHA-100, DAB-101, plan/IRE requests) and its fields come in as data (appeals/letters.py).
    APPEAL_LETTER = "appeal_letter", "Appeal letter"
    PACKET = "packet", "Appeal packet"


PATIENT_DOCUMENT_KINDS = [
    DocumentKind.LMN,
    DocumentKind.ABN,
    DocumentKind.PRIOR_AUTH,
    DocumentKind.PATIENT_EXPLANATION,
]


class LetterTemplateQuerySet(models.QuerySet):
    def current(self, clinic=None) -> "LetterTemplateQuerySet":
        """The version of each kind that `clinic`'s letters use (None: the shared defaults)."""
        return self.filter(pk__in=current_ids(self.model, clinic))

    def current_for(self, kind: str, clinic=None) -> "LetterTemplate | None":
        """The newest version of the clinic's own series for `kind`, else the shared default's."""
        rows = self.filter(kind=kind).filter(
            Q(clinic=None) | Q(clinic_id=getattr(clinic, "pk", clinic))
        )
        # Own series first (clinic NULLs sort last on PostgreSQL and first on SQLite: say so).
        return rows.order_by(F("clinic").asc(nulls_last=True), "-version").first()


class LetterTemplate(VersionSeries, models.Model):
    """One version of a letter template. Saving an edit creates a new row (see admin).

    Rows are never updated, so every generated document can show the exact text it used.
    """

    series_field = "kind"

    # NULL: the shipped default every clinic shares (superusers edit it); a clinic's own
    # series is used for that clinic's patients only (issue 12).
    clinic = models.ForeignKey(
        "intake.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the shared default, used by every clinic without its own version.",
    )
    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    body = models.TextField(help_text="Restricted template language: see docs/templates.md.")
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = series_constraints("kind", "template")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.clinic_label})"

    def clean(self) -> None:
        from documents.rendering import (
            RenderLimitExceeded,
            TemplateRefused,
            preview_html,
            validate_template,
        )

        if self.kind == DocumentKind.PACKET:
            raise ValidationError(
                {"kind": "A packet is assembled from other documents; it has no template."}
            )
        try:
            validate_template(self.body)
            # Render once with the demo patient, under the preview's time limit: filter
            # arguments that can never work, and bodies too slow to render, only show up
            # when rendering, and must be refused now rather than at "Generate".
            preview_html(self.body, self.kind or "lmn", self.clinic if self.clinic_id else None)
        except (TemplateRefused, RenderLimitExceeded) as exc:
            raise ValidationError({"body": str(exc)}) from exc


def download_name(last_name: str, kind: str, version: int, day) -> str:
    # Letters and digits only (any script): no quote, slash or semicolon can reach the
    # Content-Disposition header; spaces and apostrophes just go ("De la Cruz" ->
    # "DelaCruz", "O'Brien" -> "OBrien"). Non-ASCII names travel as filename*=UTF-8''.
    name = "".join(ch for ch in last_name if ch.isalnum()) or "patient"
    return f"{name}-{kind.replace('_', '-')}-v{version}-{day:%Y-%m-%d}.pdf"


def _document_path(instance: "GeneratedDocument", filename: str) -> str:
    return f"documents/{instance.patient_id}/{filename}"


class GeneratedDocument(models.Model):
    """An immutable rendered document: HTML, PDF, hash and provenance. Never overwritten."""

    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(help_text="Per patient and kind: 1, 2, 3 ...")
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        "coverage.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Letters print the MBI, which is encrypted at rest everywhere (intake/crypto.py).
    html = EncryptedTextField(blank=True)
    pdf = models.FileField(upload_to=_document_path)
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(auto_now_add=True)
    request_key = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Idempotency key: a repeated submission returns the existing document.",
    )

    class Meta:
        ordering = ["-generated_at", "-id"]
        permissions = [
            ("sign_document", "Can sign letters electronically"),
            ("send_document", "Can record a document as sent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "version"], name="unique_document_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("documents:document-detail", args=[self.pk])

    @property
    def appeal(self):
        """The appeal this letter or packet belongs to, if any.

        The appeals app owns the link (AppealDocument, reverse accessor `appeal_link`), so
        this layer needs no import of it.
        """
        link = getattr(self, "appeal_link", None)
        return link.appeal if link is not None else None

    @property
    def is_signed(self) -> bool:
        return hasattr(self, "signature")

    @property
    def filename(self) -> str:
        """The name a download is saved under: whose letter, which kind, version and day
        (`Ellison-lmn-v2-2026-01-05.pdf`), so a folder of saved letters sorts by patient.
        The last name only: never the MBI or birth date. The stored file is named apart
        (attach_pdf) and carries no name at all."""
        return download_name(self.patient.last_name, self.kind, self.version, self.generated_at)

    @classmethod
    def next_version(cls, patient, kind: str) -> int:
        """Versions count per patient and kind; call with the patient row locked."""
        newest = cls.objects.filter(patient=patient, kind=kind).aggregate(v=Max("version"))
        return (newest["v"] or 0) + 1

    def attach_pdf(self, pdf: bytes) -> None:
        self.sha256 = hashlib.sha256(pdf).hexdigest()
        # The file name carries no PHI: kind, version and hash prefix only.
        self.pdf.save(
            f"{self.kind}-v{self.version}-{self.sha256[:12]}.pdf", ContentFile(pdf), save=False
        )

    def read_pdf(self) -> bytes:
        with self.pdf.open("rb") as fh:
            return fh.read()


class DocumentSignature(models.Model):
    """An electronic signature (name, credentials, time, optional image) — never a stamp.

    One per document (OneToOne). Signing renders a signed copy; the unsigned original stays.
    """

    document = models.OneToOneField(
        GeneratedDocument, on_delete=models.PROTECT, related_name="signature"
    )
    signer = models.ForeignKey("intake.Provider", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=40)
    npi = models.CharField(max_length=10)
    signed_at = models.DateTimeField()
    signed_pdf = models.FileField(upload_to="signed/")
    signed_sha256 = models.CharField(max_length=64)
    attestation = models.CharField(max_length=300)
    # How the signer proved it was them at the moment of signing (attribution, UETA 9).
    confirmed_with = models.CharField(
        max_length=20,
        blank=True,
        choices=[("password", "Password"), ("authenticator", "Authenticator code")],
        help_text="Empty for signatures made before signing asked for it.",
    )

    def __str__(self) -> str:
        # Local time with its zone, exactly as printed on the signed PDF.
        when = timezone.localtime(self.signed_at).strftime("%B %d, %Y, %I:%M %p %Z")
        return f"Electronically signed by {self.name}, {self.credentials} on {when}"


class DocumentDelivery(models.Model):
    class Method(models.TextChoices):
        FAX = "fax", "Fax"
        MAIL = "mail", "Mail"
        PORTAL = "portal", "Payer portal"
        HAND = "hand", "Handed to patient"
        EMAIL = "email", "Secure email"

    document = models.ForeignKey(
        GeneratedDocument, on_delete=models.PROTECT, related_name="deliveries"
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    sent_on = models.DateField()
    recipient = models.CharField(max_length=200)
    tracking = models.CharField("confirmation / tracking number", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name_plural = "document deliveries"

    def __str__(self) -> str:
        return f"{self.get_method_display()} to {self.recipient} on {self.sent_on}"
