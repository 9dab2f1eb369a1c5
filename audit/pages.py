"""Keyset pages of the audit report: newest first, by entry id, with no COUNT.

The trail only grows and its ids only rise (audit/models.py), so "the 50 entries older than
entry #k" is one index range read however long the trail is, where page numbers need a
COUNT over every visible entry and an OFFSET that reads and drops the rows before the page
(issue 16: the report took 14x a minimal page at 10,000 patients). The price is that pages
have no numbers: the report links to the newer and the older page.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import AuditEntry


@dataclass(frozen=True)
class EntryPage:
    entries: list[AuditEntry]
    newer: int | None  # `?after=` for the page of newer entries, None on the newest page
    older: int | None  # `?before=` for the page of older entries, None on the oldest page

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


def parse_cursor(value: str | None) -> int | None:
    """An entry id from the query string; anything else means the newest page."""
    return int(value) if value and value.isdigit() and len(value) <= 18 else None


def entry_page(
    entries: QuerySet[AuditEntry], *, before: int | None, after: int | None, size: int
) -> EntryPage:
    """At most `size` entries, newest first: those just older than `before`, those just
    newer than `after`, or the newest. Two queries, whatever the size of the trail."""
    if after is not None and before is None:
        # Read upwards from `after`, then show them newest first like every other page.
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = entries.filter(id__lte=after).exists()
    else:
        entries_below = entries.filter(id__lt=before) if before is not None else entries
        rows = list(entries_below.order_by("-id")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = before is not None and entries.filter(id__gte=before).exists()
    return EntryPage(
        entries=rows,
        newer=rows[0].pk if rows and more_newer else None,
        older=rows[-1].pk if rows and more_older else None,
    )
