from django.contrib import admin

from intake.admin import ClinicScopedAdmin, ScopedTabularInline
from intake.admin_versioning import ClinicSeriesFilter, VersionedAdmin

from .models import Appeal, Claim, ClaimLine, Denial, DenialArgument

# ClinicScopedAdmin scopes the lists and every picker (patient, provider, claim, denial,
# previous appeal) to the admin's own clinics. Who recorded a row is the signed-in user,
# never a choice: a picker of users would list staff, and a forged id would put the row in
# someone else's name.


class ClaimLineInline(ScopedTabularInline):
    model = ClaimLine
    extra = 0


class RecordedByAdmin(ClinicScopedAdmin):
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Claim)
class ClaimAdmin(RecordedByAdmin):
    clinic_lookup = "patient__clinic"
    list_display = ["patient", "claim_number", "service_from", "provider"]
    inlines = [ClaimLineInline]


@admin.register(Denial)
class DenialAdmin(RecordedByAdmin):
    clinic_lookup = "claim__patient__clinic"
    list_display = ["claim", "notice_type", "notice_date", "group_code", "carc_codes"]


@admin.register(Appeal)
class AppealAdmin(RecordedByAdmin):
    clinic_lookup = "denial__claim__patient__clinic"
    list_display = ["denial", "track", "level", "status", "filing_deadline"]
    list_filter = ["track", "level", "status"]


@admin.register(DenialArgument)
class DenialArgumentAdmin(VersionedAdmin):
    """Arguments per denial reason: shared defaults read-only to clinic admins, whose save
    starts their clinic's own series (intake/admin_versioning.py)."""

    list_display = [
        "title",
        "key",
        "version",
        "group_code",
        "carc_codes",
        "rarc_codes",
        "belongs_to",
    ]
    list_filter = ["group_code", "verify", ClinicSeriesFilter]
    search_fields = ["key", "title", "carc_codes", "rarc_codes"]
    readonly_fields = ["version", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["key", "belongs_to", "clinic", "version", "title", "change_note"]}),
        ("The denial it answers", {"fields": ["group_code", "carc_codes", "rarc_codes"]}),
        ("In the letter", {"fields": ["facts", "paragraph"]}),
        (
            "For staff only",
            {"fields": ["evidence_checklist", "citations", "verify", "verify_note"]},
        ),
        ("Version history", {"fields": ["version_history", "created_by", "created_at"]}),
    ]
