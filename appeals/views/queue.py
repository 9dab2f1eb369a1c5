"""Billing's work queue: open appeals by deadline, exports, and outcome counts."""

import csv
from collections import Counter
from datetime import timedelta

import icalendar
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appeals import access
from appeals.filters import SORTS, AppealFilter, sorted_appeals
from appeals.labels import level_label
from appeals.models import Appeal
from audit import AccessAction, record_access
from intake.decorators import permission_required

DUE_SOON_DAYS = 14


PAGE_SIZE = 50


def _filtered(request):
    data = request.GET.copy()
    # The default view is what still needs work. A submitted form says so with `filtered`,
    # so an unticked "open appeals only" box (absent from the query) means all appeals.
    if not data.get("status") and "filtered" not in data:
        data.setdefault("open_only", "true")
    return AppealFilter(data, queryset=access.appeals_for(request.user), user=request.user)


@permission_required("appeals.view_appeal")
def work_queue(request):
    today = timezone.localdate()
    appeal_filter = _filtered(request)
    sort = request.GET.get("sort", "deadline")
    if sort not in SORTS:
        sort = "deadline"
    queryset = sorted_appeals(appeal_filter.qs, sort)
    totals = appeal_filter.qs.aggregate(amount=Sum("amount_in_controversy"), n=Count("id"))
    paginator = Paginator(queryset, PAGE_SIZE)
    paginator.count = totals["n"]  # the totals counted the same rows: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    appeals = list(page.object_list)
    for appeal in appeals:
        appeal.days_left = (appeal.filing_deadline - today).days
        appeal.overdue = appeal.status in ("draft", "ready") and appeal.days_left < 0
        appeal.due_soon = (
            appeal.status in ("draft", "ready") and 0 <= appeal.days_left <= DUE_SOON_DAYS
        )
    return render(
        request,
        "appeals/work_queue.html",
        {
            "filter": appeal_filter,
            "appeals": appeals,
            "page": page,
            "totals": totals,
            "sort": sort,
            "sort_links": _sort_links(request, sort),
            "due_soon_days": DUE_SOON_DAYS,
            "query": _query_without(request, "page"),
            "page_query": _query_without(request, "page"),
        },
    )


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _sort_links(request, current: str) -> dict[str, dict]:
    """Per sortable column: the query that sorts by it (flipping if already), and the state."""
    links = {}
    for column in ("deadline", "amount", "level"):
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{column}" if current == column else column
        state = (
            "ascending"
            if current == column
            else "descending"
            if current == f"-{column}"
            else "none"
        )
        links[column] = {"query": query.urlencode(), "aria_sort": state}
    return links


