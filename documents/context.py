"""Build the plain-dict context that letter templates see (schema: docs/templates.md).

Templates never receive model instances: only the values listed here, so a template
cannot reach methods, settings or other patients' data.
"""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from coverage.labels import DETERMINATION_LABELS, STATUS_LABELS
from coverage.models import Assessment
from documents.models import DocumentKind
from intake.choices import INSTRUMENT_RANGES, Instrument
from intake.models import Patient, Provider, TreatmentRequest

YES_NO = {True: "Yes", False: "No", None: "Unknown"}

# ABN form facts (medicare.md §D): the CMS-R-131 version expiring 2029-03-31 is mandatory
# from 2026-05-12. Kept here as data for the template's footer.
ABN_OMB_NUMBER = "0938-0566"
ABN_FORM_EXPIRY = "03/31/2029"

SCREENING_FIELDS = [
    "psychosis_history",
    "uncontrolled_hypertension",
    "pregnant",
    "active_substance_use_disorder",
    "cardiovascular_disease",
    "aneurysmal_vascular_disease",
    "intracerebral_hemorrhage",
    "ketamine_hypersensitivity",
]


def clinic_context(clinic) -> dict[str, Any]:
    return {
        "name": clinic.name,
        "address_lines": clinic.address_lines,
        "phone": clinic.phone,
        "fax": clinic.fax,
        "npi": clinic.npi,
        "logo_url": None,
        "rems_setting_id": clinic.rems_setting_id,
    }


def patient_context(patient: Patient, today: date) -> dict[str, Any]:
    coverage = getattr(patient, "coverage", None)
    return {
        "full_name": patient.full_name,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth,
        "age": patient.age_on(today),
        "sex": patient.get_sex_display(),
        "address_lines": patient.address_lines,
        "phone": patient.phone,
        "chart_number": f"KC-{patient.pk:06d}",
        "mbi": coverage.mbi if coverage else "",
    }


def coverage_context(patient: Patient) -> dict[str, Any]:
    coverage = getattr(patient, "coverage", None)
    if coverage is None:
        return {
            "program": "none",
            "program_label": "Not recorded",
            "plan_name": "",
            "member_id": "",
            "part_d_plan": "",
            "medigap_plan": "",
            "medicaid_dual_label": "",
        }
    advantage = coverage.program == "advantage"
    return {
        "program": coverage.program,
        "program_label": coverage.get_program_display(),
        "plan_name": coverage.ma_plan_name if advantage else "Original Medicare",
        "member_id": coverage.ma_member_id if advantage else coverage.mbi,
        "part_d_plan": coverage.part_d_plan_name,
        "medigap_plan": coverage.medigap_plan,
        "medicaid_dual_label": coverage.get_medicaid_dual_display(),
    }


def clinical_context(patient: Patient) -> dict[str, Any]:
    screening = getattr(patient, "screening", None)
    findings = []
    if screening is not None:
        findings = [
            {
                "label": str(screening._meta.get_field(name).verbose_name).capitalize(),
                "value_label": YES_NO[getattr(screening, name)],
            }
            for name in SCREENING_FIELDS
        ]
    return {
        "diagnoses": [
            {
                "code": dx.code,
                "description": dx.description,
                "is_primary": dx.is_primary,
                "onset_date": dx.onset_date,
            }
            for dx in patient.diagnoses.all()
        ],
        "scores": [
            {
                "instrument_label": s.get_instrument_display(),
                "score": s.score,
                "max_score": INSTRUMENT_RANGES[Instrument(s.instrument)][1],
                "administered_on": s.administered_on,
            }
            for s in patient.scores.order_by("instrument", "administered_on")
        ],
        "trials": [
            {
                "kind_label": t.get_kind_display(),
                "drug": t.drug_name,
                "drug_class_label": t.get_drug_class_display() if t.drug_class else "",
                "dose": t.dose,
                "start_date": t.start_date,
                "end_date": t.end_date,
                "weeks": t.weeks,
                "adherence_label": t.get_adherence_display(),
                "outcome_label": t.get_outcome_display(),
                "current_episode": t.current_episode,
            }
            for t in patient.trials.all()
        ],
        "screening": {
            "findings": findings,
            "blood_pressure": screening.blood_pressure if screening else "",
            "bp_taken_on": screening.bp_taken_on if screening else None,
            "screened_on": screening.screened_on if screening else None,
        },
    }


# Dosing schedules from the Spravato label §2 (medicare.md §A "Dosing"); IV ketamine has no
# labelled psychiatric schedule, so the letter states the ordered number of infusions.
ESKETAMINE_SCHEDULES = {
    "trd": "Twice weekly, weeks 1–4; weekly, weeks 5–8; then every 1–2 weeks (Spravato label)",
    "mdd_si": "Twice weekly for 4 weeks (Spravato label)",
}


def frequency_label(req: TreatmentRequest) -> str:
    if req.product == "esketamine":
        return ESKETAMINE_SCHEDULES.get(req.indication, "")
    return f"{req.planned_sessions} infusions as ordered by the treating provider"


