from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from .admin_dates import SafeDateHierarchyMixin
from .display import record_name
from .labels import current_label, labels_of
from .models import AuditEntry
from .scope import entries_visible_to


class RecordFilter(admin.SimpleListFilter):
    """Filter by the kind of record, counting entries written under a model's old label."""

    title = "record"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        stored = model_admin.get_queryset(request).values_list("model_label", flat=True)
        labels = sorted({current_label(label) for label in stored.distinct().order_by()})
        return [(label, f"{record_name(label)} ({label})") for label in labels]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(model_label__in=labels_of(self.value()))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is evidence, not data to edit.

    Viewing needs audit.view_auditentry and is scoped like the report (audit/scope.py).
    """

    list_display = [
        "id",
        "at",
        "username",
        "action",
        "model_label",
        "object_id",
        "patient_id",
        "ip_address",
    ]
    list_filter = ["kind", "action", RecordFilter]
    search_fields = ["=username", "=object_id"]
    date_hierarchy = "at"
    readonly_fields = [
        "at",
        "kind",
        "action",
        "user",
        "username",
        "ip_address",
        "model_label",
        "object_id",
        "patient_id",
        "changes",
        "previous_hash",
        "entry_hash",
        "key_version",
    ]
    fields = readonly_fields
    show_full_result_count = False

    def get_queryset(self, request):
        return entries_visible_to(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# django-axes's lists (lockouts, sign-ins, failures) have a date hierarchy too, with the same
# 500 at year 9999, and can't be edited: registered again with the safe list. The base is the
# admin registered now (intake's, scoped to the clinic admin's own staff, as intake comes
# first in INSTALLED_APPS), not axes' own: that one lists every clinic's lockouts.
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):  # AXES_ENABLE_ADMIN
        _registered = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_registered.__name__, (SafeDateHierarchyMixin, _registered), {})
        )
