"""The clinical record: diagnoses, scores, prior treatments, screening, the request."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from .. import validators
from ..choices import (
    INSTRUMENT_RANGES,
    YES_NO_UNKNOWN,
    Adherence,
    DrugClass,
    Indication,
    Instrument,
    Outcome,
    Product,
    TrialKind,
)
from ..dose import daily_dose_mg
from .clinic import Provider
from .patient import Patient


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
    dose = models.CharField(max_length=40, blank=True, help_text="As prescribed, e.g. 150 mg daily")
    # Typed once, as `dose`; the daily amount is read from it on save (intake.dose).
    dose_mg = models.DecimalField(
        "daily dose (mg)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(0)],
        help_text="Read from the dose when it names a daily amount in mg.",
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

    def save(self, *args, **kwargs):
        self.dose_mg = daily_dose_mg(self.dose)
        if kwargs.get("update_fields") and "dose" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "dose_mg"}
        super().save(*args, **kwargs)

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
    # The clinician's narrative (issue 14): what a medical reviewer reads first. The letter
    # of medical necessity and the prior-authorisation request are built around it; the
    # coverage criteria are its evidence. The clinician writes it (intake request step).
    episode_onset = models.DateField(
        "current episode began",
        null=True,
        blank=True,
        help_text="Month and year are enough; the letter states the episode's duration.",
    )
    episode_summary = models.TextField(
        "current episode",
        blank=True,
        help_text="Onset, course and severity of the current episode, in your words.",
    )
    functional_impairment = models.TextField(
        blank=True, help_text="Work, self-care, relationships: what the illness stops."
    )
    suicide_risk = models.TextField(
        "suicide risk assessment",
        blank=True,
        help_text="Current ideation, intent, plan, history; the instrument used (e.g. C-SSRS).",
    )
    safety_plan = models.TextField(blank=True, help_text="The safety plan in place, or why none.")
    why_now = models.TextField(
        "why this treatment now",
        blank=True,
        help_text="Why this treatment is needed at this point of the illness.",
    )
    alternatives_considered = models.TextField(
        "why not the alternatives",
        blank=True,
        help_text="ECT, TMS, more antidepressant or augmentation trials: why not, or not yet.",
    )
    treatment_plan = models.TextField(
        blank=True, help_text="Course, visits, concurrent treatment, when it stops."
    )
    response_measures = models.TextField(
        "how response will be measured",
        blank=True,
        help_text="Instruments and time points (e.g. MADRS at baseline, week 4, week 8).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A letter of medical necessity or a prior-authorisation request cannot be signed while
    # any of these is empty (documents.services.sign_document).
    REQUIRED_NARRATIVE = (
        "episode_summary",
        "functional_impairment",
        "suicide_risk",
        "safety_plan",
        "why_now",
        "alternatives_considered",
        "treatment_plan",
        "response_measures",
    )
    NARRATIVE_FIELDS = ("episode_onset", *REQUIRED_NARRATIVE)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_product_display()} for {self.get_indication_display()}"

    @property
    def code_list(self) -> list[str]:
        return [c.strip().upper() for c in self.codes.split(",") if c.strip()]

    def missing_narrative(self) -> list[str]:
        """The required narrative fields still empty, by the name the form shows."""
        return [
            str(self._meta.get_field(name).verbose_name).capitalize()
            for name in self.REQUIRED_NARRATIVE
            if not getattr(self, name).strip()
        ]

    def clean(self) -> None:
        errors = {}
        for code in self.code_list:
            try:
                validators.validate_procedure_code(code)
            except ValidationError as exc:
                errors.setdefault("codes", []).extend(exc.messages)
        if self.codes and not self.code_list:
            errors["codes"] = "Enter at least one HCPCS or CPT code."
        if self.episode_onset and self.episode_onset > date.today():
            errors["episode_onset"] = "The episode can't begin in the future."
        elif (
            self.episode_onset
            and self.patient_id
            and self.episode_onset < self.patient.date_of_birth
        ):
            errors["episode_onset"] = "The episode can't begin before the date of birth."
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
