from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.html import format_html

from intake.admin_versioning import ClinicSeriesFilter, ReadOnlyAdmin, VersionedAdmin
from intake.versioning import SHARED_DEFAULT

from . import rendering
from .models import DocumentDelivery, GeneratedDocument, LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(VersionedAdmin):
    list_display = ["kind", "version", "belongs_to", "change_note", "created_by", "created_at"]
    list_filter = ["kind", ClinicSeriesFilter]
    readonly_fields = ["version", "created_by", "created_at", "live_preview"]
    fields = [
        "kind",
        "belongs_to",
        "clinic",
        "version",
        "change_note",
        "body",
        "live_preview",
        "created_by",
        "created_at",
        "version_history",
    ]

    class Media:
        js = ["js/template_preview.js"]
        css = {"all": ["css/template_preview.css"]}

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="documents_lettertemplate_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Live preview (demo patient)")
    def live_preview(self, obj):
        # The preview posts the kind and clinic of the version being edited (the change form
        # shows both read-only, so there is no input to read them from).
        return format_html(
            '<div id="{}" role="status" class="help" data-kind="{}" data-clinic="{}"></div>'
            '<iframe id="{}" class="template-preview" title="{}" sandbox=""></iframe>',
            "template-preview-status",
            obj.kind if obj and obj.pk else "",
            obj.clinic_id or "" if obj and obj.pk else "",
            "template-preview",
            "Preview of this template with a demo patient",
        )

    def preview_view(self, request):
        """Render the posted template body against the demo patient; errors come back as text."""
        if request.method != "POST" or not request.user.has_perm("documents.change_lettertemplate"):
            return HttpResponse(status=403)
        kind = request.POST.get("kind") or "lmn"
        clinic = None
        if request.POST.get("clinic"):
            # Only the viewer's own clinics (any, for a superuser): another id is no clinic.
            clinic = self.clinics_for(request).filter(pk=request.POST["clinic"]).first()
            if clinic is None:
                return JsonResponse({"ok": False, "error": "Choose one of your clinics."})
        series = clinic.name if clinic else SHARED_DEFAULT
        try:
            html = rendering.preview_html(request.POST.get("body", ""), kind, clinic)
        except (rendering.TemplateRefused, rendering.RenderLimitExceeded) as exc:
            return JsonResponse({"ok": False, "error": str(exc), "series": series})
        return JsonResponse({"ok": True, "html": html, "series": series})


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "kind", "version", "sha256", "generated_by", "generated_at"]
    list_filter = ["kind"]
    exclude = ["html", "pdf"]


@admin.register(DocumentDelivery)
class DocumentDeliveryAdmin(ReadOnlyAdmin):
    clinic_lookup = "document__patient__clinic"
    list_display = ["document", "method", "sent_on", "recipient"]
