"""Arguments per denial reason: the clinic's answer to each CARC (and RARC), as versioned data.

Seeded from appeals/data/denial_arguments.json (appeals 0012); edited in the admin, every save
a new version, per clinic like letter templates and coverage rules (intake/versioning.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from appeals import remittance_codes
from appeals.argument_facts import FACT_NAMES, schema_for
from intake.versioning import VersionSeries, current_ids, series_constraints


def split_codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class DenialArgumentQuerySet(models.QuerySet):
    def current(self, clinic=None) -> "DenialArgumentQuerySet":
        """The arguments `clinic`'s appeals use: per key, the newest of the clinic's own
        series if it has one, else the shared default's."""
        return self.filter(pk__in=current_ids(self.model, clinic))


class DenialArgument(VersionSeries, models.Model):
    """One version of the argument against one denial reason.

    The paragraph goes into the appeal letter (after the staff review the draft); the
    evidence checklist and the citations are for staff and stay on the appeal page.
    """

    series_field = "key"

    clinic = models.ForeignKey(
        "intake.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the shared default, used by every clinic without its own version.",
    )
    key = models.SlugField(max_length=80, help_text="Stable id, e.g. co-50-medical-necessity.")
    version = models.PositiveIntegerField(default=1, editable=False)
    title = models.CharField(max_length=200)
    group_code = models.CharField(max_length=2, default="CO", help_text="CO, PR, OA or PI.")
    carc_codes = models.CharField(
        "CARC codes", max_length=100, help_text="The reasons it answers, e.g. 197, 15."
    )
    rarc_codes = models.CharField(
        "RARC codes",
        max_length=100,
        blank=True,
        help_text="Empty: any remark code. Otherwise only denials carrying one of these, "
        "e.g. N115; such an argument is chosen before one without remark codes.",
    )
    facts = models.CharField(
        "facts drawn from the record",
        max_length=300,
        blank=True,
        help_text="Separated by commas, from: " + ", ".join(FACT_NAMES) + ". The paragraph "
        "may use only these (and patient, service, denial), as known on the date of service.",
    )
    paragraph = models.TextField(
        help_text="The letter's text, in the template language (docs/templates.md), e.g. "
        '{{ service.date|date:"m/d/Y" }}. A blank line starts a new paragraph.'
    )
    evidence_checklist = models.TextField(
        blank=True, help_text="One item a line: what staff enclose. Shown to staff, never printed."
    )
    citations = models.TextField(
        blank=True, help_text="One source a line (code list, regulation, manual section)."
    )
    verify = models.BooleanField(
        default=False, help_text="Something here is unconfirmed: staff see the note."
    )
    verify_note = models.TextField(blank=True)
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DenialArgumentQuerySet.as_manager()

    class Meta:
        ordering = ["key", "-version"]
        constraints = series_constraints("key", "argument")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}, {self.clinic_label})"

    @property
    def carc_list(self) -> list[str]:
        return [
            remittance_codes.carc(c).code if remittance_codes.carc(c) else c
            for c in split_codes(self.carc_codes)
        ]

    @property
    def rarc_list(self) -> list[str]:
        return split_codes(self.rarc_codes)

    @property
    def fact_list(self) -> list[str]:
        return [f.strip().lower() for f in self.facts.split(",") if f.strip()]

    @property
    def checklist(self) -> list[str]:
        return split_lines(self.evidence_checklist)

    @property
    def citation_list(self) -> list[str]:
        return split_lines(self.citations)

    def clean(self) -> None:
        from documents.rendering import TemplateRefused
        from documents.template_engine import compile_fragment

        errors: dict[str, list[str]] = {}

        def check(field, validate, codes):
            for code in codes:
                try:
                    validate(code)
                except ValidationError as exc:
                    errors.setdefault(field, []).extend(exc.messages)

        check("group_code", remittance_codes.validate_group_code, [self.group_code])
        if not split_codes(self.carc_codes):
            errors.setdefault("carc_codes", []).append("Name at least one CARC, e.g. 50.")
        check("carc_codes", remittance_codes.validate_carc, split_codes(self.carc_codes))
        check("rarc_codes", remittance_codes.validate_rarc, self.rarc_list)
        unknown = [f for f in self.fact_list if f not in FACT_NAMES]
        if unknown:
            errors["facts"] = [
                f"Unknown fact {', '.join(unknown)}: choose from {', '.join(FACT_NAMES)}."
            ]
        else:
            try:
                compile_fragment(self.paragraph, schema_for(self.fact_list))
            except TemplateRefused as exc:
                errors["paragraph"] = [
                    f"{exc} (add the fact to “facts drawn from the record” if it is one)"
                    if "unknown variable" in str(exc)
                    else str(exc)
                ]
        if errors:
            raise ValidationError(errors)
