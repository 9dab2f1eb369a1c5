"""The facts an argument paragraph may draw from the record, as known on the date of service.

An argument (appeals.models.DenialArgument) names the facts it uses; its paragraph sees only
those (plus the patient, the service and the denial) and is checked against FACT_SCHEMA when
saved. Scores given and treatments started after the date of service are left out; a
narrative written after it is marked (`narrative.recorded_after_service`) so the paragraph
says so; a Letter of Medical Necessity or prior-authorisation request generated after it
does not count as on file that day. Missing facts are empty, never false.
"""

from datetime import date
from typing import Any

from django.utils import timezone

from coverage.contractors import contractor_for_state
from documents import outgoing
from documents.context import clinical_context, narrative_context, request_context
from documents.context_schema import CONTEXT_SCHEMA
from documents.models import DocumentKind

# Always in reach of a paragraph: whose claim, which service, which decision.
BASIC_FACTS = ("patient", "service", "denial")

FACT_SCHEMA: dict[str, Any] = {
    "patient": {"full_name": str, "first_name": str, "last_name": str, "age": int},
    "service": {
        "date": date,
        "last_date": date,
        "codes": [str],
        "modifiers": [str],
        "units": int,
        "diagnosis_codes": [str],
        "claim_number": str,
    },
    "denial": {
        "adjustments": [str],
        "rarc_codes": [str],
        "notice_label": str,
        "notice_date": date,
        "decided_by": str,
    },
    "coverage": {"program": str, "program_label": str, "plan_name": str},
    "contractor": {
        "name": str,
        "jurisdiction": str,
        "articles": [{"id": str, "title": str, "citation": str}],
    },
    # The same shapes as in letters (documents.context_schema), since they come from the same
    # builders (clinical_context).
    "diagnoses": CONTEXT_SCHEMA["diagnoses"],
    "scores": CONTEXT_SCHEMA["scores"],
    "trials": CONTEXT_SCHEMA["trials"],
    "request": {
        "product": str,
        "product_label": str,
        "indication_label": str,
        "dose_mg": int | None,
        "frequency_label": str,
        "planned_sessions": int,
        "codes": [str],
    },
    "narrative": {
        "episode_duration": str,
        "episode_summary": str,
        "functional_impairment": str,
        "why_now": str,
        "alternatives_considered": str,
        "treatment_plan": str,
        "response_measures": str,
        "recorded_after_service": bool,
    },
    "criteria_met": [{"statement": str, "evidence": str, "source": str}],
    "fda_status": str,
    "prior_auth": {"on_file": bool, "requested_on": date | None},
    "lmn": {"on_file": bool, "dated": date | None},
}
FACT_NAMES = tuple(name for name in FACT_SCHEMA if name not in BASIC_FACTS)

# What staff read on the appeal page for each fact (evidence checklist).
FACT_LABELS = {
    "coverage": "Medicare coverage",
    "contractor": "The contractor and its LCDs/articles in force",
    "diagnoses": "Diagnoses",
    "scores": "Symptom scores",
    "trials": "Prior treatments",
    "request": "The treatment ordered",
    "narrative": "The clinician's narrative",
    "criteria_met": "Coverage criteria met",
    "fda_status": "FDA status of the use",
    "prior_auth": "Prior-authorisation request",
    "lmn": "Letter of Medical Necessity",
}


def schema_for(facts: list[str]) -> dict[str, Any]:
    """The part of FACT_SCHEMA a paragraph drawing on `facts` may use."""
    return {name: FACT_SCHEMA[name] for name in (*BASIC_FACTS, *facts) if name in FACT_SCHEMA}


