"""Object access scoped to the user's clinics: another clinic's id is a 404, never a leak.

Each app keeps its own lookups beside its models (documents/access.py, appeals/access.py)
and builds them with `scoped`; patients follow the one rule in Patient.objects.for_user.
"""

from django.shortcuts import get_object_or_404

from .models import Patient


def scoped(queryset, user, clinic_path: str):
    """Rows whose clinic (reached through `clinic_path`) counts `user` among its staff."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{clinic_path}__staff": user})


def patients_for(user):
    return Patient.objects.select_related("clinic").for_user(user)


def get_patient(request, pk: int) -> Patient:
    return get_object_or_404(patients_for(request.user), pk=pk)
