"""The work queue's filters and sort: every one served by an index (Appeal.Meta.indexes)."""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Value, When

from appeals import deadlines
from appeals.labels import LEVEL_LABELS, TRACK_LABELS
from appeals.models import Appeal
from intake.models import Provider

# Levels in the order a case climbs them, so "sort by level" reads bottom to top.
LEVEL_ORDER = Case(
    *[When(level=level.value, then=Value(i)) for i, level in enumerate(deadlines.Level)],
    output_field=IntegerField(),
)
SORTS = {
    "deadline": ("filing_deadline", "id"),
    "-deadline": ("-filing_deadline", "-id"),
    "amount": ("amount_in_controversy", "filing_deadline", "id"),
    "-amount": ("-amount_in_controversy", "filing_deadline", "id"),
    "level": (LEVEL_ORDER, "filing_deadline", "id"),
    "-level": (LEVEL_ORDER.desc(), "filing_deadline", "id"),
}


class AppealFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        empty_label="Any", choices=[(lv.value, LEVEL_LABELS[lv]) for lv in deadlines.Level]
    )
    track = django_filters.ChoiceFilter(
        label="Program",
        empty_label="Any",
        choices=[(track.value, TRACK_LABELS[track]) for track in deadlines.Track],
    )
    status = django_filters.ChoiceFilter(choices=Appeal.Status.choices, empty_label="Any")
    provider = django_filters.ModelChoiceFilter(
        field_name="denial__claim__provider",
        queryset=Provider.objects.none(),
        label="Provider",
        empty_label="Any",
    )
    open_only = django_filters.BooleanFilter(
        label="Open appeals only",
        method="filter_open",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = Appeal
        fields = ["level", "track", "status", "provider"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        providers = Provider.objects.all()
        if user is not None and not user.is_superuser:
            providers = providers.filter(clinic__staff=user)
        self.filters["provider"].queryset = providers

    def filter_open(self, queryset, name, value):
        return queryset.exclude(status=Appeal.Status.DECIDED) if value else queryset


def sorted_appeals(queryset, sort: str):
    return queryset.order_by(*SORTS.get(sort, SORTS["deadline"]))
