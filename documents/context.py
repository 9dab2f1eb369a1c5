"""Build the plain-dict context that letter templates see (schema: docs/templates.md).

Templates never receive model instances: only the values listed here, so a template
cannot reach methods, settings or other patients' data.
"""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from coverage.models import Assessment
from documents import outgoing
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


def clinical_context(patient: Patient, as_of: date | None = None) -> dict[str, Any]:
    """Diagnoses, scores, treatments and screening; with `as_of` (the date of service) a
    score given or a treatment started after that day is left out: a letter argues from
    what was known when the service was given."""
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
            if as_of is None or s.administered_on <= as_of
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
            if as_of is None or t.start_date is None or t.start_date <= as_of
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


def episode_duration(onset: date | None, on: date | None) -> str:
    """How long the episode had lasted on `on`, in the words of a letter ("about 14 months")."""
    if onset is None or on is None or on < onset:
        return ""
    days = (on - onset).days
    if days < 60:
        weeks = max(days // 7, 1)
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    months = round(days / 30.44)
    if months < 24:
        return f"about {months} months"
    years, rest = divmod(months, 12)
    return f"about {years} years" + (f" and {rest} month{'s' if rest != 1 else ''}" if rest else "")


def narrative_context(req: TreatmentRequest | None) -> dict[str, Any]:
    """The clinician's narrative, as written on the treatment request (plain text)."""
    texts = {
        name: getattr(req, name) if req else "" for name in TreatmentRequest.REQUIRED_NARRATIVE
    }
    onset = req.episode_onset if req else None
    return {
        "episode_onset": onset,
        "episode_duration": episode_duration(onset, req.requested_start if req else None),
        **texts,
        "complete": req is not None and not req.missing_narrative(),
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
    """The recipient-facing part of the assessment (documents/outgoing.py): no rule keys,
    engine summary, VERIFY notes, warnings, advice or next steps; those stay on the staff
    pages."""
    result: dict[str, Any] = assessment.result if assessment is not None else {}
    determination = result.get("determination", "incomplete")
    return {
        "determination": determination,
        "determination_label": outgoing.PATIENT_DETERMINATION_LABELS.get(determination, ""),
        "fda_status": result.get("fda_status") or "",
        "fda_status_label": outgoing.FDA_STATUS_LABELS.get(result.get("fda_status") or "", ""),
        "evidence": outgoing.evidence(result),
        "citations": outgoing.public_citations(list(result.get("citations", []))),
    }


def abn_context(req: TreatmentRequest | None, assessment: Assessment | None) -> dict[str, Any]:
    reason = outgoing.abn_reason(assessment.result if assessment is not None else {})
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
        # The requested start is the date of service the letter argues for; an appeal
        # letter passes the claim's own (appeals/letters.py as_of_service).
        **clinical_context(patient, as_of=req.requested_start if req else None),
        "request": request_context(req),
        "narrative": narrative_context(req),
        "provider": provider_context(req.ordering_provider if req else None),
        "assessment": assessment_context(assessment),
        "abn": abn_context(req, assessment),
        "payer": payer_context(patient),
        "enclosures": enclosures if enclosures is not None else default_enclosures(kind),
        "signature": signature or unsigned(),
    }
    if extra:
        context.update(extra)
    return context


def unsigned() -> dict[str, Any]:
    return {
        "signed": False,
        "name": "",
        "credentials": "",
        "npi": "",
        "signed_at": None,
        "image_url": None,
    }


def default_enclosures(kind: str) -> list[str]:
    if kind in (DocumentKind.LMN, DocumentKind.PRIOR_AUTH):
        return [
            "Treatment history with dates, doses and outcomes",
            "Symptom rating scales (baseline and current)",
            "Safety screening",
        ]
    return []