def record_facts(denial, assessment_result: dict[str, Any] | None) -> dict[str, Any]:
    """Every fact of FACT_SCHEMA for the denial's claim, as known on its date of service,
    plus `_notes`: for staff, per fact, what was left out or marked (never printed)."""
    claim = denial.claim
    patient = claim.patient
    service = claim.service_from
    lines = list(claim.lines.all())
    clinical = clinical_context(patient, as_of=service)
    everything = clinical_context(patient)
    req = patient.current_request()
    narrative = narrative_context(req)
    written = timezone.localdate(req.updated_at) if req is not None else None
    coverage = getattr(patient, "coverage", None)
    mac = contractor_for_state(patient.clinic.state, service)
    product = req.product if req else ""
    result = assessment_result or {}
    notes: dict[str, str] = {}
    left_scores = len(everything["scores"]) - len(clinical["scores"])
    if left_scores:
        notes["scores"] = f"{left_scores} score(s) given after the date of service left out"
    left_trials = len(everything["trials"]) - len(clinical["trials"])
    if left_trials:
        notes["trials"] = f"{left_trials} treatment(s) started after the date of service left out"
    recorded_after = written is not None and written > service
    if recorded_after:
        notes["narrative"] = (
            f"last edited {written:%m/%d/%Y}, after the date of service: the letter says so"
        )
    facts = {
        "patient": {
            "full_name": patient.full_name,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "age": patient.age_on(service),
        },
        "service": {
            "date": service,
            "last_date": claim.service_to,
            "codes": [line.code for line in lines],
            "modifiers": sorted(
                {m for line in lines for m in line.modifiers.replace(",", " ").split()}
            ),
            "units": sum(line.units for line in lines),
            "diagnosis_codes": claim.diagnosis_list,
            "claim_number": claim.claim_number,
        },
        "denial": {
            "adjustments": [f"{denial.group_code}-{code}" for code in denial.carc_list],
            "rarc_codes": denial.rarc_list,
            "notice_label": denial.get_notice_type_display(),
            "notice_date": denial.notice_date,
            "decided_by": denial.decided_by,
        },
        "coverage": {
            "program": str(coverage.program) if coverage else "",
            "program_label": str(coverage.get_program_display()) if coverage else "",
            "plan_name": str(coverage.ma_plan_name) if coverage else "",
        },
        # Only the patient's own contractor's articles, in force that day, for the product
        # (reference medicare.md §G: First Coast's A59250 applies only in JN).
        "contractor": {
            "name": mac.name if mac else "",
            "jurisdiction": mac.jurisdiction if mac else "",
            "articles": [
                {"id": a.id, "title": a.title, "citation": a.citation}
                for a in (mac.articles_on(service) if mac else ())
                if not product or product in a.products
            ],
        },
        "diagnoses": [
            d
            for d in clinical["diagnoses"]
            if d["onset_date"] is None or d["onset_date"] <= service
        ],
        "scores": clinical["scores"],
        "trials": clinical["trials"],
        "request": {
            key: str(value) if key in ("product", "product_label", "indication_label") else value
            for key, value in request_context(req).items()
            if key in FACT_SCHEMA["request"]
        },
        "narrative": {
            **{key: narrative[key] for key in FACT_SCHEMA["narrative"] if key in narrative},
            "recorded_after_service": recorded_after,
        },
        # Without the engine's own "a reviewed rule applies" line: its evidence is a rule key.
        "criteria_met": outgoing.evidence(
            {"criteria": [c for c in result.get("criteria", []) if c.get("id") != "coverage.rule"]}
        ),
        "fda_status": str(result.get("fda_status") or ""),
        "prior_auth": _document_on_file(patient, DocumentKind.PRIOR_AUTH, service),
        "lmn": _document_on_file(patient, DocumentKind.LMN, service),
    }
    prior = facts["prior_auth"]
    facts["prior_auth"] = {"on_file": prior["on_file"], "requested_on": prior["dated"]}
    facts["_notes"] = notes
    return facts


def _document_on_file(patient, kind: str, service: date) -> dict[str, Any]:
    """The newest such document generated on or before the date of service."""
    documents = patient.documents.filter(kind=kind).order_by("-generated_at")
    for document in documents:
        day = timezone.localdate(document.generated_at)
        if day <= service:
            return {"on_file": True, "dated": day}
    return {"on_file": False, "dated": None}


def is_on_record(name: str, facts: dict[str, Any]) -> bool:
    """Whether a fact has anything in it (for the staff checklist: "not on record")."""
    value = facts.get(name)
    if name == "contractor":
        return bool(value and value["name"])
    if name in ("prior_auth", "lmn"):
        return bool(value and value["on_file"])
    if name == "narrative":
        return bool(value and value.get("why_now"))
    if name == "request":
        return bool(value and value.get("product"))
    if name == "coverage":
        return bool(value and value.get("program"))
    return bool(value)
