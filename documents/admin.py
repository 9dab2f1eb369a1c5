from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.csp import CSP
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from intake.admin_versioning import ClinicSeriesFilter, ReadOnlyAdmin, VersionedAdmin
from intake.versioning import SHARED_DEFAULT

from . import rendering
from .models import DocumentDelivery, DocumentKind, GeneratedDocument, LetterTemplate

# The kinds that have templates (a packet is assembled from other documents).
PREVIEW_KINDS = {k.value for k in DocumentKind if k != DocumentKind.PACKET}
# The preview PDF is shown in a frame of the template's change page, and nowhere else.
PREVIEW_CSP = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}


class PreviewRefused(Exception):
    """The preview request can't be rendered; the message is for the template editor."""


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
            path(
                "preview.pdf",
                self.admin_site.admin_view(self.preview_pdf_view),
                name="documents_lettertemplate_preview_pdf",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Live preview (demo patient)")
    def live_preview(self, obj):
        # The preview posts the kind and clinic of the version being edited (the change form
        # shows both read-only, so there is no input to read them from). The frame shows the
        # real PDF pages; it is named so the script can post the form into it.
        return format_html(
            '<div id="{}" role="status" class="help" data-kind="{}" data-clinic="{}" '
            'data-pdf-url="{}"></div>'
            '<iframe id="{}" name="{}" class="template-preview" title="{}"></iframe>',
            "template-preview-status",
            obj.kind if obj and obj.pk else "",
            obj.clinic_id or "" if obj and obj.pk else "",
            reverse(f"{self.admin_site.name}:documents_lettertemplate_preview_pdf"),
            "template-preview",
            "template-preview",
            "Preview of this template with a demo patient, as PDF pages",
        )

    def _preview_request(self, request):
        """The posted body, kind and clinic, checked: (body, kind, clinic)."""
        kind = request.POST.get("kind", "")
        if kind not in PREVIEW_KINDS:
            raise PreviewRefused("Choose the kind of letter to preview it.")
        clinic = None
        if request.POST.get("clinic"):
            # Only the viewer's own clinics (any, for a superuser): another id is no clinic.
            clinic = self.clinics_for(request).filter(pk=request.POST["clinic"]).first()
            if clinic is None:
                raise PreviewRefused("Choose one of your clinics.")
        return request.POST.get("body", ""), kind, clinic

    def _may_preview(self, request) -> bool:
        return request.method == "POST" and request.user.has_perm("documents.change_lettertemplate")

    def preview_view(self, request):
        """Render the posted template body against the demo patient; errors come back as text."""
        if not self._may_preview(request):
            return HttpResponse(status=403)
        try:
            body, kind, clinic = self._preview_request(request)
            html = rendering.preview_html(body, kind, clinic)
        except PreviewRefused as exc:
            return JsonResponse({"ok": False, "error": str(exc)})
        except (rendering.TemplateRefused, rendering.RenderLimitExceeded) as exc:
            series = clinic.name if clinic else SHARED_DEFAULT
            return JsonResponse({"ok": False, "error": str(exc), "series": series})
        series = clinic.name if clinic else SHARED_DEFAULT
        return JsonResponse({"ok": True, "html": html, "series": series, "kind": kind})

    @xframe_options_sameorigin
    @csp_override(PREVIEW_CSP)
    def preview_pdf_view(self, request):
        """The posted body as the PDF a letter of its kind would be, for the preview frame."""
        if not self._may_preview(request):
            return HttpResponse(status=403)
        try:
            body, kind, clinic = self._preview_request(request)
            pdf = rendering.preview_pdf(body, kind, clinic)
        except (PreviewRefused, rendering.TemplateRefused, rendering.RenderLimitExceeded) as exc:
            return HttpResponse(
                f"Preview not available: {exc}", content_type="text/plain; charset=utf-8"
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="template-preview.pdf"'
        return response


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "kind", "version", "sha256", "generated_by", "generated_at"]
    list_filter = ["kind"]
    exclude = ["html", "pdf"]


@admin.register(DocumentDelivery)
class DocumentDeliveryAdmin(ReadOnlyAdmin):
    clinic_lookup = "document__patient__clinic"
    list_display = ["document", "method", "sent_on", "recipient"]
