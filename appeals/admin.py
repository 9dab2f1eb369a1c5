from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from intake.admin import ClinicScopedAdmin

from . import rendering
from .models import (
    Appeal,
    Assessment,
    Claim,
    ClaimLine,
    CoveragePolicy,
    Denial,
    DocumentDelivery,
    GeneratedDocument,
    LetterTemplate,
)
from .sample_context import sample_context


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


@admin.register(CoveragePolicy)
class CoveragePolicyAdmin(VersionedAdmin):
    list_display = [
        "title",
        "key",
        "version",
        "program",
        "effective_from",
        "effective_to",
        "verify_flag",
    ]
    list_filter = ["product", "indication", "program", "verify"]
    search_fields = ["key", "title"]
    readonly_fields = ["version", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["key", "version", "title", "change_note"]}),
        (
            "What it covers",
            {
                "fields": [
                    "product",
                    "indication",
                    "program",
                    "fda_status",
                    "coverage_path",
                    "effective_from",
                    "effective_to",
                ]
            },
        ),
        (
            "Criteria",
            {
                "fields": [
                    "min_age",
                    "min_failed_trials",
                    "min_weeks_per_trial",
                    "min_distinct_classes",
                    "count_intolerance_as_failure",
                    "require_psychotherapy",
                    "require_augmentation",
                    "requires_oral_antidepressant",
                    "max_initial_sessions",
                    "severity",
                    "diagnosis_prefixes",
                    "excluded_diagnosis_prefixes",
                    "supporting_diagnosis_prefixes",
                    "exclusions",
                    "medically_accepted",
                    "medically_accepted_basis",
                ]
            },
        ),
        (
            "Codes and sources",
            {
                "fields": [
                    "codes",
                    "citations",
                    "criteria_citations",
                    "verify",
                    "verify_note",
                    "created_by",
                    "created_at",
                ]
            },
        ),
    ]

    @admin.display(boolean=False, description="Verify")
    def verify_flag(self, obj):
        return "VERIFY" if obj.verify else ""


@admin.register(LetterTemplate)
class LetterTemplateAdmin(VersionedAdmin):
    list_display = ["kind", "version", "change_note", "created_by", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["version", "created_by", "created_at", "live_preview"]
    fields = ["kind", "version", "change_note", "body", "live_preview", "created_by", "created_at"]

    class Media:
        js = ["js/template_preview.js"]
        css = {"all": ["css/template_preview.css"]}

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="appeals_lettertemplate_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Live preview (demo patient)")
    def live_preview(self, obj):
        return format_html(
            '<div id="{}" role="status" class="help"></div>'
            '<iframe id="{}" class="template-preview" title="{}" sandbox=""></iframe>',
            "template-preview-status",
            "template-preview",
            "Preview of this template with a demo patient",
        )

    def preview_view(self, request):
        """Render the posted template body against the demo patient; errors come back as text."""
        if request.method != "POST" or not request.user.has_perm("appeals.change_lettertemplate"):
            return HttpResponse(status=403)
        kind = request.POST.get("kind") or "lmn"
        try:
            with rendering.time_limit(settings.PDF_RENDER_TIMEOUT_SECONDS):
                html = rendering.render_html(request.POST.get("body", ""), sample_context(kind))
        except (rendering.TemplateRefused, rendering.RenderLimitExceeded) as exc:
            return JsonResponse({"ok": False, "error": str(exc)})
        except (KeyError, ValueError) as exc:
            return JsonResponse({"ok": False, "error": f"Preview failed: {exc}"})
        if len(html) > rendering.MAX_HTML_CHARS:
            return JsonResponse(
                {"ok": False, "error": "The preview is too long: move long tables to an enclosure."}
            )
        return JsonResponse({"ok": True, "html": html})


class ReadOnlyAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "determination", "policy", "assessed_for", "created_at"]
    list_filter = ["determination"]


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "kind", "version", "sha256", "generated_by", "generated_at"]
    list_filter = ["kind"]
    exclude = ["html", "pdf"]


@admin.register(DocumentDelivery)
class DocumentDeliveryAdmin(ReadOnlyAdmin):
    clinic_lookup = "document__patient__clinic"
    list_display = ["document", "method", "sent_on", "recipient"]


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0


@admin.register(Claim)
class ClaimAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic"
    list_display = ["patient", "claim_number", "service_from", "provider"]
    inlines = [ClaimLineInline]


@admin.register(Denial)
class DenialAdmin(ClinicScopedAdmin):
    clinic_lookup = "claim__patient__clinic"
    list_display = ["claim", "notice_type", "notice_date", "group_code", "carc_codes"]


@admin.register(Appeal)
class AppealAdmin(ClinicScopedAdmin):
    clinic_lookup = "denial__claim__patient__clinic"
    list_display = ["denial", "track", "level", "status", "filing_deadline"]
    list_filter = ["track", "level", "status"]
