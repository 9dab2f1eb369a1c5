"""Who may see which document: one place, scoped to the user's clinics (404, never a leak)."""

from django.shortcuts import get_object_or_404

from intake.access import scoped

from .models import GeneratedDocument


def documents_for(user):
    return scoped(
        GeneratedDocument.objects.select_related("patient", "patient__clinic"),
        user,
        "patient__clinic",
    )


def get_document(request, pk: int) -> GeneratedDocument:
    return get_object_or_404(documents_for(request.user), pk=pk)
