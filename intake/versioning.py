"""Rows kept as numbered series: an edit adds the next version and never updates a row.

A series is named by (clinic, `series_field`): clinic None is the shipped default that every
clinic shares; a clinic's own series (started when its admin edits a default) is used for
that clinic's patients only (issue 12).
"""

from typing import Any, ClassVar

from django.db import models
from django.db.models import Max


class VersionSeries:
    """Mixin for a model whose rows form series named by (clinic, `series_field`) (1, 2, 3 ...)."""

    series_field: ClassVar[str]
    objects: ClassVar[models.Manager]

    @property
    def clinic_label(self) -> str:
        return clinic_label(self)

    @classmethod
    def series_rows(cls, series: str, clinic: Any = None) -> models.QuerySet:
        """The versions of one series; `clinic` is a Clinic, its id, or None (the default)."""
        clinic_id = getattr(clinic, "pk", clinic)
        return cls.objects.filter(**{cls.series_field: series, "clinic_id": clinic_id})

    @classmethod
    def newest_version(cls, series: str, clinic: Any = None) -> int:
        """0 when the series has no row yet."""
        return cls.series_rows(series, clinic).aggregate(v=Max("version"))["v"] or 0

    @classmethod
    def next_version(cls, series: str, clinic: Any = None) -> int:
        return cls.newest_version(series, clinic) + 1

    @classmethod
    def lock_series(cls, series: str, clinic: Any = None) -> None:
        """Hold other writers to this series until the current transaction ends.

        Row locks on the existing versions: a second editor waits here, then (in a new
        statement, so under READ COMMITTED it sees the first editor's committed row) finds
        their starting version is no longer the newest. A clinic's series is locked with
        the shared default's rows, so two admins starting their clinic's own series from
        the default at once queue up too (there is no clinic row to lock yet).
        Must run inside transaction.atomic.
        """
        rows = cls.objects.select_for_update().filter(**{cls.series_field: series})
        rows = rows.filter(
            models.Q(clinic_id=getattr(clinic, "pk", clinic)) | models.Q(clinic=None)
        )
        list(rows.order_by("pk").values_list("pk", flat=True))


SHARED_DEFAULT = "Shared default"


def clinic_label(row: Any) -> str:
    """Whose version a row is: the clinic's name, or "Shared default"."""
    return row.clinic.name if row.clinic_id else SHARED_DEFAULT


def series_constraints(series_field: str, noun: str) -> list[models.UniqueConstraint]:
    """One version number per series, for the defaults and for each clinic's own series.

    Two partial constraints, because NULLs are distinct in a plain unique index (on
    PostgreSQL before NULLS NOT DISTINCT, and on SQLite): (NULL, lmn, 1) twice would pass.
    """
    return [
        models.UniqueConstraint(
            fields=[series_field, "version"],
            condition=models.Q(clinic__isnull=True),
            name=f"unique_{noun}_version",
        ),
        models.UniqueConstraint(
            fields=["clinic", series_field, "version"],
            condition=models.Q(clinic__isnull=False),
            name=f"unique_clinic_{noun}_version",
        ),
    ]


def current_ids(model: type[models.Model], clinic: Any = None) -> list[int]:
    """Ids of the versions in force for `clinic`: per series name, the newest of the
    clinic's own series where it has one, else the newest shared default."""
    clinic_id = getattr(clinic, "pk", clinic)
    field = model.series_field
    rows = (
        model._default_manager.filter(models.Q(clinic=None) | models.Q(clinic_id=clinic_id))
        .order_by(field, "-version")
        .values_list("pk", "clinic_id", field)
    )
    newest: dict[tuple[Any, str], int] = {}
    for pk, row_clinic, name in rows:
        newest.setdefault((row_clinic, name), pk)
    names = {name for _, name in newest}
    return [newest.get((clinic_id, name)) or newest[(None, name)] for name in sorted(names)]
