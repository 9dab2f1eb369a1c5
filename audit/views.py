"""The audit report for clinic admins: filter, page through, export as CSV."""

import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .chain import canonical_time
from .choices import AccessAction
from .display import belongs_to, change_lines, changes_json, chart_number, clinic_names, record_name
from .forms import AuditFilterForm
from .pages import entry_page, parse_cursor
from .scope import entries_visible_to, patients
from .services import record_access

PAGE_SIZE = 50


def _filtered(request) -> tuple[AuditFilterForm, QuerySet]:
    form = AuditFilterForm(request.GET or None, viewer=request.user)
    entries = entries_visible_to(request.user)
    if form.is_bound:
        # Invalid filters show their errors over an empty list, never an unfiltered one.
        entries = form.filter(entries) if form.is_valid() else entries.none()
    return form, entries.order_by("-id")


@login_required  # first, so an idle sign-out asks to sign in again rather than a 403
@permission_required("audit.view_auditentry", raise_exception=True)
def report(request):
    form, entries = _filtered(request)
    page = entry_page(
        entries,
        before=parse_cursor(request.GET.get("before")),
        after=parse_cursor(request.GET.get("after")),
        size=PAGE_SIZE,
    )
    names = _patient_names(request.user, {e.patient_id for e in page.entries if e.patient_id})
    clinics = clinic_names({e.clinic_id for e in page.entries if e.clinic_id})
    rows = [
        {
            "entry": entry,
            "record": record_name(entry.model_label),
            "chart": chart_number(entry.patient_id),
            "patient_name": names.get(entry.patient_id, ""),
            "belongs_to": belongs_to(entry, clinics),
            "changes": change_lines(entry.changes, is_update=entry.action == "update"),
        }
        for entry in page.entries
    ]
    query = request.GET.copy()
    for cursor in ("before", "after", "page"):
        query.pop(cursor, None)
    return render(
        request,
        "audit/report.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@login_required  # first, so an idle sign-out asks to sign in again rather than a 403
@permission_required("audit.view_auditentry", raise_exception=True)
def export_csv(request):
    _, entries = _filtered(request)
    # The export is itself a disclosure of PHI: recorded before a byte leaves.
    record_access(request, AccessAction.EXPORT, "audit-report.csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "Entry",
            "Time (UTC)",
            "Kind",
            "Action",
            "User",
            "IP address",
            "Record",
            "Record id",
            "Patient chart",
            "Changes",
            "Entry hash",
        ]
    )
    for entry in entries.iterator(chunk_size=1000):
        writer.writerow(
            [
                entry.pk,
                canonical_time(entry.at),
                entry.kind,
                entry.action,
                _csv_safe(entry.username),
                entry.ip_address,
                _csv_safe(entry.model_label),
                _csv_safe(entry.object_id),
                chart_number(entry.patient_id),
                _csv_safe(changes_json(entry.changes)),
                entry.entry_hash,
            ]
        )
    return response


def _patient_names(user, ids: set[int]) -> dict[int, str]:
    """Names of the page's patients the viewer may see (deleted patients have none)."""
    if not ids:
        return {}
    visible = patients().filter(pk__in=ids).for_user(user)
    return {p.pk: p.full_name for p in visible.only("first_name", "middle_name", "last_name")}


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) runs as a formula in spreadsheets.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
