from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.html import format_html

from intake.admin_versioning import ReadOnlyAdmin, VersionedAdmin

from . import rendering
from .models import DocumentDelivery, GeneratedDocument, LetterTemplate
from .sample_context import sample_context


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
                name="documents_lettertemplate_preview",
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
        if request.method != "POST" or not request.user.has_perm("documents.change_lettertemplate"):
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


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "kind", "version", "sha256", "generated_by", "generated_at"]
    list_filter = ["kind"]
    exclude = ["html", "pdf"]


@admin.register(DocumentDelivery)
class DocumentDeliveryAdmin(ReadOnlyAdmin):
    clinic_lookup = "document__patient__clinic"
    list_display = ["document", "method", "sent_on", "recipient"]
