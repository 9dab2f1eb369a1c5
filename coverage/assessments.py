"""Keep each patient's coverage assessment current, and keep every past one.

The engine (coverage.engine) is pure; this module is its only bridge to the database:
it turns intake rows into facts, loads the rules in force, and stores the result.
"""

import hashlib
import json
from dataclasses import asdict
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from coverage import engine as coverage
from coverage.contractors import contractor_for_state
from coverage.engine.facts import (
    CoverageFacts,
    Diagnosis,
    IntakeFacts,
    RequestFacts,
    Score,
    Screening,
    Trial,
)
from coverage.models import Assessment, CoveragePolicy
from intake.models import Patient, TreatmentRequest

SCREENING_FIELDS = [f for f in Screening.__dataclass_fields__]


def facts_for(patient: Patient, req: TreatmentRequest, on: date | None = None) -> IntakeFacts:
    """The intake as the engine's plain input, as known on `on` (default: the requested start).

    With an earlier `on` (an appeal's date of service) scores and treatments recorded after
    that day are left out, so the facts are those the decision could have relied on.
    """
    known_on = on
    on = on or req.requested_start
    cov = getattr(patient, "coverage", None)
    screening = getattr(patient, "screening", None)
    # The MAC of the state where the service is given: only its articles are cited.
    contractor = contractor_for_state(patient.clinic.state, on)
    return IntakeFacts(
        contractor=contractor.facts(on) if contractor else None,
        age=patient.age_on(on),
        diagnoses=tuple(
            Diagnosis(code=d.code, is_primary=d.is_primary) for d in patient.diagnoses.all()
        ),
        scores=tuple(
            Score(instrument=s.instrument, score=s.score, administered_on=s.administered_on)
            for s in patient.scores.all()
            if known_on is None or s.administered_on <= known_on
        ),
        trials=tuple(
            Trial(
                kind=t.kind,
                drug=t.drug_name,
                drug_class=t.drug_class,
                dose=t.dose,
                dose_mg=float(t.dose_mg) if t.dose_mg is not None else None,
                weeks=t.weeks,
                adherence=t.adherence,
                outcome=t.outcome,
                adequate_dose=t.adequate_dose,
                current_episode=t.current_episode,
            )
            for t in patient.trials.all()
            if known_on is None or t.start_date is None or t.start_date <= known_on
        ),
        screening=(
            Screening(**{name: getattr(screening, name) for name in SCREENING_FIELDS})
            if screening
            else None
        ),
        coverage=(
            CoverageFacts(
                program=cov.program,
                active_on_request_date=cov.active_on(on),
                ma_requires_prior_auth=cov.ma_requires_prior_auth,
                has_part_d=bool(cov.part_d_plan_name),
                medicaid_dual=cov.medicaid_dual,
            )
            if cov
            else None
        ),
        request=RequestFacts(
            product=req.product,
            indication=req.indication,
            with_oral_antidepressant=req.with_oral_antidepressant,
            patient_rems_enrolled=req.patient_rems_enrolled,
            site_rems_certified=patient.clinic.rems_certified,
            dose_mg=req.dose_mg,
            planned_sessions=req.planned_sessions,
            codes=tuple(req.code_list),
            requested_start=on,
        ),
    )


def policies_in_db(clinic=None) -> dict[tuple[str, int], CoveragePolicy]:
    """The rules in force for a clinic's patients: its own versions, else the defaults."""
    return {(p.key, p.version): p for p in CoveragePolicy.objects.current(clinic)}


def current_assessment(patient: Patient) -> Assessment | None:
    """The assessment of the patient's current request, recomputed if anything changed.

    A new row is stored only when the facts or the rules differ from the last one, so the
    history shows each real change and repeated page views add nothing.
    """
    req = patient.current_request()
    if req is None:
        return None
    facts = facts_for(patient, req)
    rows = policies_in_db(patient.clinic_id)
    result = coverage.assess(
        facts, [row.to_policy() for row in rows.values()], on=req.requested_start
    )
    # Through JSON and back: the stored row and the returned object then hold the same
    # plain strings (the engine's enums would otherwise linger in memory).
    payload = json.loads(json.dumps(result.to_dict(), cls=DjangoJSONEncoder))
    facts_json = json.loads(json.dumps(_asdict(facts), cls=DjangoJSONEncoder))
    digest = hashlib.sha256(
        json.dumps([facts_json, payload], sort_keys=True, cls=DjangoJSONEncoder).encode()
    ).hexdigest()
    latest = patient.assessments.filter(treatment_request=req).first()
    if latest is not None and latest.facts_hash == digest:
        return latest
    policy = rows.get((result.policy_key, result.policy_version)) if result.policy_key else None
    with transaction.atomic():
        # Staff opening the same patient at once: the row lock lets one store the new
        # assessment and the others find it, instead of each storing a copy.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        latest = patient.assessments.filter(treatment_request=req).first()
        if latest is not None and latest.facts_hash == digest:
            return latest
        return Assessment.objects.create(
            patient=patient,
            treatment_request=req,
            policy=policy,
            determination=str(result.determination),
            assessed_for=req.requested_start,
            facts=facts_json,
            facts_hash=digest,
            result=payload,
        )


def _asdict(facts: IntakeFacts) -> dict:
    return asdict(facts)


def assessment_on(patient: Patient, on: date) -> dict | None:
    """What the rules say for the patient's request as of `on` (e.g. the date of service).

    Not stored: used to draft appeal arguments about a past date.
    """
    req = patient.current_request()
    if req is None:
        return None
    facts = facts_for(patient, req, on=on)
    result = assess_on(facts, on, clinic=patient.clinic_id)
    return json.loads(json.dumps(result.to_dict(), cls=DjangoJSONEncoder))


def assess_on(facts: IntakeFacts, on: date, *, clinic=None):
    """Assess plain facts against the rules in the database (for commands and the API):
    `clinic`'s own rules where it has them, else the shared defaults."""
    rules = CoveragePolicy.objects.current(clinic)
    return coverage.assess(facts, [p.to_policy() for p in rules], on=on)
