"""Object access for appeals views: one place decides who may see what (404, never a leak)."""

from django.shortcuts import get_object_or_404

from intake.models import Patient

from .models import Appeal, Claim, Denial, GeneratedDocument


def _scoped(queryset, user, clinic_path: str):
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{clinic_path}__staff": user})


def patients_for(user):
    return Patient.objects.select_related("clinic").for_user(user)


def documents_for(user):
    return _scoped(
        GeneratedDocument.objects.select_related("patient", "patient__clinic"),
        user,
        "patient__clinic",
    )


def claims_for(user):
    return _scoped(Claim.objects.select_related("patient", "provider"), user, "patient__clinic")


def denials_for(user):
    return _scoped(
        Denial.objects.select_related("claim", "claim__patient"), user, "claim__patient__clinic"
    )


def appeals_for(user):
    return _scoped(
        Appeal.objects.select_related(
            "denial", "denial__claim", "denial__claim__patient", "denial__claim__provider"
        ),
        user,
        "denial__claim__patient__clinic",
    )


def get_patient(request, pk: int) -> Patient:
    return get_object_or_404(patients_for(request.user), pk=pk)


def get_document(request, pk: int) -> GeneratedDocument:
    return get_object_or_404(documents_for(request.user), pk=pk)


def get_claim(request, pk: int) -> Claim:
    return get_object_or_404(claims_for(request.user), pk=pk)


def get_denial(request, pk: int) -> Denial:
    return get_object_or_404(denials_for(request.user), pk=pk)


def get_appeal(request, pk: int) -> Appeal:
    return get_object_or_404(appeals_for(request.user), pk=pk)
