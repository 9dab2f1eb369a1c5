"""Admin base for versioned rows (coverage rules, letter templates): every save a new version."""

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.urls import reverse

from .admin import ClinicScopedAdmin


class SeriesConflict(Exception):
    """An "add" found its series started by someone else after the form was validated."""


class VersionedAdmin(admin.ModelAdmin):
    """Saving an edit stores a new version and leaves the old row untouched.

    An edit must start from the newest version: if someone saved a newer one after this
    form was opened, the save is refused and the typed text stays in the form. The admin
    validates and saves in one transaction; locking the series before the check makes
    simultaneous saves of the same version queue up, so exactly one of them wins.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class StaleCheckedForm(form):
            def clean(self):
                data = super().clean()
                model = self._meta.model
                if self.instance.pk is None:
                    # "Add" starts a series; adding onto an existing one would replace its
                    # newest version unseen, so that must go through an edit of it.
                    series = data.get(model.series_field)
                    newest = model.newest_version(series) if series else 0
                    if newest:
                        self.add_error(
                            model.series_field,
                            f"Version {newest} of this already exists. Open it from the list "
                            "and edit it there, so no one's change is replaced unseen.",
                        )
                    return data
                series = getattr(self.instance, model.series_field)
                model.lock_series(series)
                newest = model.newest_version(series)
                if self.instance.version < newest:
                    raise forms.ValidationError(
                        f"This is version {self.instance.version}, but version {newest} was "
                        "saved since. Your text is kept below: open the newest version, "
                        "compare, and apply your change there."
                    )
                return data

        return StaleCheckedForm

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # Old versions explain old letters and assessments.

    def get_readonly_fields(self, request, obj=None):
        # An edit continues its own series: the kind/key can't be switched on the way.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, self.model.series_field] if obj is not None else readonly

    def save_model(self, request, obj, form, change) -> None:
        series = getattr(obj, obj.series_field)
        version = obj.next_version(series)
        if not change and version != 1:
            raise SeriesConflict  # started by someone else since this form was checked
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

    def response_change(self, request, obj):
        self.message_user(request, f"Saved as version {obj.version}; earlier versions are kept.")
        return super().response_change(request, obj)


class ReadOnlyAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
