"""An admin date hierarchy that answers for every date, the last ones datetime holds included.

Django's ChangeList finds the end of the chosen year, month or day by adding to its start,
which raises for the last ones a datetime can hold: `?at__year=9999`,
`?at__year=9999&at__month=12` or a 31-digit year were a 500. Any ModelAdmin with a
`date_hierarchy` should use `SafeDateHierarchyMixin` (audit is importable by every app).
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.utils.timezone import make_aware

NOT_A_DATE = "The date picked in the date list isn't one the calendar has; showing all dates."


class SafeDateHierarchyChangeList(ChangeList):
    """Django's ChangeList with the date hierarchy's range worked out without overflowing.

    A range that would end after datetime.max (or start before datetime.min, once in UTC) is
    open at that end: year 9999 lists what is in year 9999, that is nothing. A year, month or
    day that isn't a date is a bad lookup, as in Django: the admin redirects to the
    unfiltered list, here with a message saying why.
    """

    def get_filters(self, request):
        field = self.date_hierarchy
        if not field or f"{field}__year" not in self.filter_params:
            return super().get_filters(request)
        params = dict(self.filter_params)
        year, month, day = (
            params.pop(f"{field}__{part}", None) for part in ("year", "month", "day")
        )
        try:
            bounds = _date_range(field, year, month, day)
        except IncorrectLookupParameters:
            messages.error(request, NOT_A_DATE)
            raise
        # Django's own get_filters for everything else, without the date parameters.
        saved, self.filter_params = self.filter_params, params
        try:
            specs, has_filters, lookups, duplicates, active = super().get_filters(request)
        finally:
            self.filter_params = saved
        lookups.update(bounds)
        return specs, has_filters, lookups, duplicates, active


class SafeDateHierarchyMixin:
    """For a ModelAdmin with date_hierarchy: see SafeDateHierarchyChangeList."""

    def get_changelist(self, request, **kwargs):
        return SafeDateHierarchyChangeList


def _date_range(field: str, year, month, day) -> dict[str, list[datetime]]:
    """`{field}__gte` / `{field}__lt` lookups for the year, month or day (query-string lists,
    the last value counts, as in Django), each left out where it would not exist."""
    try:
        start = datetime(int(year[-1]), int(month[-1]) if month else 1, int(day[-1]) if day else 1)
    except (ValueError, OverflowError) as error:
        raise IncorrectLookupParameters(error) from error
    try:
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=start.year + 1)
    except (ValueError, OverflowError):
        end = None  # the last day, month or year a datetime holds: up to the end of time
    bounds = {}
    for lookup, value in (("gte", start), ("lt", end)):
        if value is None:
            continue
        if settings.USE_TZ:
            value = make_aware(value)
            try:
                value.astimezone(UTC)  # what the database is given
            except OverflowError:
                continue  # year 1 east of Greenwich starts before datetime.min in UTC
        bounds[f"{field}__{lookup}"] = [value]
    return bounds
