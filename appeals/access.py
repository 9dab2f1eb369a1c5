"""Who may see which claim, denial and appeal: scoped to the user's clinics (404 otherwise)."""

from django.shortcuts import get_object_or_404

from intake.access import scoped

from .models import Appeal, Claim, Denial


def claims_for(user):
    return scoped(Claim.objects.select_related("patient", "provider"), user, "patient__clinic")


def denials_for(user):
    return scoped(
        Denial.objects.select_related("claim", "claim__patient"), user, "claim__patient__clinic"
    )


def appeals_for(user):
    return scoped(
        Appeal.objects.select_related(
            "denial", "denial__claim", "denial__claim__patient", "denial__claim__provider"
        ),
        user,
        "denial__claim__patient__clinic",
    )


def get_claim(request, pk: int) -> Claim:
    return get_object_or_404(claims_for(request.user), pk=pk)


def get_denial(request, pk: int) -> Denial:
    return get_object_or_404(denials_for(request.user), pk=pk)


def get_appeal(request, pk: int) -> Appeal:
    return get_object_or_404(appeals_for(request.user), pk=pk)
