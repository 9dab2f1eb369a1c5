import re
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from .choices import Action
from .scope import staff_of

_CHART_NUMBER = re.compile(r"(?:KC-?)?0*(\d{1,12})", re.IGNORECASE)


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """The report's filters; every field optional. Dates are the clinic's local days."""

    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)
    user = forms.ModelChoiceField(
        label="Staff member", queryset=None, required=False, empty_label="Anyone"
    )
    patient = forms.CharField(
        label="Patient (chart number)",
        required=False,
        max_length=20,
        help_text="e.g. KC-000123 or 123",
    )
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *Action.choices]
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_of(viewer)

    def clean_patient(self) -> int | None:
        text = self.cleaned_data["patient"].strip()
        if not text:
            return None
        match = _CHART_NUMBER.fullmatch(text)
        if not match or int(match.group(1)) == 0:
            raise forms.ValidationError("Enter a chart number such as KC-000123, or just 123.")
        return int(match.group(1))

    def clean_date_from(self) -> date | None:
        return _within_range(self.cleaned_data["date_from"])

    def clean_date_to(self) -> date | None:
        return _within_range(self.cleaned_data["date_to"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, entries: QuerySet) -> QuerySet:
        """Apply the valid filters (call after is_valid())."""
        data = self.cleaned_data
        if data.get("date_from"):
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data.get("user"):
            entries = entries.filter(user=data["user"])
        if data.get("patient"):
            entries = entries.filter(patient_id=data["patient"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        return entries


def _within_range(day: date | None) -> date | None:
    """Refuse a day whose local bounds fall outside what datetime holds.

    The filter looks up [start of day, start of next day); 9999-12-31 has no next day and
    0001-01-01 has no start in UTC east of Greenwich, which raised OverflowError (a 500).
    """
    if day is None:
        return None
    try:
        _start_of(day)
        _start_of(day + timedelta(days=1))
    except OverflowError:
        raise forms.ValidationError(
            "Enter a date between 01/02/0001 and 12/30/9999.", code="out_of_range"
        ) from None
    return day


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
