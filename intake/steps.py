"""The guided intake: one step per section, each saved on its own so nothing is lost.

A step knows which forms it shows and how to save them; the view only dispatches.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.forms import BaseForm
from django.utils import timezone

from . import crypto, forms, roles
from .choices import INTAKE_STEPS, IntakeStep
from .models import Coverage, Patient, Screening

CONFLICT_MESSAGE = "This conflicts with what is already saved; reload the page and try again."


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    help: str

    def build(
        self,
        patient: Patient,
        data: Any = None,
        files: Any = None,
        initial: Any = None,
        user: Any = None,
    ) -> dict[str, Any]:
        """The bound (or unbound, for GET) forms of this step, by name."""
        match self.name:
            case IntakeStep.COVERAGE:
                instance = Coverage.objects.filter(patient=patient).first() or Coverage(
                    patient=patient
                )
                return {"form": forms.CoverageForm(data, instance=instance, initial=initial)}
            case IntakeStep.CLINICAL:
                return {
                    "diagnoses": forms.DiagnosisFormSet(data, instance=patient, prefix="dx"),
                    "scores": forms.SymptomScoreFormSet(data, instance=patient, prefix="score"),
                }
            case IntakeStep.HISTORY:
                return {
                    "trials": forms.TreatmentTrialFormSet(data, instance=patient, prefix="trial")
                }
            case IntakeStep.SCREENING:
                instance = Screening.objects.filter(patient=patient).first() or Screening(
                    patient=patient
                )
                return {"form": forms.ScreeningForm(data, instance=instance)}
            case IntakeStep.REQUEST:
                return {
                    "form": forms.TreatmentRequestForm(
                        data,
                        instance=patient.current_request(),
                        patient=patient,
                        narrative_editable=roles.writes_narrative(user),
                    )
                }
        raise ValueError(f"Step {self.name} has no forms")

    @property
    def next(self) -> str:
        return INTAKE_STEPS[INTAKE_STEPS.index(self.name) + 1]


STEPS = {
    IntakeStep.COVERAGE: Step(
        IntakeStep.COVERAGE, "Medicare coverage", "From the patient's Medicare and plan cards."
    ),
    IntakeStep.CLINICAL: Step(
        IntakeStep.CLINICAL,
        "Diagnoses and symptom scores",
        "ICD-10-CM codes and dated scores (PHQ-9, MADRS, GAD-7, PCL-5, pain).",
    ),
    IntakeStep.HISTORY: Step(
        IntakeStep.HISTORY,
        "Treatment history",
        "Every antidepressant trial in this episode, augmentation, psychotherapy, ECT and TMS.",
    ),
    IntakeStep.SCREENING: Step(
        IntakeStep.SCREENING,
        "Safety screening",
        "Findings that bear on ketamine and esketamine safety.",
    ),
    IntakeStep.REQUEST: Step(
        IntakeStep.REQUEST, "Treatment request", "What the clinician is asking Medicare to cover."
    ),
}


# The MBI typed on the new-intake page, for the coverage step to start with. It is PHI, so
# it waits in the (server-side) session encrypted like the stored MBI, never in a URL.
CARRIED_MBI_KEY = "intake_carried_mbi"


def carry_mbi(session, patient: Patient, mbi: str) -> None:
    if mbi:
        session[CARRIED_MBI_KEY] = {str(patient.pk): crypto.encrypt(mbi)}


def carried_over(session, patient: Patient, step: str) -> dict[str, str] | None:
    """Initial values a step takes from earlier pages: the coverage step, the MBI."""
    token = session.get(CARRIED_MBI_KEY, {}).get(str(patient.pk))
    if step != IntakeStep.COVERAGE or not token or hasattr(patient, "coverage"):
        return None
    return {"mbi": crypto.decrypt(token)}


def forget_carried(session, patient: Patient) -> None:
    carried = session.get(CARRIED_MBI_KEY, {})
    if carried.pop(str(patient.pk), None) is not None:
        session[CARRIED_MBI_KEY] = carried


def is_valid(bound: dict[str, Any]) -> bool:
    # Validate every form so each shows its own errors, not just the first invalid one.
    results = [form.is_valid() for form in bound.values()]
    return all(results)


class StaleEdit(Exception):
    """Someone saved this patient's intake after the form was loaded."""


def claim_version(patient: Patient, loaded_version: int) -> None:
    """Optimistic lock: move the patient from the version the form was loaded at to the next.

    The conditional UPDATE is atomic, so of two saves from the same starting version exactly
    one wins; the other gets StaleEdit and its input is shown back, not lost.
    """
    rows = Patient.objects.filter(pk=patient.pk, lock_version=loaded_version)
    if not rows.update(lock_version=F("lock_version") + 1, updated_at=timezone.now()):
        raise StaleEdit
    patient.refresh_from_db(fields=["lock_version"])


def save_step(step: Step, patient: Patient, bound: dict[str, Any], loaded_version: int) -> bool:
    """Save every form of the step in one transaction; False if the database refused it."""
    try:
        with transaction.atomic():
            claim_version(patient, loaded_version)
            for form in bound.values():
                form.save()
            advance(patient, step.next)
    except IntegrityError:
        # e.g. two rows swapped diagnosis codes, or another user saved meanwhile.
        for form in bound.values():
            if isinstance(form, BaseForm):
                form.add_error(None, CONFLICT_MESSAGE)
            else:
                form.non_form_errors().append(CONFLICT_MESSAGE)
        return False
    return True


def advance(patient: Patient, step_name: str) -> None:
    """Remember how far the guided intake got; never move it backwards."""
    if patient.intake_completed_at is not None:
        return
    if INTAKE_STEPS.index(step_name) > INTAKE_STEPS.index(patient.intake_step):
        patient.intake_step = step_name
        patient.save(update_fields=["intake_step", "updated_at"])


def complete_intake(patient: Patient) -> None:
    if patient.intake_completed_at is None:
        patient.intake_step = IntakeStep.REVIEW
        patient.intake_completed_at = timezone.now()
        patient.save(update_fields=["intake_step", "intake_completed_at", "updated_at"])


def missing_sections(patient: Patient) -> list[str]:
    """Sections the review page asks for before the intake can be finished."""
    missing = []
    if not hasattr(patient, "coverage"):
        missing.append(STEPS[IntakeStep.COVERAGE].title)
    if not patient.diagnoses.exists():
        missing.append("At least one diagnosis")
    if not hasattr(patient, "screening"):
        missing.append(STEPS[IntakeStep.SCREENING].title)
    if not patient.treatment_requests.exists():
        missing.append(STEPS[IntakeStep.REQUEST].title)
    return missing
