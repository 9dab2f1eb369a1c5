"""Read a FHIR R4 JSON file (a Bundle, one resource, or a JSON list of resources) into intake data.

Each resource is checked against the base FHIR schema with fhir.resources' R4B models (see
docs/interop.md for why R4B reads R4 files), then mapped to plain intake data by the
fhir_people, fhir_coverage and fhir_clinical modules. Nothing is written anywhere: the caller
decides what to save. Every resource ends up in exactly one of items, skipped or errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as SchemaError

from .fhir_clinical import read_condition, read_medication, read_observation
from .fhir_common import Refuse, Skip
from .fhir_coverage import read_coverage
from .fhir_people import read_organization, read_patient, read_practitioner
from .fhir_types import (
    FhirImport,
    IntakeData,
    NotFhir,
    ParsedResource,
    RejectedResource,
    SkippedResource,
)

__all__ = ["NotFhir", "parse_fhir", "parse_fhir_json"]

# Larger than any intake a clinic sends; a bigger file is refused before JSON parsing.
MAX_BYTES = 20 * 1024 * 1024

_NOT_IMPORTED = {
    "QuestionnaireResponse": (
        "Questionnaire answers are not imported; the PHQ-9 total score comes from its "
        "Observation (LOINC 44261-6)."
    ),
    "Medication": "Read only as the drug named by a MedicationRequest or MedicationStatement.",
    "Bundle": "A Bundle inside a Bundle is not read.",
}


def parse_fhir_json(text: str | bytes) -> FhirImport:
    """Parse the bytes or text of an uploaded file. Raises NotFhir if it is not FHIR JSON."""
    if len(text) > MAX_BYTES:
        raise NotFhir(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotFhir("The file is not UTF-8 text (FHIR JSON is always UTF-8).") from None
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise NotFhir(f"Not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise NotFhir("Not usable JSON: nested too deeply.") from None
    return parse_fhir(document)


def parse_fhir(document: Any) -> FhirImport:
    """Parse an already-decoded JSON value. Raises NotFhir if it holds no FHIR resource."""
    resources = list(_resources(document))
    index = _Index(resources)
    items: list[ParsedResource] = []
    skipped: list[SkippedResource] = []
    errors: list[RejectedResource] = []
    for position, raw in resources:
        outcome = _parse_one(position, raw, index)
        if isinstance(outcome, ParsedResource):
            items.append(outcome)
        elif isinstance(outcome, SkippedResource):
            skipped.append(outcome)
        else:
            errors.append(outcome)
    return FhirImport(items=tuple(items), skipped=tuple(skipped), errors=tuple(errors))


def _is_resource_type(name: Any) -> bool:
    if not isinstance(name, str) or not name.isalpha():
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return bool(model.has_resource_base())


def _resources(document: Any) -> Iterator[tuple[str, Any]]:
    """(where it was in the file, the raw resource) for each resource the file holds."""
    if isinstance(document, dict):
        if "resourceType" not in document:
            raise NotFhir("JSON, but not FHIR: there is no resourceType.")
        if not _is_resource_type(document["resourceType"]):
            raise NotFhir(f"JSON, but “{document['resourceType']}” is not a FHIR R4 resource type.")
        if document["resourceType"] != "Bundle":
            yield "the file", document
            return
        entries = document.get("entry", [])
        if not isinstance(entries, list):
            raise NotFhir("A Bundle whose entry is not a list.")
        for n, entry in enumerate(entries, start=1):
            yield f"entry {n}", entry.get("resource") if isinstance(entry, dict) else None
        return
    if isinstance(document, list):
        if not any(isinstance(r, dict) and "resourceType" in r for r in document):
            raise NotFhir("A JSON list, but none of its items is a FHIR resource.")
        for n, resource in enumerate(document, start=1):
            yield f"item {n}", resource
        return
    raise NotFhir("JSON, but not FHIR: a FHIR file holds a resource (a JSON object).")


class _Index:
    """Resources of the same file that others point to (payer names, Medication codes)."""

    def __init__(self, resources: list[tuple[str, Any]]) -> None:
        self.payer_names: dict[str, str] = {}
        self.medications: dict[str, Any] = {}
        for _, raw in resources:
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                continue
            reference = f"{raw.get('resourceType')}/{raw['id']}"
            if raw.get("resourceType") == "Organization" and isinstance(raw.get("name"), str):
                self.payer_names[reference] = raw["name"]
            elif raw.get("resourceType") == "Medication":
                model = _validated(raw)
                if model is not None:
                    self.medications[reference] = model


def _validated(raw: dict[str, Any]) -> Any | None:
    try:
        return get_fhir_model_class(raw["resourceType"]).model_validate(raw)
    except (SchemaError, ValueError, TypeError):
        return None


def _schema_problem(error: SchemaError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(resource)"
    more = error.error_count() - 1
    extra = f" (and {more} more)" if more > 0 else ""
    return f"Does not follow the FHIR R4 rules at {where}: {first['msg']}{extra}."


Mapper = Callable[[Any, "_Index"], tuple[IntakeData, list[str]]]
_MAPPERS: dict[str, Mapper] = {
    "Patient": lambda r, _: read_patient(r),
    "Coverage": lambda r, index: read_coverage(r, index.payer_names),
    "Condition": lambda r, _: read_condition(r),
    "MedicationRequest": lambda r, index: read_medication(r, index.medications),
    "MedicationStatement": lambda r, index: read_medication(r, index.medications),
    "Observation": lambda r, _: read_observation(r),
    "Practitioner": lambda r, _: read_practitioner(r),
    "Organization": lambda r, _: read_organization(r),
}


def _parse_one(
    position: str, raw: Any, index: _Index
) -> ParsedResource | SkippedResource | RejectedResource:
    if not isinstance(raw, dict) or "resourceType" not in raw:
        return RejectedResource("(unknown)", position, "Not a FHIR resource (no resourceType).")
    resource_type = str(raw["resourceType"])
    resource_id = str(raw.get("id") or position)
    if not _is_resource_type(resource_type):
        return RejectedResource(
            resource_type, resource_id, f"“{resource_type}” is not a FHIR R4 resource type."
        )
    mapper = _MAPPERS.get(resource_type)
    if mapper is None:
        reason = _NOT_IMPORTED.get(resource_type, f"{resource_type} resources are not imported.")
        return SkippedResource(resource_type, resource_id, reason)
    try:
        model = get_fhir_model_class(resource_type).model_validate(raw)
    except SchemaError as exc:
        return RejectedResource(resource_type, resource_id, _schema_problem(exc))
    except RecursionError:
        return RejectedResource(resource_type, resource_id, "Nested too deeply to read.")
    try:
        data, notes = mapper(model, index)
    except Skip as exc:
        return SkippedResource(resource_type, resource_id, str(exc))
    except Refuse as exc:
        return RejectedResource(resource_type, resource_id, str(exc))
    return ParsedResource(resource_type, resource_id, data, tuple(notes))
