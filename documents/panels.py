"""What the documents app adds to the patient and home pages (registered in apps.py)."""

from .access import documents_for
from .forms import GenerateDocumentForm
from .models import DocumentKind
from .services import SIGNABLE_KINDS


def documents_panel(user, patient, *, page: dict) -> dict | None:
    if not user.has_perm("documents.view_generateddocument"):
        return None
    context: dict = {
        "documents": patient.documents.select_related("signature").order_by("kind", "-version")
    }
    # The generate buttons sit in the coverage panel, under the assessment that recommends
    # them; that panel ran first, so its assessment is reused rather than computed again.
    assessment = page.get("assessment")
    if assessment is not None and user.has_perm("documents.add_generateddocument"):
        context["recommended_documents"] = [
            (DocumentKind(kind).label, GenerateDocumentForm.fresh(kind))
            for kind in assessment.result.get("documents", [])
            if kind in DocumentKind.values
        ]
    return context


def letters_to_sign(user, *, page: dict) -> dict | None:
    if not user.has_perm("documents.sign_document"):
        return None
    return {
        "to_sign": documents_for(user)
        .filter(kind__in=SIGNABLE_KINDS, signature__isnull=True)
        .order_by("-generated_at")[:15]
    }
