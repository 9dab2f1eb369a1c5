"""Intake: who the clinic is, who the patient is, and what is being asked for."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from . import validators
from .choices import (
    INSTRUMENT_RANGES,
    YES_NO_UNKNOWN,
    Adherence,
    DrugClass,
    Indication,
    Instrument,
    IntakeStep,
    MedicaidDual,
    Outcome,
    Product,
    Program,
    Sex,
    TrialKind,
)
from .crypto import EncryptedTextField, blind_index


class Address(models.Model):
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, help_text="Two-letter state code, e.g. NY.")
    zip_code = models.CharField("ZIP code", max_length=10)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [
            self.address_line1,
            self.address_line2,
            f"{self.city}, {self.state} {self.zip_code}",
        ]
        return [line for line in lines if line]


class Clinic(Address):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20)
    fax = models.CharField(max_length=20, blank=True)
    npi = models.CharField(
        "organisational NPI", max_length=10, unique=True, validators=[validators.validate_npi]
    )
    rems_certified = models.BooleanField(
        "Spravato REMS-certified healthcare setting",
        default=False,
        help_text="Esketamine may only be administered in a REMS-certified setting.",
    )
    rems_setting_id = models.CharField("REMS setting ID", max_length=40, blank=True)
    logo = models.ImageField(upload_to="clinic-logos/", blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="clinics",
        blank=True,
        help_text="Users who may see this clinic's patients.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="providers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    credentials = models.CharField(max_length=40, help_text="e.g. MD, DO, PMHNP-BC")
    npi = models.CharField(
        "individual NPI", max_length=10, unique=True, validators=[validators.validate_npi]
    )
    specialty = models.CharField(max_length=100)
    signature_image = models.ImageField(upload_to="signatures/", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.credentials}"

    @property
    def display_name(self) -> str:
        return str(self)


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
        indexes = [models.Index(fields=["last_name", "first_name"])]

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
    ma_requires_prior_auth = models.BooleanField(
        "plan requires prior authorisation for this service", default=True
    )
    part_d_plan_name = models.CharField("Part D plan", max_length=200, blank=True)
    part_d_member_id = models.CharField("Part D member ID", max_length=40, blank=True)
    medigap_plan = models.CharField(
        "Medigap plan", max_length=40, blank=True, help_text="e.g. Plan G"
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
    def masked_mbi(self) -> str:
        return f"•••••••{self.mbi[-4:]}" if self.mbi else ""

    def active_on(self, day: date) -> bool:
        if self.program == Program.NONE:
            return False
        start = self.part_b_effective or self.part_a_effective
        if start is None or start > day:
            return False
        return self.coverage_end is None or self.coverage_end >= day


class Diagnosis(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(
        "ICD-10-CM code", max_length=8, validators=[validators.validate_icd10_billable]
    )
    description = models.CharField(max_length=255, blank=True, editable=False)
    is_primary = models.BooleanField("primary diagnosis", default=False)
    onset_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "code"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["patient", "code"], name="unique_patient_diagnosis")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def save(self, *args, **kwargs):
        self.code = validators.normalize_icd10(self.code)
        self.description = validators.icd10_description(self.code)
        super().save(*args, **kwargs)


class SymptomScore(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(max_length=10, choices=Instrument.choices)
    score = models.PositiveSmallIntegerField()
    administered_on = models.DateField()

    class Meta:
        ordering = ["instrument", "-administered_on"]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.score} on {self.administered_on}"

    def clean(self) -> None:
        if self.instrument in INSTRUMENT_RANGES and self.score is not None:
            low, high = INSTRUMENT_RANGES[Instrument(self.instrument)]
            if not low <= self.score <= high:
                raise ValidationError(
                    {"score": f"{self.get_instrument_display()} scores run from {low} to {high}."}
                )
        if self.administered_on and self.administered_on > date.today():
            raise ValidationError({"administered_on": "The date can't be in the future."})


class TreatmentTrial(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="trials")
    kind = models.CharField(
        max_length=20, choices=TrialKind.choices, default=TrialKind.ANTIDEPRESSANT
    )
    drug_name = models.CharField(
        "drug or therapy", max_length=100, help_text="e.g. sertraline, CBT, ECT"
    )
    drug_class = models.CharField(max_length=20, choices=DrugClass.choices, blank=True)
    dose = models.CharField(max_length=40, blank=True, help_text="e.g. 150 mg daily")
    dose_mg = models.DecimalField(
        "daily dose (mg)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="If exact dates aren't known."
    )
    sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For psychotherapy, ECT or TMS."
    )
    adherence = models.CharField(
        max_length=10, choices=Adherence.choices, default=Adherence.UNKNOWN
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.UNKNOWN)
    adequate_dose = models.BooleanField(
        "therapeutic dose (prescriber's judgement)",
        null=True,
        blank=True,
        choices=YES_NO_UNKNOWN,
    )
    current_episode = models.BooleanField("in the current episode", default=True)
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["start_date", "id"]

    def __str__(self) -> str:
        return self.summary

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})
        today = date.today()
        for field in ("start_date", "end_date"):
            value = getattr(self, field)
            if value and value > today:
                raise ValidationError({field: "This date can't be in the future."})
        if self.duration_weeks is not None and self.duration_weeks > 520:
            raise ValidationError({"duration_weeks": "Check the number of weeks (over 10 years)."})

    @property
    def weeks(self) -> float | None:
        """Length of the trial: from its dates when both are known, else as entered."""
        if self.start_date and self.end_date:
            return round((self.end_date - self.start_date).days / 7, 1)
        return float(self.duration_weeks) if self.duration_weeks is not None else None

    @property
    def summary(self) -> str:
        parts = [self.drug_name]
        if self.dose:
            parts.append(self.dose)
        if self.weeks is not None:
            parts.append(f"{self.weeks:g} wk")
        return " ".join(parts)


class Screening(models.Model):
    """Findings that bear on ketamine/esketamine safety (Spravato label §4, §5)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="screening")
    screened_on = models.DateField(null=True, blank=True)
    psychosis_history = models.BooleanField(
        "history of psychosis", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    uncontrolled_hypertension = models.BooleanField(
        "uncontrolled hypertension", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    bp_systolic = models.PositiveSmallIntegerField(
        "blood pressure, systolic", null=True, blank=True
    )
    bp_diastolic = models.PositiveSmallIntegerField(
        "blood pressure, diastolic", null=True, blank=True
    )
    bp_taken_on = models.DateField("blood pressure taken on", null=True, blank=True)
    pregnant = models.BooleanField(
        "pregnant or breast-feeding", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    active_substance_use_disorder = models.BooleanField(
        "active substance use disorder", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    cardiovascular_disease = models.BooleanField(
        "cardiovascular disease", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    aneurysmal_vascular_disease = models.BooleanField(
        "aneurysmal vascular disease or arteriovenous malformation",
        null=True,
        blank=True,
        choices=YES_NO_UNKNOWN,
    )
    intracerebral_hemorrhage = models.BooleanField(
        "history of intracerebral haemorrhage", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    ketamine_hypersensitivity = models.BooleanField(
        "hypersensitivity to ketamine or esketamine", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Screening for {self.patient}"

    def clean(self) -> None:
        errors = {}
        if (self.bp_systolic is None) != (self.bp_diastolic is None):
            errors["bp_diastolic"] = "Enter both numbers of the blood pressure reading."
        if self.bp_systolic is not None and not 60 <= self.bp_systolic <= 300:
            errors["bp_systolic"] = "Systolic pressure should be between 60 and 300."
        if self.bp_diastolic is not None and not 30 <= self.bp_diastolic <= 200:
            errors["bp_diastolic"] = "Diastolic pressure should be between 30 and 200."
        if (
            self.bp_systolic is not None
            and self.bp_diastolic is not None
            and self.bp_diastolic >= self.bp_systolic
        ):
            errors["bp_diastolic"] = "Diastolic pressure must be lower than systolic."
        if self.bp_systolic is not None and not self.bp_taken_on:
            errors["bp_taken_on"] = "Enter the date of the blood pressure reading."
        if self.bp_taken_on and self.bp_taken_on > date.today():
            errors["bp_taken_on"] = "The date can't be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def blood_pressure(self) -> str:
        if self.bp_systolic is None:
            return ""
        return f"{self.bp_systolic}/{self.bp_diastolic} mmHg"


class TreatmentRequest(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="treatment_requests"
    )
    product = models.CharField(max_length=20, choices=Product.choices)
    indication = models.CharField(max_length=20, choices=Indication.choices)
    with_oral_antidepressant = models.BooleanField(
        "given with an oral antidepressant",
        null=True,
        blank=True,
        choices=YES_NO_UNKNOWN,
        help_text="Esketamine is labelled with an oral antidepressant (alone for TRD since 2025).",
    )
    patient_rems_enrolled = models.BooleanField(
        "patient enrolled in the Spravato REMS", null=True, blank=True, choices=YES_NO_UNKNOWN
    )
    dose_mg = models.PositiveSmallIntegerField(
        "dose per session (mg)",
        null=True,
        blank=True,
        help_text="Esketamine: 56 or 84 mg. IV ketamine: typically 0.5 mg/kg.",
    )
    planned_sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    codes = models.CharField(
        "HCPCS/CPT codes",
        max_length=100,
        help_text="Separated by commas, e.g. G2083 or J3490, 96365, 96366.",
    )
    ordering_provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    requested_start = models.DateField("requested start date")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_product_display()} for {self.get_indication_display()}"

    @property
    def code_list(self) -> list[str]:
        return [c.strip().upper() for c in self.codes.split(",") if c.strip()]

    def clean(self) -> None:
        errors = {}
        for code in self.code_list:
            try:
                validators.validate_procedure_code(code)
            except ValidationError as exc:
                errors.setdefault("codes", []).extend(exc.messages)
        if self.codes and not self.code_list:
            errors["codes"] = "Enter at least one HCPCS or CPT code."
        if self.planned_sessions is not None and self.planned_sessions > 100:
            errors["planned_sessions"] = "Check the number of sessions (over 100)."
        if (
            self.patient_id
            and self.ordering_provider_id
            and self.ordering_provider.clinic_id != self.patient.clinic_id
        ):
            errors["ordering_provider"] = "Choose a provider from the patient's clinic."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.codes = ", ".join(self.code_list)
        super().save(*args, **kwargs)


class MfaEnrolment(models.Model):
    """A one-time code a clinic admin hands over in person (or by phone) to let one user
    enrol an authenticator.

    Without it, whoever first signs in with a new user's password would enrol their own
    phone (trust on first use). Only its hash is stored; it expires, allows a few wrong
    tries, and is used up the moment it is accepted. See intake/mfa.py.
    """

    VALID_FOR = timedelta(hours=72)
    MAX_WRONG_TRIES = 5

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_enrolment"
    )
    code_hash = models.CharField(max_length=200)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Enrolment code for {self.user} (until {self.expires_at:%Y-%m-%d %H:%M} UTC)"
