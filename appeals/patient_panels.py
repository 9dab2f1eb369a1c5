"""What the patient page shows beyond the intake: assessment, documents, denials."""

from django.utils import timezone

from . import access
from .assessments import current_assessment
from .document_context import DETERMINATION_LABELS, STATUS_LABELS
from .documents import SIGNABLE_KINDS
from .forms import GenerateDocumentForm
from .models import Appeal, Denial, DocumentKind

DETERMINATION_STYLES = {
    "covered": "success",
    "prior_auth_required": "info",
    "medical_necessity_review": "warning",
    "likely_denied": "danger",
    "not_eligible": "dark",
    "incomplete": "secondary",
}


def patient_panels(user, patient) -> dict:
    context: dict = {}
    if user.has_perm("appeals.view_assessment"):
        assessment = current_assessment(patient)
        context["assessment"] = assessment
        if assessment is not None:
            result = assessment.result
            context["assessment_result"] = result
            context["determination_label"] = DETERMINATION_LABELS.get(
                result["determination"], result["determination"]
            )
            context["determination_style"] = DETERMINATION_STYLES.get(
                result["determination"], "secondary"
            )
            context["criteria"] = [
                {**c, "status_label": STATUS_LABELS.get(c["status"], c["status"])}
                for c in result.get("criteria", [])
            ]
            if user.has_perm("appeals.add_generateddocument"):
                context["recommended_documents"] = [
                    (DocumentKind(kind).label, GenerateDocumentForm.fresh(kind))
                    for kind in result.get("documents", [])
                    if kind in DocumentKind.values
                ]
    if user.has_perm("appeals.view_generateddocument"):
        context["documents"] = patient.documents.select_related("signature").order_by(
            "kind", "-version"
        )
    if user.has_perm("appeals.view_denial"):
        context["denials"] = (
            Denial.objects.filter(claim__patient=patient)
            .select_related("claim")
            .prefetch_related("appeals")
        )
    return context


def home_panels(user) -> dict:
    """Each role's work on the home page: letters to sign, appeals by deadline."""
    context: dict = {"today": timezone.localdate()}
    if user.has_perm("appeals.sign_document"):
        context["to_sign"] = (
            access.documents_for(user)
            .filter(kind__in=SIGNABLE_KINDS, signature__isnull=True)
            .order_by("-generated_at")[:15]
        )
    if user.has_perm("appeals.view_appeal") and user.has_perm("appeals.change_appeal"):
        context["due_appeals"] = (
            access.appeals_for(user)
            .filter(status__in=[Appeal.Status.DRAFT, Appeal.Status.READY])
            .order_by("filing_deadline")[:15]
        )
    return context
