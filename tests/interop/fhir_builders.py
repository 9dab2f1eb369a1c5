"""Minimal valid FHIR R4 resources for the interop tests, as plain dicts."""

from typing import Any

from interop.fhir_intake import parse_fhir
from interop.fhir_types import FhirImport


def patient(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana", "Luisa"]}],
        "gender": "female",
        "birthDate": "1950-04-02",
        **extra,
    }


def observation(loinc: str, display: str = "", **extra: Any) -> dict[str, Any]:
    coding = {"system": "http://loinc.org", "code": loinc}
    if display:
        coding["display"] = display
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [coding]},
        "effectiveDateTime": "2025-03-04",
        **extra,
    }


def condition(*codings: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
        **extra,
    }


def coverage(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Coverage",
        "id": "cov1",
        "status": "active",
        "beneficiary": {"reference": "Patient/p1"},
        "payor": [{"reference": "Organization/payer"}],
        **extra,
    }


def one(resource: dict[str, Any]) -> FhirImport:
    return parse_fhir(resource)
