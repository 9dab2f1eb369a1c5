"""Finding a chart the clinic already has for the person at the desk.

A Medicare number (MBI) belongs to one person, so a second chart with the same MBI in the
same clinic is refused. The same legal name and birth date is very likely the same person,
but namesakes exist, so that only asks the user to confirm. Other clinics' charts are never
looked at: they are not this user's to see, and a clinic keeps its own records.
"""

from datetime import date

from django.utils.html import format_html
from django.utils.safestring import SafeString

from .crypto import blind_index
from .models import Clinic, Patient
from .validators import normalize_mbi


def chart_with_mbi(
    clinic: Clinic, mbi: str, *, other_than: Patient | None = None
) -> Patient | None:
    """The clinic's chart whose coverage has this MBI (matched by its blind index: the MBI
    itself is stored encrypted), other than `other_than`."""
    mbi = normalize_mbi(mbi)
    if not mbi:
        return None
    charts = Patient.objects.filter(clinic=clinic, coverage__mbi_index=blind_index(mbi))
    if other_than is not None and other_than.pk is not None:
        charts = charts.exclude(pk=other_than.pk)
    return charts.order_by("pk").first()


def charts_named(clinic: Clinic, first_name: str, last_name: str, born: date) -> list[Patient]:
    """The clinic's charts with this first and last name (any case) and birth date."""
    return list(
        Patient.objects.filter(
            clinic=clinic,
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            date_of_birth=born,
        ).order_by("pk")
    )


def mbi_taken_message(chart: Patient) -> SafeString:
    """What the MBI field says when the number is already on a chart (names escaped)."""
    return format_html(
        'This Medicare number is already on the chart of <a href="{}">{}</a>, born {}. '
        "Open that chart instead of starting a second one.",
        chart.get_absolute_url(),
        chart.full_name,
        chart.date_of_birth.strftime("%m/%d/%Y"),
    )
