"""The patient list's filters, sort and coverage-status column.

intake sits below coverage and never imports it; the latest assessment's determination is
read through the reverse relation that coverage declares (Assessment.patient,
related_name="assessments"), the way Django lets a lower app see a higher one's rows.
"""

import django_filters
from django import forms
from django.db.models import F, OuterRef, QuerySet, Subquery

from .choices import Program
from .models import Patient

# The name order is the list's index (Patient.Meta.indexes: clinic, last, first, id); the
# birth-date one is served by patient_clinic_dob_idx. Status and step are small columns
# sorted within one clinic's rows.
SORTS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "dob": ("date_of_birth", "last_name", "first_name", "id"),
    "-dob": ("-date_of_birth", "last_name", "first_name", "id"),
    # Not yet assessed comes last either way: it is no status, not the lowest one.
    "status": (F("coverage_status").asc(nulls_last=True), "last_name", "first_name", "id"),
    "-status": (F("coverage_status").desc(nulls_last=True), "last_name", "first_name", "id"),
}
SORT_LABELS = {"name": "Name", "dob": "Date of birth", "status": "Coverage status"}


def _assessment_model():
    return Patient._meta.get_field("assessments").related_model


def determination_choices() -> list[tuple[str, str]]:
    """The assessment's determinations with their labels, as coverage defines them."""
    return list(_assessment_model()._meta.get_field("determination").choices)


def with_coverage_status(patients: QuerySet) -> QuerySet:
    """Each patient annotated with the determination of their newest assessment (one
    correlated subquery in the same SELECT: no query per row)."""
    newest = (
        _assessment_model()
        .objects.filter(patient=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("determination")[:1]
    )
    return patients.annotate(coverage_status=Subquery(newest))


class PatientFilter(django_filters.FilterSet):
    program = django_filters.ChoiceFilter(
        field_name="coverage__program",
        label="Program",
        empty_label="Any",
        choices=[*Program.choices, ("missing", "Coverage not entered")],
        method="filter_program",
    )
    coverage_status = django_filters.ChoiceFilter(
        label="Coverage status",
        empty_label="Any",
        method="filter_status",
    )
    in_progress = django_filters.BooleanFilter(
        label="Intake in progress only",
        method="filter_in_progress",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = Patient
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["coverage_status"].extra["choices"] = [
            *determination_choices(),
            ("none", "Not assessed"),
        ]

    def filter_program(self, queryset, name, value):
        if value == "missing":
            return queryset.filter(coverage__isnull=True)
        return queryset.filter(coverage__program=value)

    def filter_status(self, queryset, name, value):
        if value == "none":
            return queryset.filter(coverage_status__isnull=True)
        return queryset.filter(coverage_status=value)

    def filter_in_progress(self, queryset, name, value):
        return queryset.filter(intake_completed_at__isnull=True) if value else queryset


def sorted_patients(queryset: QuerySet, sort: str) -> QuerySet:
    return queryset.order_by(*SORTS.get(sort, SORTS["name"]))


def sort_links(query, current: str) -> dict[str, dict]:
    """Per sortable column: the query that sorts by it (flipping if already) and its
    aria-sort state. `query` is the request's GET QueryDict."""
    links = {}
    for column in SORT_LABELS:
        params = query.copy()
        params.pop("page", None)
        params["sort"] = f"-{column}" if current == column else column
        state = {column: "ascending", f"-{column}": "descending"}.get(current, "none")
        links[column] = {"query": params.urlencode(), "aria_sort": state}
    return links


def status_labels() -> dict[str, str]:
    return dict(determination_choices())
