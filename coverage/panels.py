"""The coverage assessment panel of the patient page (registered in apps.py)."""

from django.urls import reverse

from intake.steps import STEPS

from .assessments import current_assessment
from .labels import (
    DETERMINATION_LABELS,
    DETERMINATION_STYLES,
    SOURCE_KIND_LABELS,
    STATUS_LABELS,
)


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
            {
                **c,
                "status_label": STATUS_LABELS.get(c["status"], c["status"]),
                "source_kind_label": SOURCE_KIND_LABELS.get(c.get("source_kind", ""), ""),
            }
            for c in result.get("criteria", [])
        ]
        context["missing_items"] = linked(result.get("missing", []), patient, "fact")
        context["advice_items"] = linked(result.get("advice", []), patient, "text")
    return context


def step_url(patient, step: str) -> str:
    """The intake page that records a fact, from the engine's step key ("" when none does)."""
    if step == "patient":
        return reverse("intake:patient-edit", args=[patient.pk])
    if step in STEPS:
        return reverse("intake:intake-step", args=[patient.pk, step])
    return ""


def linked(items: list, patient, text_key: str) -> list[dict]:
    """Missing facts or advice as {text, url, step_title}; assessments stored before
    issue 13 hold plain strings, shown without a link."""
    out = []
    for item in items:
        if isinstance(item, str):
            out.append({"text": item, "url": "", "step_title": ""})
            continue
        step = item.get("step", "")
        title = "Patient details" if step == "patient" else getattr(STEPS.get(step), "title", "")
        out.append(
            {"text": item.get(text_key, ""), "url": step_url(patient, step), "step_title": title}
        )
    return out
