"""Which audit entries a user may see: their clinics' records, patients and staff only."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import AuditEntry


# audit sits beside the other apps and imports none of them (pyproject: import-linter); the
# report's clinic scoping reads the clinic and patient models from the app registry instead.
def _clinics():
    return apps.get_model("intake", "Clinic").objects


def patients():
    return apps.get_model("intake", "Patient").objects


def entries_visible_to(user) -> QuerySet[AuditEntry]:
    """Superusers see everything. Anyone else sees, for the clinics they are staff of:

    - entries about those clinics' records: the clinic, its providers, its patients and
      everything under them (by the clinic recorded on the entry, so deleted patients'
      history stays visible), and entries about patients who are now theirs;
    - entries about no clinic or patient (exports, roles, users, rules) when the person who
      acted, or the user acted on, is on those clinics' staff.

    Staff who work at two clinics don't carry the other clinic's patients into this one's
    report: an entry about a patient is shown by the patient's clinic only.
    """
    entries = AuditEntry.objects.all()
    if user.is_superuser:
        return entries
    clinic_ids = list(_clinics().filter(staff=user).values_list("pk", flat=True))
    staff_ids = list(
        get_user_model().objects.filter(clinics__in=clinic_ids).values_list("pk", flat=True)
    )
    return entries.filter(
        Q(clinic_id__in=clinic_ids)
        | Q(patient_id__in=patients().filter(clinic_id__in=clinic_ids).values("pk"))
        | Q(clinic_id__isnull=True, patient_id__isnull=True)
        & (
            Q(user_id__in=staff_ids)
            | Q(
                model_label=settings.AUTH_USER_MODEL.lower(),
                object_id__in=[str(pk) for pk in staff_ids],
            )
        )
    )


def staff_of(user) -> QuerySet:
    """The users the report can be filtered by: staff of the user's clinics (all, for a
    superuser)."""
    users = get_user_model().objects.all()
    if not user.is_superuser:
        users = users.filter(clinics__in=_clinics().filter(staff=user)).distinct()
    return users.order_by("username")
