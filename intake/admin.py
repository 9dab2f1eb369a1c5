from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch
from django.template.response import TemplateResponse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from localflavor.us.models import USStateField

from .admin_scoping import (
    ClinicScopedFieldsMixin,
    ScopedAutocompleteJsonView,
    clinic_path,
    managed_users,
    scope_by,
)
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


class ClinicScopedAdmin(ClinicScopedFieldsMixin, admin.ModelAdmin):
    """Clinic admins see only their own clinics' rows in the admin, as everywhere else, and
    are offered only their own clinics' rows in every picker (intake/admin_scoping.py).

    `clinic_lookup` is the path to the row's clinic; by default the one admin_scoping finds.
    """

    clinic_lookup: str | None = None

    def get_queryset(self, request):
        path = self.clinic_lookup or clinic_path(self.model)
        return scope_by(super().get_queryset(request), request.user, path)


class ScopedStackedInline(ClinicScopedFieldsMixin, admin.StackedInline):
    pass


class ScopedTabularInline(ClinicScopedFieldsMixin, admin.TabularInline):
    pass


def autocomplete_view(request):
    return ScopedAutocompleteJsonView.as_view(admin_site=admin.site)(request)


# The one admin site's autocomplete URL answers through the scoped view (admin_scoping.py).
# Set on the instance before config/urls.py builds the site's URLs; a custom AdminSite would
# need "django.contrib.admin" swapped in INSTALLED_APPS for the same one line.
admin.site.autocomplete_view = autocomplete_view


