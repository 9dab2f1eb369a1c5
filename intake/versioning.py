"""Rows kept as numbered series: an edit adds the next version and never updates a row."""

from typing import ClassVar

from django.db import models
from django.db.models import Max


class VersionSeries:
    """Mixin for a model whose rows form series named by `series_field` (1, 2, 3 ...)."""

    series_field: ClassVar[str]
    objects: ClassVar[models.Manager]

    @classmethod
    def newest_version(cls, series: str) -> int:
        """0 when the series has no row yet."""
        found = cls.objects.filter(**{cls.series_field: series}).aggregate(v=Max("version"))
        return found["v"] or 0

    @classmethod
    def next_version(cls, series: str) -> int:
        return cls.newest_version(series) + 1

    @classmethod
    def lock_series(cls, series: str) -> None:
        """Hold other writers to this series until the current transaction ends.

        Row locks on the existing versions: a second editor waits here, then (in a new
        statement, so under READ COMMITTED it sees the first editor's committed row) finds
        their starting version is no longer the newest. Must run inside transaction.atomic.
        """
        rows = cls.objects.select_for_update().filter(**{cls.series_field: series})
        list(rows.order_by("pk").values_list("pk", flat=True))
