"""Admin base for versioned rows (coverage rules, letter templates): every save a new version."""

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .admin import ClinicScopedAdmin
from .versioning import SHARED_DEFAULT


class SeriesConflict(Exception):
    """An "add" found its series started by someone else after the form was validated."""


class ClinicSeriesFilter(admin.SimpleListFilter):
    """Filter by whose version a row is: only the viewer's own clinics are offered."""

    title = "clinic"
    parameter_name = "series_clinic"

    def lookups(self, request, model_admin):
        clinics = model_admin.clinics_for(request)
        return [("shared", SHARED_DEFAULT), *((str(c.pk), c.name) for c in clinics)]

    def queryset(self, request, queryset):
        if self.value() == "shared":
            return queryset.filter(clinic=None)
        if self.value() in {value for value, _ in self.lookup_choices[1:]}:
            return queryset.filter(clinic_id=self.value())
        return queryset


class VersionedAdmin(admin.ModelAdmin):
    """Saving an edit stores a new version and leaves the old row untouched.

    Series are per clinic (issue 12): the shared defaults (clinic empty) are edited by
    superusers only. A clinic admin sees the defaults and their own clinics' versions, never
    another clinic's; saving a default starts their clinic's own series at version 1 (the
    default stays as it was, for every other clinic), saving their own continues it.

    An edit must start from the newest version: if someone saved a newer one after this
    form was opened, the save is refused and the typed text stays in the form. The admin
    validates and saves in one transaction; locking the series before the check makes
    simultaneous saves of the same version queue up, so exactly one of them wins.
    """

    def clinics_for(self, request):
        clinics = self.model._meta.get_field("clinic").related_model.objects.order_by("name")
        return clinics if request.user.is_superuser else clinics.filter(staff=request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("clinic")
        if request.user.is_superuser:
            return queryset
        own = self.clinics_for(request).values("pk")
        return queryset.filter(Q(clinic=None) | Q(clinic_id__in=own))

    def starts_clinic_series(self, request, obj) -> bool:
        """A clinic admin's save of a shared default: it becomes their clinic's version 1."""
        return obj is not None and obj.clinic_id is None and not request.user.is_superuser

    def _clinic_editable(self, request, obj) -> bool:
        return obj is None or self.starts_clinic_series(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._clinic_editable(request, obj):
            return fieldsets
        # The clinic is part of the series' name: an edit continues its own series.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "clinic"]})
            for name, opts in fieldsets
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            kwargs["queryset"] = self.clinics_for(request)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if request.user.is_superuser:
                field.empty_label = f"{SHARED_DEFAULT} (every clinic without its own)"
            else:
                # A forged POST naming another clinic fails here: not one of the choices.
                field.required = True
                field.help_text = (
                    "Saving starts this clinic's own version series; shared defaults and "
                    "other clinics are not changed."
                )
                if len(kwargs["queryset"]) == 1:
                    field.initial = kwargs["queryset"][0].pk
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class StaleCheckedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk is not None and "change_note" in self.fields:
                    # The note describes the next version's change: it starts empty rather
                    # than repeating the note of the version it was opened from.
                    self.initial["change_note"] = ""
                field = self.fields.get("clinic")
                if field is not None and field.initial and self.initial.get("clinic") is None:
                    # An admin of one clinic: the default they opened becomes theirs.
                    self.initial["clinic"] = field.initial

            def clean(self):
                data = super().clean()
                model = self._meta.model
                if self.instance.pk is None:
                    return self._clean_add(model, data)
                series = getattr(self.instance, model.series_field)
                source = self.instance.clinic
                target = data.get("clinic") if "clinic" in self.fields else source
                if "clinic" in self.fields and target is None:
                    return data  # the field's own "required" error is shown
                model.lock_series(series, target)
                if target != source:
                    own = model.newest_version(series, target)
                    if own:
                        raise forms.ValidationError(
                            f"{target.name} already has its own version {own} of this. "
                            "Your text is kept below: open that version from the list and "
                            "apply your change there."
                        )
                newest = model.newest_version(series, source)
                if self.instance.version < newest:
                    raise forms.ValidationError(
                        f"This is version {self.instance.version}, but version {newest} was "
                        "saved since. Your text is kept below: open the newest version, "
                        "compare, and apply your change there."
                    )
                return data

            def _clean_add(self, model, data):
                # "Add" starts a series; adding onto an existing one would replace its
                # newest version unseen, so that must go through an edit of it. A clinic
                # edits a shared default by opening it (which starts its own series).
                series = data.get(model.series_field)
                clinic = data.get("clinic")
                if not series:
                    return data
                newest = model.newest_version(series, clinic)
                if newest:
                    self.add_error(
                        model.series_field,
                        f"Version {newest} of this already exists. Open it from the list "
                        "and edit it there, so no one's change is replaced unseen.",
                    )
                elif clinic is not None and model.newest_version(series, None):
                    self.add_error(
                        model.series_field,
                        f"A {SHARED_DEFAULT.lower()} of this exists. Open it from the list and "
                        f"edit it there: saving starts {clinic.name}'s own version.",
                    )
                return data

        return StaleCheckedForm

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # Old versions explain old letters and assessments.

    def get_readonly_fields(self, request, obj=None):
        # An edit continues its own series: the kind/key can't be switched on the way.
        readonly = [*super().get_readonly_fields(request, obj), "belongs_to", "version_history"]
        return [*readonly, self.model.series_field] if obj is not None else readonly

    @admin.display(description="Belongs to")
    def belongs_to(self, obj):
        return obj.clinic_label if obj is not None and obj.pk else "—"

    @admin.display(description="Version history")
    def version_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = type(obj).series_rows(getattr(obj, obj.series_field), obj.clinic_id)
        rows = rows.select_related("clinic", "created_by").order_by("-version")
        return format_html(
            '<table id="version-history"><thead><tr><th>Version</th><th>Belongs to</th>'
            "<th>Saved by</th><th>Saved at</th><th>Change note</th></tr></thead><tbody>{}"
            "</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        row.version,
                        row.clinic_label,
                        row.created_by or "—",
                        f"{row.created_at:%Y-%m-%d %H:%M}",
                        row.change_note,
                    )
                    for row in rows
                ),
            ),
        )

    @staticmethod
    def content_changed(form) -> bool:
        """Whether the form changes what the version says (its note alone is not a change).

        Browsers send text areas with CRLF line ends, and the form strips the ends of text:
        text that differs only in those is the same text.
        """
        for name in form.changed_data:
            if name == "change_note":
                continue
            before, after = form[name].initial, form.cleaned_data.get(name)
            same = isinstance(before, str) and isinstance(after, str) and _same_text(before, after)
            if not same:
                return True
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change and not self.content_changed(form):
            obj._unchanged = True  # nothing to store: the open version stays the newest
            return
        series = getattr(obj, obj.series_field)
        version = obj.next_version(series, obj.clinic_id)
        if not change and version != 1:
            raise SeriesConflict  # started by someone else since this form was checked
        if change and "clinic" in form.fields:
            # A clinic's own series, started from the default it was opened from.
            obj.change_note = f"Copied from the shared default v{obj.version}. {obj.change_note}"
            obj.change_note = obj.change_note.strip()[
                : obj._meta.get_field("change_note").max_length
            ]
            obj._started_from_default = obj.version
        obj.pk = None
        obj._state.adding = True
        obj.version = version
        obj.created_by = request.user
        super().save_model(request, obj, form, change=False)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (IntegrityError, SeriesConflict):
            # Two "add" saves starting the same new series at once (there is no row to lock
            # yet): the loser's transaction was rolled back. An edit holds the series lock,
            # so an integrity error there is something else and must not be explained away.
            if object_id is not None:
                raise
            self.message_user(
                request,
                "Someone else saved this at the same moment, so yours was not saved. "
                "Check the list for the newest version and apply your change there.",
                messages.ERROR,
            )
            changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            return HttpResponseRedirect(reverse(changelist))

    def log_change(self, request, obj, message):
        if getattr(obj, "_unchanged", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(obj, "_unchanged", False):
            self.message_user(
                request,
                f"Nothing was changed, so no new version was saved; version {obj.version} "
                f"({obj.clinic_label}) is still the newest.",
                messages.INFO,
            )
            changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            return HttpResponseRedirect(reverse(changelist))
        if getattr(obj, "_started_from_default", None):
            self.message_user(
                request,
                f"Saved as version 1 of {obj.clinic_label}'s own series, copied from the shared "
                f"default v{obj._started_from_default}. The shared default is unchanged and "
                "other clinics keep using it.",
            )
        else:
            self.message_user(
                request,
                f"Saved as version {obj.version}; earlier versions are kept. "
                f"It belongs to: {obj.clinic_label}.",
            )
        return super().response_change(request, obj)


def _same_text(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


class ReadOnlyAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
