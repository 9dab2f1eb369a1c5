from django.contrib import admin

from intake.admin import ClinicScopedAdmin

from .models import Appeal, Claim, ClaimLine, Denial


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
