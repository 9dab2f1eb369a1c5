"""Condition, MedicationRequest/MedicationStatement and Observation → intake clinical data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from intake import validators

from .drug_classes import classify
from .fhir_common import (
    ICD10_WHO,
    ICD10CM,
    LOINC,
    RXNORM,
    Refuse,
    Skip,
    any_code_text,
    as_date,
    codes_of,
    concept_text,
    display_of,
    period_dates,
    staff_message,
)
from .fhir_types import BloodPressureData, DiagnosisData, Instrument, ScoreData, TrialData

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/condition-category"


def _today() -> date:
    return date.today()


# --- Condition -------------------------------------------------------------------------------


def read_condition(condition: Any) -> tuple[DiagnosisData, list[str]]:
    verification = codes_of(condition.verificationStatus, CONDITION_VERIFICATION)
    if {"refuted", "entered-in-error"} & set(verification):
        raise Skip(f"The diagnosis is marked {verification[0]}.")
    codes = codes_of(condition.code, ICD10CM)
    if not codes:
        described = concept_text(condition.code) or "no text"
        if codes_of(condition.code, ICD10_WHO):
            raise Skip(
                f"Coded in WHO ICD-10, not ICD-10-CM ({described}); enter the ICD-10-CM code."
            )
        raise Skip(f"No ICD-10-CM code ({described}); diagnoses are recorded in ICD-10-CM.")
    code = codes[0]
    try:
        validators.validate_icd10_billable(code)
    except ValidationError as exc:
        raise Refuse(f"ICD-10-CM code {code} not accepted: {staff_message(exc)}") from None
    notes = []
    others = sorted({validators.normalize_icd10(c) for c in codes[1:]} - {code})
    if others:
        notes.append(f"Also coded {', '.join(others)}; only {code} was taken.")
    onset = as_date(condition.onsetDateTime)
    if onset is None and condition.onsetPeriod is not None:
        onset = as_date(condition.onsetPeriod.start)
    categories = [
        c
        for concept in condition.category or []
        for c in codes_of(concept, CONDITION_CATEGORY) + codes_of(concept, US_CORE_CATEGORY)
    ]
    clinical = codes_of(condition.clinicalStatus, CONDITION_CLINICAL)
    normalised = validators.normalize_icd10(code)
    data = DiagnosisData(
        code=normalised,
        description=display_of(condition.code, ICD10CM) or validators.icd10_description(code),
        onset_date=onset,
        clinical_status=clinical[0] if clinical else "",
        category=categories[0] if categories else "",
    )
    return data, notes


# --- Medication → prior treatment trial ------------------------------------------------------

# Timing.repeat.periodUnit → days (R4 UnitsOfTime); other units are not turned into a daily dose.
_PERIOD_DAYS = {"d": Decimal(1), "wk": Decimal(7), "h": Decimal(1) / Decimal(24)}


def _medication_name(resource: Any, medications: dict[str, Any]) -> tuple[str, str]:
    concept = resource.medicationCodeableConcept
    if concept is None and resource.medicationReference is not None:
        medication = medications.get(str(resource.medicationReference.reference or ""))
        concept = getattr(medication, "code", None)
        if concept is None:
            display = str(resource.medicationReference.display or "")
            return display, ""
    rxnorm = codes_of(concept, RXNORM)
    return concept_text(concept), (rxnorm[0] if rxnorm else "")


def _dose(dosages: Any) -> tuple[str, Decimal | None]:
    dosage = (dosages or [None])[0]
    if dosage is None:
        return "", None
    text = str(dosage.text or "")
    rate = (dosage.doseAndRate or [None])[0]
    quantity = getattr(rate, "doseQuantity", None)
    if quantity is None or quantity.value is None:
        return text, None
    unit = str(quantity.code or quantity.unit or "")
    text = text or f"{quantity.value:g} {unit}".strip()
    repeat = getattr(getattr(dosage, "timing", None), "repeat", None)
    if unit.lower() != "mg" or repeat is None or not repeat.frequency or not repeat.period:
        return text, None
    days = _PERIOD_DAYS.get(str(repeat.periodUnit or ""))
    if days is None:
        return text, None
    per_day = (
        Decimal(str(quantity.value))
        * Decimal(repeat.frequency)
        / (Decimal(str(repeat.period)) * days)
    )
    return text, per_day.quantize(Decimal("0.01"))


def _trial_dates(resource: Any) -> tuple[date | None, date | None]:
    if resource.get_resource_type() == "MedicationStatement":
        if resource.effectivePeriod is not None:
            return period_dates(resource.effectivePeriod)
        return as_date(resource.effectiveDateTime), None
    # MedicationRequest: the dosage's bounds, else the dispense validity, else when written.
    for dosage in resource.dosageInstruction or []:
        repeat = getattr(getattr(dosage, "timing", None), "repeat", None)
        if repeat is not None and repeat.boundsPeriod is not None:
            return period_dates(repeat.boundsPeriod)
    validity = getattr(resource.dispenseRequest, "validityPeriod", None)
    if validity is not None:
        return period_dates(validity)
    return as_date(resource.authoredOn), None


def read_medication(resource: Any, medications: dict[str, Any]) -> tuple[TrialData, list[str]]:
    if resource.status in ("entered-in-error", "cancelled", "draft", "not-taken"):
        raise Skip(f"The medication is marked {resource.status}.")
    name, rxnorm = _medication_name(resource, medications)
    if not name:
        raise Refuse("The medication has no name or code text.")
    match = classify(name)
    if match is None:
        raise Skip(
            f"{name} is not an antidepressant or augmentation drug; prior treatment trials "
            "record depression treatments (enter it by hand if it was one)."
        )
    kind, drug_class = match
    dosages = (
        resource.dosageInstruction
        if resource.get_resource_type() == "MedicationRequest"
        else resource.dosage
    )
    dose, dose_mg = _dose(dosages)
    start, end = _trial_dates(resource)
    if start and end and end < start:
        raise Refuse("The medication's end date is before its start date.")
    if (start and start > _today()) or (end and end > _today()):
        raise Refuse("A medication date is in the future.")
    notes = []
    if start is None:
        notes.append("No start date; enter the trial's length by hand.")
    data = TrialData(
        kind=kind,
        drug_name=name,
        drug_class=drug_class,
        dose=dose,
        dose_mg=dose_mg,
        start_date=start,
        end_date=end,
        status=str(resource.status or ""),
        rxnorm=rxnorm,
    )
    return data, notes


# --- Observation -----------------------------------------------------------------------------

PHQ9_TOTAL = "44261-6"  # PHQ-9 total score [Reported] (US Core screening assessment examples)
PHQ9_PANEL = "44249-1"  # PHQ-9 quick depression assessment panel
# The nine PHQ-9 questions and the difficulty question (LOINC panel 44249-1 members).
PHQ9_ITEMS = frozenset(
    [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
        "69722-7",
    ]
)
GAD7_TOTAL = "70274-6"  # GAD-7 total score [Reported.PHQ]
# VERIFY: no LOINC code for the MADRS total score could be confirmed from a primary source
# (loinc.org) while this was written; add it here once checked. Until then a MADRS total is
# recognised by its code's name (see _MADRS_NAME) and the import says so in its notes.
MADRS_TOTAL_CODES: frozenset[str] = frozenset()
_MADRS_NAME = re.compile(r"\b(MADRS|Montgomery[-\s]*[AÅ]sberg)\b", re.IGNORECASE)
BP_PANEL = "85354-9"  # Blood pressure panel (US Core / FHIR vital signs profile)
BP_SYSTOLIC = "8480-6"
BP_DIASTOLIC = "8462-4"

# intake.choices.INSTRUMENT_RANGES, restated so this module needs no Django models.
SCORE_RANGES: dict[Instrument, tuple[int, int]] = {
    "phq9": (0, 27),
    "madrs": (0, 60),
    "gad7": (0, 21),
}
SCORE_NAMES: dict[Instrument, str] = {"phq9": "PHQ-9", "madrs": "MADRS", "gad7": "GAD-7"}
_WHOLE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")


def _effective_day(observation: Any) -> date:
    day = as_date(observation.effectiveDateTime) or as_date(
        getattr(observation.effectivePeriod, "start", None)
    )
    if day is None:
        raise Refuse("The observation has no full date (effectiveDateTime).")
    if day > _today():
        raise Refuse("The observation's date is in the future.")
    return day


def _score_value(observation: Any, notes: list[str]) -> int:
    if observation.valueInteger is not None:
        return int(observation.valueInteger)
    quantity = observation.valueQuantity
    if quantity is not None and quantity.value is not None:
        value = Decimal(str(quantity.value))
        if value != value.to_integral_value():
            raise Refuse(f"The score {value} is not a whole number.")
        return int(value)
    if observation.valueString is not None and _WHOLE_NUMBER.match(observation.valueString):
        # US Core's own PHQ-9 example sends valueString "12"; a score is a number, so read it
        # and tell staff, rather than lose it.
        notes.append(
            f"The score was sent as text (“{observation.valueString}”) and read as a number."
        )
        return int(observation.valueString)
    raise Refuse("The observation has no numeric score.")


def _instrument(observation: Any) -> tuple[Instrument, str, str] | None:
    loinc = codes_of(observation.code, LOINC)
    if PHQ9_TOTAL in loinc:
        return "phq9", PHQ9_TOTAL, ""
    if GAD7_TOTAL in loinc:
        return "gad7", GAD7_TOTAL, ""
    madrs = MADRS_TOTAL_CODES & set(loinc)
    if madrs:
        return "madrs", min(madrs), ""
    if _MADRS_NAME.search(any_code_text([observation.code])):
        return "madrs", "", "Recognised as a MADRS total by its name; check it is the total."
    return None


def _component_value(observation: Any, code: str) -> int | None:
    for component in observation.component or []:
        if code in codes_of(component.code, LOINC) and component.valueQuantity is not None:
            value = component.valueQuantity.value
            return None if value is None else int(round(Decimal(str(value))))
    return None


def _blood_pressure(observation: Any) -> BloodPressureData:
    systolic = _component_value(observation, BP_SYSTOLIC)
    diastolic = _component_value(observation, BP_DIASTOLIC)
    if systolic is None or diastolic is None:
        missing = "systolic" if systolic is None else "diastolic"
        raise Refuse(f"The blood pressure reading has no {missing} number.")
    # The same bounds as intake.models.Screening.clean().
    if not 60 <= systolic <= 300:
        raise Refuse(f"Systolic pressure {systolic} is outside 60-300.")
    if not 30 <= diastolic <= 200:
        raise Refuse(f"Diastolic pressure {diastolic} is outside 30-200.")
    if diastolic >= systolic:
        raise Refuse("Diastolic pressure must be lower than systolic.")
    return BloodPressureData(
        systolic=systolic, diastolic=diastolic, taken_on=_effective_day(observation)
    )


def read_observation(observation: Any) -> tuple[ScoreData | BloodPressureData, list[str]]:
    if observation.status in ("cancelled", "entered-in-error", "registered"):
        raise Skip(f"The observation is marked {observation.status}.")
    loinc = codes_of(observation.code, LOINC)
    if BP_PANEL in loinc:
        return _blood_pressure(observation), []
    if PHQ9_PANEL in loinc:
        raise Skip("PHQ-9 panel: only the PHQ-9 total score (LOINC 44261-6) is imported.")
    if PHQ9_ITEMS & set(loinc):
        raise Skip(
            "A single PHQ-9 question: only the PHQ-9 total score (LOINC 44261-6) is imported."
        )
    found = _instrument(observation)
    if found is None:
        described = concept_text(observation.code) or "no name"
        codes = f" (LOINC {', '.join(loinc)})" if loinc else ""
        raise Skip(f"Not a score or blood pressure the intake records: {described}{codes}.")
    instrument, code, note = found
    notes = [note] if note else []
    score = _score_value(observation, notes)
    low, high = SCORE_RANGES[instrument]
    if not low <= score <= high:
        raise Refuse(
            f"{SCORE_NAMES[instrument]} scores run from {low} to {high}; this one is {score}."
        )
    data = ScoreData(
        instrument=instrument, score=score, administered_on=_effective_day(observation), loinc=code
    )
    return data, notes