@permission_required("appeals.view_appeal")
def export_csv(request):
    appeal_filter = _filtered(request)
    record_access(request, AccessAction.EXPORT, "appeal-queue.csv")
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="appeals.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Patient",
            "Date of service",
            "Program",
            "Level",
            "Status",
            "Notice date",
            "Filing deadline",
            "Amount in controversy",
            "Denial codes",
            "Provider",
        ]
    )
    for appeal in sorted_appeals(appeal_filter.qs, request.GET.get("sort", "deadline")):
        claim = appeal.denial.claim
        writer.writerow(
            [
                _csv_safe(claim.patient.full_name),
                claim.service_from.isoformat(),
                appeal.get_track_display(),
                appeal.level_label,
                appeal.get_status_display(),
                appeal.notice_date.isoformat(),
                appeal.filing_deadline.isoformat(),
                f"{appeal.amount_in_controversy:.2f}",
                f"{appeal.denial.group_code}-{appeal.denial.carc_codes}",
                _csv_safe(str(claim.provider)),
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@permission_required("appeals.view_appeal")
def deadlines_ical(request):
    """Deadlines as an iCalendar feed, behind login. Events carry no names: a chart number only."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Medicare desk//appeal deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Appeal deadlines")
    base = request.build_absolute_uri("/")[:-1]
    open_appeals = access.appeals_for(request.user).exclude(
        status__in=[Appeal.Status.FILED, Appeal.Status.DECIDED]
    )
    for appeal in open_appeals:
        event = icalendar.Event()
        event.add("uid", f"appeal-{appeal.pk}@medicare-desk")
        event.add("summary", f"{appeal.level_label} due (chart KC-{appeal.patient.pk:06d})")
        event.add("dtstart", appeal.filing_deadline)
        event.add("dtend", appeal.filing_deadline + timedelta(days=1))
        event.add("dtstamp", timezone.now())
        event.add("url", base + appeal.get_absolute_url())
        calendar.add_component(event)
    record_access(request, AccessAction.EXPORT, "appeal-deadlines.ics")
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appeal-deadlines.ics"'
    return response


@permission_required("appeals.view_appeal")
def dashboard(request):
    today = timezone.localdate()
    appeals = access.appeals_for(request.user)
    open_q = ~Q(status=Appeal.Status.DECIDED)
    waiting = Q(status__in=[Appeal.Status.DRAFT, Appeal.Status.READY])
    counts = appeals.aggregate(
        open=Count("id", filter=open_q),
        overdue=Count("id", filter=waiting & Q(filing_deadline__lt=today)),
        due_soon=Count(
            "id",
            filter=waiting
            & Q(
                filing_deadline__gte=today,
                filing_deadline__lte=today + timedelta(days=DUE_SOON_DAYS),
            ),
        ),
        filed=Count("id", filter=Q(status=Appeal.Status.FILED)),
        open_amount=Sum("amount_in_controversy", filter=open_q, default=0),
        overdue_amount=Sum(
            "amount_in_controversy", filter=waiting & Q(filing_deadline__lt=today), default=0
        ),
        won_amount=Sum(
            "amount_in_controversy",
            filter=Q(decision__in=[Appeal.Decision.FAVORABLE, Appeal.Decision.PARTIAL]),
            default=0,
        ),
        lost_amount=Sum(
            "amount_in_controversy",
            filter=Q(decision__in=[Appeal.Decision.UNFAVORABLE, Appeal.Decision.DISMISSED]),
            default=0,
        ),
    )
    by_level = (
        appeals.filter(status=Appeal.Status.DECIDED)
        .values("level", "decision")
        .annotate(n=Count("id"))
        .order_by("level", "decision")
    )
    outcomes: dict[str, Counter] = {}
    for row in by_level:
        outcomes.setdefault(row["level"], Counter())[row["decision"]] += row["n"]
    reasons: dict[str, Counter] = {}
    decided = appeals.filter(status=Appeal.Status.DECIDED).values_list(
        "denial__group_code", "denial__carc_codes", "decision"
    )
    for group, carcs, decision in decided:
        reasons.setdefault(f"{group}-{carcs}", Counter())[decision] += 1
    level_rows = [
        {
            "level": level_label(level),
            "won": c["favorable"] + c["partial"],
            "lost": c["unfavorable"] + c["dismissed"],
        }
        for level, c in outcomes.items()
    ]
    scale = max([r["won"] + r["lost"] for r in level_rows] + [1])
    for row in level_rows:
        row["won_pct"] = round(100 * row["won"] / scale)
        row["lost_pct"] = round(100 * row["lost"] / scale)
    reason_rows = [
        {
            "reason": reason,
            "won": c["favorable"] + c["partial"],
            "lost": c["unfavorable"] + c["dismissed"],
        }
        for reason, c in sorted(reasons.items())
    ]
    return render(
        request,
        "appeals/dashboard.html",
        {
            "counts": counts,
            "level_rows": level_rows,
            "reason_rows": reason_rows,
            "denials_without_appeal": access.denials_for(request.user)
            .filter(appeals__isnull=True)
            .count(),
            "due_soon_days": DUE_SOON_DAYS,
        },
    )