class StateFieldAdmin(admin.ModelAdmin):
    """An address's state as on the intake pages: the list, and a plain message for 'ZZ'."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, USStateField):
            return StateField(required=not db_field.blank)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(StateFieldAdmin, ClinicScopedAdmin):
    list_display = ["name", "city", "state", "npi", "rems_certified"]
    search_fields = ["name", "npi"]
    filter_horizontal = ["staff"]

    def save_related(self, request, form, formsets, change):
        # The staff picker offers only the users this admin manages, so a user who also
        # works at another clinic (or a superuser on the staff list) is not in the posted
        # list: keep them rather than drop them from the clinic unseen.
        obj = form.instance
        kept = list(obj.staff.exclude(pk__in=managed_users(request.user).values("pk")))
        super().save_related(request, form, formsets, change)
        obj.staff.add(*kept)


@admin.register(Provider)
class ProviderAdmin(ClinicScopedAdmin):
    list_display = ["last_name", "first_name", "credentials", "npi", "clinic", "is_active"]
    list_filter = ["clinic", "is_active"]
    search_fields = ["last_name", "first_name", "npi"]
    autocomplete_fields = ["user"]


class CoverageInline(ScopedStackedInline):
    model = Coverage
    extra = 0


class ScreeningInline(ScopedStackedInline):
    model = Screening
    extra = 0


class DiagnosisInline(ScopedTabularInline):
    model = Diagnosis
    extra = 0
    readonly_fields = ["description"]


class ScoreInline(ScopedTabularInline):
    model = SymptomScore
    extra = 0


class TrialInline(ScopedStackedInline):
    model = TreatmentTrial
    extra = 0


class RequestInline(ScopedStackedInline):
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


class TwoStepFilter(admin.SimpleListFilter):
    """Find who has yet to set up two-step sign-in."""

    title = "two-step sign-in"
    parameter_name = "two_step"

    def lookups(self, request, model_admin):
        return [("on", "On"), ("off", "Not set up")]

    def queryset(self, request, queryset):
        if self.value() == "on":
            return queryset.filter(has_two_step=True)
        if self.value() == "off":
            return queryset.filter(has_two_step=False)
        return queryset


@admin.register(User)
class StaffUserAdmin(ClinicScopedFieldsMixin, UserAdmin):
    """Clinic admins manage their clinics' staff and roles, never superuser rights.

    Only the users `managed_users` allows are listed or reachable (change form, password
    form, history, actions): a user who also belongs to another clinic is that clinic's
    business too, and a superuser is nobody's to manage but a superuser's.
    """

    # Never in a clinic admin's form: these would grant what no role grants.
    SUPERUSER_ONLY_FIELDS = {"is_superuser", "user_permissions"}

    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "clinic_names",
        "two_step",
        "is_active",
    ]
    list_filter = [*UserAdmin.list_filter, TwoStepFilter]

    def get_queryset(self, request):
        # Roles and clinics in two prefetches, two-step status as an EXISTS: the list costs
        # the same few queries however many users it shows.
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                has_two_step=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
            .prefetch_related(
                Prefetch("groups", queryset=Group.objects.order_by("name")),
                Prefetch("clinics", queryset=Clinic.objects.order_by("name")),
            )
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=managed_users(request.user).values("pk"))

    @admin.display(description="Role")
    def role(self, user) -> str:
        roles = [group.name for group in user.groups.all() if group.name in ROLES]
        if user.is_superuser:
            roles.insert(0, "Superuser")
        return ", ".join(roles) or "No role"

    @admin.display(description="Clinic")
    def clinic_names(self, user) -> str:
        return ", ".join(clinic.name for clinic in user.clinics.all()) or "No clinic"

    @admin.display(description="Two-step sign-in", ordering="has_two_step")
    def two_step(self, user) -> str:
        # An authenticator counts once confirmed (a code typed from it, intake/mfa.py).
        return "On" if user.has_two_step else "Not set up"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **opts,
                    "fields": [f for f in opts["fields"] if f not in self.SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, opts in fieldsets
        ]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [f for f in filters if f != "is_superuser"]

    actions = ["issue_mfa_enrolment_codes"]

    @admin.action(
        description="Issue a two-step sign-in enrolment code (replaces their authenticator)",
        permissions=["change"],
    )
    def issue_mfa_enrolment_codes(self, request, queryset):
        # Shown on this response only: the codes are not stored anywhere readable (only
        # their hashes), not even in a flash message. The queryset is the changelist's,
        # so it holds only users this admin manages, whatever ids were posted.
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

    def save_related(self, request, form, formsets, change):
        # The groups picker offers the four roles only: groups a superuser gave beyond them
        # are not posted, and must not be dropped by a clinic admin's save.
        obj = form.instance
        kept = [] if request.user.is_superuser else list(obj.groups.exclude(name__in=ROLES))
        super().save_related(request, form, formsets, change)
        obj.groups.add(*kept)


class LockoutScopeMixin:
    """django-axes rows (lockouts, sign-ins, failures): a clinic admin sees only those of the
    users they manage. The username is what axes keeps, so that is what is matched."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(username__in=managed_users(request.user).values("username"))


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class ClinicAccessAttemptAdmin(LockoutScopeMixin, AccessAttemptAdmin):
    """Lockouts: a clinic admin sees and clears only their own staff's.

    audit/admin.py re-registers this class with the safe date hierarchy mixed in.
    """

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if not request.user.is_superuser:
            # axes cleans up every clinic's expired attempts, whatever rows were selected.
            actions.pop("cleanup_expired_attempts", None)
        return actions


for _model, _axes_admin in ((AccessLog, AccessLogAdmin), (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(_model):  # AXES_ENABLE_ADMIN
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_axes_admin.__name__, (LockoutScopeMixin, _axes_admin), {})
        )


class DeviceScopeMixin(ClinicScopedFieldsMixin):
    """Authenticators (django-otp): only those of users this admin manages.

    django-otp's TOTP config and QR views load the device by id and then ask
    has_view_or_change_permission(request, device), so the per-object check below is what
    keeps another clinic's TOTP secret off the screen even for a user granted the permission.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=managed_users(request.user))

    def _in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)


for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        _registered = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(_model, type(_registered.__name__, (DeviceScopeMixin, _registered), {}))