def request_context(req: TreatmentRequest | None) -> dict[str, Any]:
    if req is None:
        return {
            "frequency_label": "",
            "product": "",
            "product_label": "",
            "indication_label": "",
            "with_oral_antidepressant_label": "",
            "dose_mg": None,
            "planned_sessions": 0,
            "codes": [],
            "requested_start": None,
        }
    return {
        "product": req.product,
        "product_label": req.get_product_display(),
        "indication_label": req.get_indication_display(),
        "with_oral_antidepressant_label": YES_NO[req.with_oral_antidepressant],
        "dose_mg": req.dose_mg,
        "planned_sessions": req.planned_sessions,
        "codes": req.code_list,
        "requested_start": req.requested_start,
        "frequency_label": frequency_label(req),
    }


def provider_context(provider: Provider | None) -> dict[str, Any]:
    if provider is None:
        return {"full_name": "", "credentials": "", "npi": "", "specialty": ""}
    return {
        "full_name": f"{provider.first_name} {provider.last_name}",
        "credentials": provider.credentials,
        "npi": provider.npi,
        "specialty": provider.specialty,
    }


def assessment_context(assessment: Assessment | None) -> dict[str, Any]:
    if assessment is None:
        result: dict[str, Any] = {}
    else:
        result = assessment.result
    policy = assessment.policy if assessment else None
    determination = result.get("determination", "incomplete")
    return {
        "determination": determination,
        "determination_label": DETERMINATION_LABELS.get(determination, determination),
        "summary": result.get("summary", ""),
        "fda_status_label": _label(result.get("fda_status", "")),
        "coverage_path_label": _label(result.get("coverage_path", "")),
        "policy_label": policy.title if policy else "",
        "policy_version": policy.version if policy else None,
        "criteria": [
            {**c, "status_label": STATUS_LABELS.get(c.get("status", ""), c.get("status", ""))}
            for c in result.get("criteria", [])
        ],
        "modifiers": list(result.get("modifiers", [])),
        # Texts only: the engine's items also carry an intake step key, which is for the
        # staff pages (assessments stored before issue 13 hold plain strings).
        "missing": [_text(m, "fact") for m in result.get("missing", [])],
        "advice": [_text(a, "text") for a in result.get("advice", [])],
        "warnings": list(result.get("warnings", [])),
        "next_steps": list(result.get("next_steps", [])),
        "citations": list(result.get("citations", [])),
    }


def _text(item: Any, text_key: str) -> str:
    """A missing fact or an advice item as its text, whichever way it was stored."""
    return item if isinstance(item, str) else str(item.get(text_key, ""))


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize() if value else ""


def abn_context(req: TreatmentRequest | None, assessment: dict[str, Any]) -> dict[str, Any]:
    reason = assessment.get("summary") or (
        "Medicare does not pay for this treatment when it does not meet Medicare's rules for "
        "medical necessity."
    )
    items = []
    if req is not None:
        items.append(
            {
                "service": f"{req.get_product_display()}, {req.planned_sessions} sessions "
                f"({', '.join(req.code_list)})",
                "reason": reason,
                "estimated_cost": "",
            }
        )
    return {
        "items": items,
        "omb_number": ABN_OMB_NUMBER,
        "form_expiry": ABN_FORM_EXPIRY,
        "additional_information": "",
    }


def payer_context(patient: Patient) -> dict[str, Any]:
    coverage = getattr(patient, "coverage", None)
    if coverage is not None and coverage.program == "advantage":
        return {"name": coverage.ma_plan_name, "address_lines": []}
    return {"name": "Medicare Administrative Contractor", "address_lines": []}


def build_context(
    kind: str,
    patient: Patient,
    *,
    assessment: Assessment | None,
    version: int,
    enclosures: list[str] | None = None,
    signature: dict[str, Any] | None = None,
    now: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    req = assessment.treatment_request if assessment else patient.current_request()
    assessment_ctx = assessment_context(assessment)
    context = {
        "today": today,
        "document": {
            "kind": str(kind),
            "title": DocumentKind(kind).label,
            "version": version,
        },
        "clinic": clinic_context(patient.clinic),
        "patient": patient_context(patient, today),
        "coverage": coverage_context(patient),
        **clinical_context(patient),
        "request": request_context(req),
        "provider": provider_context(req.ordering_provider if req else None),
        "assessment": assessment_ctx,
        "abn": abn_context(req, assessment_ctx),
        "payer": payer_context(patient),
        "enclosures": enclosures if enclosures is not None else default_enclosures(kind),
        "signature": signature or unsigned(),
    }
    if extra:
        context.update(extra)
    return context


def unsigned() -> dict[str, Any]:
    return {"signed": False, "name": "", "credentials": "", "signed_at": None, "image_url": None}


def default_enclosures(kind: str) -> list[str]:
    if kind in (DocumentKind.LMN, DocumentKind.PRIOR_AUTH):
        return [
            "Treatment history with dates, doses and outcomes",
            "Symptom rating scales (baseline and current)",
            "Safety screening",
        ]
    return []
