"""Coverage rules as versioned data, and the assessments computed from them."""

from dataclasses import fields
from datetime import date
from typing import Any, get_args

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from coverage.engine.facts import (
    CoveragePath,
    FdaStatus,
    Policy,
    PolicyError,
    PolicyProgram,
    policy_from_dict,
)
from intake.choices import Indication, Product
from intake.versioning import VersionSeries, current_ids, series_constraints

# Labels staff read (the engine's values are the keys): coverage.engine.Determination.
DETERMINATION_CHOICES = [
    ("covered", "Likely covered"),
    ("prior_auth_required", "Prior authorisation required"),
    ("medical_necessity_review", "Medical-necessity review expected"),
    ("likely_denied", "Medicare is expected to deny"),
    ("not_eligible", "Not eligible"),
    ("incomplete", "Incomplete: facts missing"),
]
PROGRAM_CHOICES = [(v, v.replace("_", " ").title()) for v in get_args(PolicyProgram)]
FDA_STATUS_CHOICES = [(v, v.replace("_", "-")) for v in get_args(FdaStatus)]
COVERAGE_PATH_CHOICES = [(v, v.replace("_", " ")) for v in get_args(CoveragePath)]
POLICY_FIELDS = [f.name for f in fields(Policy)]


class CoveragePolicyQuerySet(models.QuerySet):
    def current(self, clinic=None) -> "CoveragePolicyQuerySet":
        """The rules in force for `clinic`'s patients (None: the shared defaults): per key,
        the newest version of the clinic's own series if it has one, else the default's.
        Older versions stay for old assessments."""
        return self.filter(pk__in=current_ids(self.model, clinic))


class CoveragePolicy(VersionSeries, models.Model):
    """One version of a coverage rule for product × indication × program.

    Edited in the admin: saving creates version N+1 and leaves version N untouched, so
    an assessment (and every letter built on it) can always be explained by the exact
    rule it used. Seeded from coverage/data/coverage_policies.json by a data migration.
    """

    series_field = "key"

    # NULL: the shipped rule every clinic shares (superusers edit it); a clinic's own
    # series is applied to that clinic's patients only (issue 12).
    clinic = models.ForeignKey(
        "intake.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the shared default, used by every clinic without its own version.",
    )
    # Field names match coverage.engine.facts.Policy one for one (see to_policy()).
    key = models.SlugField(max_length=80, help_text="Stable id, e.g. esketamine-trd-original.")
    version = models.PositiveIntegerField(default=1, editable=False)
    title = models.CharField(max_length=200)
    product = models.CharField(max_length=20, choices=Product.choices)
    indication = models.CharField(max_length=20, choices=Indication.choices)
    program = models.CharField(max_length=20, choices=PROGRAM_CHOICES)
    fda_status = models.CharField(max_length=20, choices=FDA_STATUS_CHOICES)
    coverage_path = models.CharField(max_length=40, choices=COVERAGE_PATH_CHOICES)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True, default=18)
    min_failed_trials = models.PositiveSmallIntegerField(default=0)
    min_weeks_per_trial = models.FloatField(default=0, validators=[MinValueValidator(0)])
    min_distinct_classes = models.PositiveSmallIntegerField(default=0)
    count_intolerance_as_failure = models.BooleanField(default=False)
    require_psychotherapy = models.BooleanField(default=False)
    require_augmentation = models.BooleanField(default=False)
    requires_oral_antidepressant = models.BooleanField(default=False)
    max_initial_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    severity = models.JSONField(
        default=dict, blank=True, help_text='Minimum score per scale, e.g. {"phq9": 15}.'
    )
    diagnosis_prefixes = models.JSONField(default=list, blank=True)
    excluded_diagnosis_prefixes = models.JSONField(default=list, blank=True)
    supporting_diagnosis_prefixes = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(
        default=list, blank=True, help_text='Any of "psychosis", "substance_use_disorder".'
    )
    medically_accepted = models.BooleanField(null=True, blank=True, default=True)
    medically_accepted_basis = models.TextField(blank=True)
    codes = models.JSONField(default=list, blank=True)
    citations = models.JSONField(default=list)
    criteria_citations = models.JSONField(default=dict, blank=True)
    criteria_sources = models.JSONField(
        default=dict,
        blank=True,
        help_text='Kind of source per criterion: "regulation", "label", "contractor" or '
        '"payer_practice", e.g. {"failed_trials": "label"}. Only the first three can deny; '
        "a criterion not listed is payer practice (advice).",
    )
    verify = models.BooleanField(
        default=False, help_text="A fact behind this rule is unconfirmed: staff see a warning."
    )
    verify_note = models.TextField(blank=True)
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CoveragePolicyQuerySet.as_manager()

    class Meta:
        ordering = ["key", "-version"]
        verbose_name_plural = "coverage policies"
        constraints = series_constraints("key", "policy")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}, {self.clinic_label})"

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in POLICY_FIELDS}
        for name in ("effective_from", "effective_to"):
            if isinstance(data[name], date):
                data[name] = data[name].isoformat()
        return data

    def to_policy(self) -> Policy:
        return policy_from_dict(self.as_dict())

    def clean(self) -> None:
        try:
            self.to_policy()
        except PolicyError as exc:
            field = str(exc).split(":", 1)[0].split(".", 1)[-1].split(".")[0]
            raise ValidationError(
                {field if field in POLICY_FIELDS else NON_FIELD_ERRORS: str(exc).split(": ", 1)[-1]}
            ) from exc


class Assessment(models.Model):
    """A stored coverage assessment: the engine's output, its input facts, and the rule used."""

    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    treatment_request = models.ForeignKey(
        "intake.TreatmentRequest", on_delete=models.PROTECT, related_name="assessments"
    )
    policy = models.ForeignKey(
        CoveragePolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    determination = models.CharField(max_length=40, choices=DETERMINATION_CHOICES)
    assessed_for = models.DateField(help_text="The date the rules were applied for.")
    facts = models.JSONField()
    facts_hash = models.CharField(max_length=64)
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.determination} on {self.created_at:%Y-%m-%d}"
