"""Claims, denials and the appeals that answer them."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from appeals import deadlines
from appeals.labels import LEVEL_LABELS, TRACK_LABELS, level_label
from intake.validators import validate_icd10_billable, validate_procedure_code

TRACK_CHOICES = [(track.value, TRACK_LABELS[track]) for track in deadlines.Track]
MONEY = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Claim(models.Model):
    patient = models.ForeignKey("intake.Patient", on_delete=models.PROTECT, related_name="claims")
    provider = models.ForeignKey("intake.Provider", on_delete=models.PROTECT, related_name="+")
    claim_number = models.CharField(
        "claim number (ICN/DCN)",
        max_length=30,
        blank=True,
        help_text="From the remittance advice or MSN.",
    )
    service_from = models.DateField("first date of service")
    service_to = models.DateField("last date of service")
    diagnosis_codes = models.CharField(
        "ICD-10-CM codes (in pointer order)",
        # Room for the twelve diagnoses a CMS-1500 carries (A-L), with dots and separators.
        max_length=200,
        help_text="Separated by commas; line pointers 1, 2 ... refer to this order.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-service_from", "-id"]

    def __str__(self) -> str:
        return f"Claim {self.claim_number or self.pk} ({self.service_from:%m/%d/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("appeals:claim-detail", args=[self.pk])

    @property
    def diagnosis_list(self) -> list[str]:
        return [c.strip().upper() for c in self.diagnosis_codes.split(",") if c.strip()]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.service_from and self.service_to and self.service_to < self.service_from:
            errors.setdefault("service_to", []).append(
                "The last date of service is before the first."
            )
        if self.service_to and self.service_to > date.today():
            errors.setdefault("service_to", []).append("Dates of service can't be in the future.")
        if self.patient_id and self.service_from and self.service_from < self.patient.date_of_birth:
            errors.setdefault("service_from", []).append(
                "The date of service is before the patient's birth."
            )
        for code in self.diagnosis_list:
            try:
                validate_icd10_billable(code)
            except ValidationError as exc:
                errors.setdefault("diagnosis_codes", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    @property
    def billed_total(self) -> Decimal:
        return sum((line.billed_amount for line in self.lines.all()), Decimal("0"))


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    service_date = models.DateField()
    code = models.CharField("HCPCS/CPT", max_length=5, validators=[validate_procedure_code])
    modifiers = models.CharField(max_length=20, blank=True, help_text="e.g. GA, KX")
    diagnosis_pointers = models.CharField(max_length=40, default="1", help_text="e.g. 1 or 1,2")
    units = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    billed_amount = models.DecimalField(**MONEY)
    allowed_amount = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["service_date", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.modifiers} ${self.billed_amount}"

    def clean(self) -> None:
        errors = {}
        if self.claim_id:
            claim = self.claim
            if (
                self.service_date
                and not claim.service_from <= self.service_date <= claim.service_to
            ):
                errors["service_date"] = "The line's date is outside the claim's dates of service."
            pointers = [p.strip() for p in self.diagnosis_pointers.split(",") if p.strip()]
            if not pointers or any(
                not p.isdigit() or not 1 <= int(p) <= len(claim.diagnosis_list) for p in pointers
            ):
                errors["diagnosis_pointers"] = (
                    f"Pointers must be numbers from 1 to {len(claim.diagnosis_list)} "
                    "(the claim's diagnoses, in order)."
                )
        mods = [m.strip().upper() for m in self.modifiers.replace(" ", ",").split(",") if m.strip()]
        if any(len(m) != 2 or not m.isalnum() for m in mods):
            errors["modifiers"] = "Modifiers are two characters each, e.g. GA or KX."
        if {"GA", "GZ"} <= set(mods):
            errors["modifiers"] = "GA and GZ can't be on the same line (ABN on file vs. no ABN)."
        if errors:
            raise ValidationError(errors)


class Denial(models.Model):
    class NoticeType(models.TextChoices):
        MSN = "msn", "Medicare Summary Notice (MSN)"
        RA = "ra", "Remittance advice (ERA/835)"
        MA_OD = "ma_od", "Medicare Advantage organization determination (IDN)"
        PART_D_CD = "part_d_cd", "Part D coverage determination"

    # Which appeal track a notice starts (42 CFR 405 Subpart I, 422 Subpart M, 423 Subpart M).
    TRACK_FOR_NOTICE = {
        NoticeType.MSN: deadlines.Track.ORIGINAL,
        NoticeType.RA: deadlines.Track.ORIGINAL,
        NoticeType.MA_OD: deadlines.Track.ADVANTAGE,
        NoticeType.PART_D_CD: deadlines.Track.PART_D,
    }

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="denials")
    notice_type = models.CharField(max_length=20, choices=NoticeType.choices)
    notice_date = models.DateField()
    decided_by = models.CharField(
        "contractor or plan that decided", max_length=200, help_text="e.g. Noridian JE Part B"
    )
    group_code = models.CharField(max_length=2, help_text="CO, PR, OA or PI")
    carc_codes = models.CharField("CARC codes", max_length=100, help_text="e.g. 50 or 50, 167")
    rarc_codes = models.CharField("RARC codes", max_length=100, blank=True, help_text="e.g. N115")
    denied_amount = models.DecimalField(**MONEY)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The entry form's one-time key: twenty submissions of the same form (a double click, a
    # retried POST) store one denial; the unique index decides between simultaneous ones.
    request_key = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Idempotency key: a repeated submission returns the existing denial.",
    )

    class Meta:
        ordering = ["-notice_date", "-id"]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.carc_codes} on {self.notice_date:%m/%d/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:denial-detail", args=[self.pk])

    @property
    def track(self) -> deadlines.Track:
        return self.TRACK_FOR_NOTICE[self.NoticeType(self.notice_type)]

    @property
    def carc_list(self) -> list[str]:
        return [c.strip().upper() for c in self.carc_codes.split(",") if c.strip()]

    @property
    def rarc_list(self) -> list[str]:
        return [c.strip().upper() for c in self.rarc_codes.split(",") if c.strip()]

    @property
    def patient(self):
        return self.claim.patient


class Appeal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready to file"
        FILED = "filed", "Filed"
        DECIDED = "decided", "Decided"

    class Decision(models.TextChoices):
        FAVORABLE = "favorable", "Fully favourable"
        PARTIAL = "partial", "Partly favourable"
        UNFAVORABLE = "unfavorable", "Unfavourable"
        DISMISSED = "dismissed", "Dismissed"

    class FiledMethod(models.TextChoices):
        MAIL = "mail", "Mail"
        FAX = "fax", "Fax"
        PORTAL = "portal", "Contractor/plan portal"
        ECAPE = "ecape", "OMHA e-Appeal / DAB E-File"

    denial = models.ForeignKey(Denial, on_delete=models.PROTECT, related_name="appeals")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_appeal"
    )
    track = models.CharField("program", max_length=20, choices=TRACK_CHOICES)
    level = models.CharField(
        max_length=30, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in deadlines.Level]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notice_date = models.DateField(help_text="Date of the decision being appealed.")
    filing_deadline = models.DateField()
    amount_in_controversy = models.DecimalField(**MONEY)
    filed_date = models.DateField(null=True, blank=True)
    filed_method = models.CharField(max_length=10, choices=FiledMethod.choices, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    decided_by = models.CharField(
        "contractor or adjudicator that decided",
        max_length=200,
        blank=True,
        help_text="e.g. the QIC's name; goes on the next level's request.",
    )
    decision = models.CharField(max_length=15, choices=Decision.choices, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    decision_summary = models.TextField("what the decision said", blank=True)
    good_cause_statement = models.TextField(
        blank=True,
        help_text="Required to file after the deadline (e.g. 42 CFR 405.942(b)): what "
        "prevented timely filing.",
    )
    reasons = models.TextField(
        "why the decision is wrong",
        blank=True,
        help_text="Drafted from the denial codes and the coverage assessment; edit before filing.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The appeal's letters and packets. The link lives on this side (AppealDocument) so the
    # documents app never depends on appeals; `GeneratedDocument.objects.filter(appeal=...)`
    # still reads naturally through related_query_name.
    documents = models.ManyToManyField(
        "documents.GeneratedDocument",
        through="AppealDocument",
        related_name="appeal_set",
        related_query_name="appeal",
        blank=True,
    )

    class Meta:
        ordering = ["filing_deadline", "id"]
        # The work queue's filters and sorts (appeals/filters.py), each backed by an index.
        indexes = [
            models.Index(fields=["filing_deadline", "id"], name="appeal_deadline_idx"),
            models.Index(fields=["status", "filing_deadline"], name="appeal_status_deadline_idx"),
            models.Index(fields=["level", "filing_deadline"], name="appeal_level_deadline_idx"),
            models.Index(fields=["track", "filing_deadline"], name="appeal_track_deadline_idx"),
            models.Index(fields=["amount_in_controversy"], name="appeal_amount_idx"),
        ]
        constraints = [
            # One appeal per denial per level: a second "prepare" returns the first.
            models.UniqueConstraint(fields=["denial", "level"], name="unique_appeal_level"),
        ]

    def __str__(self) -> str:
        return f"{self.level_label} (due {self.filing_deadline:%m/%d/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("appeals:appeal-detail", args=[self.pk])

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def patient(self):
        return self.denial.claim.patient

    @property
    def is_editable(self) -> bool:
        """Letter, packet and enclosures can change only until the appeal is filed."""
        return self.status in (self.Status.DRAFT, self.Status.READY)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.DECIDED

    def deadline(self, today: date | None = None) -> deadlines.DeadlineResult:
        return deadlines.compute_deadline(
            deadlines.Track(self.track),
            deadlines.Level(self.level),
            self.notice_date,
            filed_date=self.filed_date,
            amount=self.amount_in_controversy,
            today=today,
        )


def _enclosure_path(instance: "Enclosure", filename: str) -> str:
    return f"enclosures/{instance.appeal_id}/{instance.sha256[:16]}.pdf"


class Enclosure(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="enclosures")
    title = models.CharField(max_length=200, help_text="e.g. Remittance advice dated 03/02/2026")
    file = models.FileField(upload_to=_enclosure_path)
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Numbered under a row lock on the appeal (appeal_actions.add_enclosure); the
            # constraint makes a duplicate an error instead of a silently shuffled packet.
            models.UniqueConstraint(fields=["appeal", "position"], name="unique_enclosure_position")
        ]

    def __str__(self) -> str:
        return self.title


class AppealDocument(models.Model):
    """A generated document (letter or packet) that belongs to an appeal; at most one each."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="+")
    document = models.OneToOneField(
        "documents.GeneratedDocument", on_delete=models.PROTECT, related_name="appeal_link"
    )

    def __str__(self) -> str:
        return f"{self.document} of {self.appeal}"
