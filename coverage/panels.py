"""The coverage assessment panel of the patient page (registered in apps.py)."""

from .assessments import current_assessment
from .labels import DETERMINATION_LABELS, DETERMINATION_STYLES, STATUS_LABELS


def assessment_panel(user, patient, *, page: dict) -> dict | None:
    if not user.has_perm("coverage.view_assessment"):
        return None
    assessment = current_assessment(patient)
    context: dict = {"assessment": assessment}
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
    return context
