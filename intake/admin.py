from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from localflavor.us.models import USStateField

from .form_fields import StateField
from .mfa import issue_enrolment_code
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
from .roles import ROLES


class ClinicScopedAdmin(admin.ModelAdmin):
    """Clinic admins see only their own clinics' rows in the admin, as everywhere else."""

    clinic_lookup = "clinic"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.clinic_lookup}__staff": request.user}).distinct()


class StateFieldAdmin(admin.ModelAdmin):
    """An address's state as on the intake pages: the list, and a plain message for 'ZZ'."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, USStateField):
            return StateField(required=not db_field.blank)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(StateFieldAdmin, ClinicScopedAdmin):
    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if request.user.is_superuser else queryset.filter(staff=request.user)

    list_display = ["name", "city", "state", "npi", "rems_certified"]
    search_fields = ["name", "npi"]
    filter_horizontal = ["staff"]


@admin.register(Provider)
class ProviderAdmin(ClinicScopedAdmin):
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
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "product",
                    "indication",
                    "with_oral_antidepressant",
                    "patient_rems_enrolled",
                    "dose_mg",
                    "planned_sessions",
                    "codes",
                    "ordering_provider",
                    "requested_start",
                ]
            },
        ),
        ("Clinical narrative", {"fields": list(TreatmentRequest.NARRATIVE_FIELDS)}),
    ]


@admin.register(Patient)
class PatientAdmin(StateFieldAdmin, ClinicScopedAdmin):
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


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Clinic admins manage their clinics' staff and roles, never superuser rights."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            clinics__in=request.user.clinics.all(), is_superuser=False
        ).distinct()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for name, opts in fieldsets
        ]

    actions = ["issue_mfa_enrolment_codes"]

    @admin.action(
        description="Issue a two-step sign-in enrolment code (replaces their authenticator)",
        permissions=["change"],
    )
    def issue_mfa_enrolment_codes(self, request, queryset):
        # Shown on this response only: the codes are not stored anywhere readable (only
        # their hashes), not even in a flash message.
        issued = [(user, *issue_enrolment_code(user, request.user)) for user in queryset]
        context = {
            **self.admin_site.each_context(request),
            "title": "Enrolment codes",
            "issued": issued,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/intake/mfa_enrolment_codes.html", context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            # A new user joins the creating admin's clinics so they can see its patients.
            obj.clinics.add(*request.user.clinics.all())


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class ClinicAccessAttemptAdmin(AccessAttemptAdmin):
    """Lockouts (django-axes): a clinic admin sees and clears only their own staff's."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        usernames = User.objects.filter(clinics__in=request.user.clinics.all()).values("username")
        return queryset.filter(username__in=usernames)
