from django.contrib import admin

from .models import (
    Clinic,
    Coverage,
    Diagnosis,
    Patient,
    Provider,
    Screening,
    SymptomScore,
    TreatmentRequest,
    TreatmentTrial,
)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "state", "npi", "rems_certified"]
    search_fields = ["name", "npi"]
    filter_horizontal = ["staff"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "credentials", "npi", "clinic", "is_active"]
    list_filter = ["clinic", "is_active"]
    search_fields = ["last_name", "first_name", "npi"]
    autocomplete_fields = ["user"]


class CoverageInline(admin.StackedInline):
    model = Coverage
    extra = 0


class ScreeningInline(admin.StackedInline):
    model = Screening
    extra = 0


class DiagnosisInline(admin.TabularInline):
    model = Diagnosis
    extra = 0
    readonly_fields = ["description"]


class ScoreInline(admin.TabularInline):
    model = SymptomScore
    extra = 0


class TrialInline(admin.StackedInline):
    model = TreatmentTrial
    extra = 0


class RequestInline(admin.StackedInline):
    model = TreatmentRequest
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "date_of_birth", "clinic", "intake_step"]
    list_filter = ["clinic", "intake_step"]
    search_fields = ["last_name", "first_name"]
    inlines = [
        CoverageInline,
        DiagnosisInline,
        ScoreInline,
        TrialInline,
        ScreeningInline,
        RequestInline,
    ]
    readonly_fields = ["created_by", "created_at", "updated_at"]
