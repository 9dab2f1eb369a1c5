"""Who the patient is and how Medicare covers them."""

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from .. import validators
from ..choices import (
    IntakeStep,
    MedicaidDual,
    Program,
    Sex,
)
from ..crypto import EncryptedTextField, blind_index
from .clinic import Address, Clinic

if TYPE_CHECKING:
    from .clinical import TreatmentRequest


class PatientQuerySet(models.QuerySet):
    def for_user(self, user) -> "PatientQuerySet":
        """The patients the user may see: superusers every clinic's, everyone else only those
        of the clinics they are staff of. The one clinic-scoping rule for patients."""
        return self if user.is_superuser else self.filter(clinic__staff=user)


class Patient(Address):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField("legal first name", max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField("legal last name", max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    phone = models.CharField(max_length=20)
    intake_step = models.CharField(
        max_length=20,
        choices=IntakeStep.choices,
        default=IntakeStep.COVERAGE,
        help_text="The next step of the guided intake; 'review' once every step is saved.",
    )
    intake_completed_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bumped by every intake save; a form loaded at an older version is stale.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            # The patient list: one clinic's patients in name order, a page at a time
            # (intake/views.py); and the search by date of birth (intake/search.py). The
            # name search's trigram indexes are PostgreSQL-only: migration 0007.
            models.Index(
                fields=["clinic", "last_name", "first_name", "id"], name="patient_clinic_name_idx"
            ),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_dob_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def get_absolute_url(self) -> str:
        return reverse("intake:patient-detail", args=[self.pk])

    def clean(self) -> None:
        if self.date_of_birth and self.date_of_birth > date.today():
            raise ValidationError({"date_of_birth": "Date of birth can't be in the future."})
        if self.date_of_birth and self.date_of_birth.year < 1900:
            raise ValidationError({"date_of_birth": "Check the year of birth."})

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def intake_in_progress(self) -> bool:
        return self.intake_completed_at is None

    def current_request(self) -> "TreatmentRequest | None":
        return self.treatment_requests.order_by("-created_at", "-id").first()


class Coverage(models.Model):
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="coverage")
    program = models.CharField(max_length=20, choices=Program.choices)
    mbi = EncryptedTextField(
        "Medicare number (MBI)",
        blank=True,
        validators=[validators.validate_mbi],
        help_text="Stored encrypted; see intake/crypto.py.",
    )
    mbi_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    part_a_effective = models.DateField("Part A effective date", null=True, blank=True)
    part_b_effective = models.DateField("Part B effective date", null=True, blank=True)
    coverage_end = models.DateField(
        "coverage end date", null=True, blank=True, help_text="Leave blank if coverage continues."
    )
    ma_plan_name = models.CharField("Medicare Advantage plan", max_length=200, blank=True)
    ma_member_id = models.CharField("plan member ID", max_length=40, blank=True)
    # Not ticked unless someone ticks it: it means something for Medicare Advantage only,
    # and there only when the plan's list says so.
    ma_requires_prior_auth = models.BooleanField(
        "plan requires prior authorisation for this service", default=False
    )
    part_d_plan_name = models.CharField("Part D plan", max_length=200, blank=True)
    part_d_member_id = models.CharField("Part D member ID", max_length=40, blank=True)
    medigap_plan = models.CharField(
        "Medigap plan", max_length=40, blank=True, help_text="Original Medicare only; e.g. Plan G"
    )
    medicaid_dual = models.CharField(
        "Medicaid dual eligibility",
        max_length=10,
        choices=MedicaidDual.choices,
        default=MedicaidDual.NONE,
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.get_program_display()

    def save(self, *args, **kwargs):
        self.mbi = validators.normalize_mbi(self.mbi)
        self.mbi_index = blind_index(self.mbi)
        if kwargs.get("update_fields") and "mbi" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "mbi_index"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.program != Program.NONE and not self.mbi:
            errors["mbi"] = "Enter the Medicare number (MBI) from the patient's Medicare card."
        if self.program != Program.NONE and not self.part_b_effective:
            errors["part_b_effective"] = "Enter the Part B effective date from the Medicare card."
        if self.program == Program.ADVANTAGE:
            if not self.ma_plan_name:
                errors["ma_plan_name"] = "Enter the Medicare Advantage plan's name."
            if not self.ma_member_id:
                errors["ma_member_id"] = "Enter the plan member ID."
        start = self.part_b_effective or self.part_a_effective
        if self.coverage_end and start and self.coverage_end < start:
            errors["coverage_end"] = "Coverage can't end before it starts."
        if errors:
            raise ValidationError(errors)

    @property
    def has_part_d(self) -> bool:
        return bool(self.part_d_plan_name)

    @property
    def masked_mbi(self) -> str:
        return f"•••••••{self.mbi[-4:]}" if self.mbi else ""

    def active_on(self, day: date) -> bool:
        if self.program == Program.NONE:
            return False
        start = self.part_b_effective or self.part_a_effective
        if start is None or start > day:
            return False
        return self.coverage_end is None or self.coverage_end >= day
