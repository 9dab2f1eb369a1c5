"""Build a Da Vinci PAS prior-authorization request Bundle (FHIR R4) from plain data.

The shape follows the PAS IG's PASRequestBundle (Bundle.fsh): a `collection` Bundle with an
identifier and timestamp, whose entries are the PAS Claim (use `preauthorization`) and the
resources it points to — the beneficiary Patient, the PAS Coverage, the insurer and the
requestor Organizations, the Practitioner on the care team and, when given, the Letter of
Medical Necessity as a PAS DocumentReference with the PDF inline (PAS forbids a URL). The
result is checked against the base FHIR schema by constructing it with fhir.resources; what
PAS adds on top is checked, as far as it can be, by pas_profile_problems().
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as SchemaError

from intake import validators

from . import pas_urls as url
from .pas_rules import pas_profile_problems
from .pas_types import PasBuildError, PasLetter, PasRequest, PasServiceItem

__all__ = ["PasBuildError", "build_pas_bundle", "pas_bundle_json", "pas_profile_problems"]

GENDER = {"F": "female", "M": "male", "U": "unknown"}
HCPCS_LEVEL_II = frozenset("ABCDEGHJKLMPQRSTV")  # a HCPCS Level II code starts with a letter


def pas_bundle_json(request: PasRequest) -> str:
    return json.dumps(build_pas_bundle(request), indent=2, ensure_ascii=False)


def build_pas_bundle(request: PasRequest) -> dict[str, Any]:
    """The PAS request Bundle as a JSON-ready dict. Raises PasBuildError listing problems."""
    _check(request)
    ids = _Ids(request.request_id)
    resources = [
        ("Claim", _claim(request, ids)),
        ("Patient", _patient(request, ids)),
        ("Coverage", _coverage(request, ids)),
        ("Organization", _insurer(request, ids)),
        ("Organization", _requestor(request, ids)),
        ("Practitioner", _practitioner(request, ids)),
    ]
    if request.letter is not None:
        resources.append(("DocumentReference", _letter(request.letter, ids)))
    bundle = {
        "resourceType": "Bundle",
        "id": ids.of("bundle"),
        "meta": {"profile": [url.REQUEST_BUNDLE]},
        "identifier": {"system": request.identifier_system, "value": request.request_id},
        "type": "collection",
        "timestamp": request.created.isoformat(),
        "entry": [{"fullUrl": ids.urn(r["id"]), "resource": r} for _, r in resources],
    }
    try:
        Bundle.model_validate(bundle)
    except SchemaError as exc:  # a bug here, not bad input: _check() admits only valid data
        raise PasBuildError([f"The bundle breaks the FHIR R4 schema: {exc}"]) from exc
    return bundle


class _Ids:
    """Stable ids: the same request always gives the same bundle (safe to resend, diff)."""

    def __init__(self, request_id: str) -> None:
        self.seed = request_id

    def of(self, kind: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pas:{self.seed}:{kind}"))

    @staticmethod
    def urn(resource_id: str) -> str:
        return f"urn:uuid:{resource_id}"

    def ref(self, kind: str) -> dict[str, str]:
        return {"reference": self.urn(self.of(kind))}


def _check(request: PasRequest) -> None:
    problems = []

    def check(validator: Any, value: str, label: str) -> None:
        try:
            validator(value)
        except ValidationError as exc:
            problems.append(f"{label}: {' '.join(exc.messages)}")

    check(validators.validate_mbi, request.patient.mbi, "Patient's Medicare number")
    check(validators.validate_npi, request.requestor.npi, "Clinic NPI")
    check(validators.validate_npi, request.practitioner.npi, "Practitioner NPI")
    if not request.diagnoses:
        problems.append("Add at least one diagnosis.")
    for diagnosis in request.diagnoses:
        check(validators.validate_icd10_billable, diagnosis.code, f"Diagnosis {diagnosis.code}")
    if not request.items:
        problems.append("Add at least one requested service.")
    for item in request.items:
        check(validators.validate_procedure_code, item.code, f"Service {item.code}")
        if item.units <= 0:
            problems.append(f"Service {item.code}: the number of units must be above zero.")
        if item.end is not None and item.end < item.start:
            problems.append(f"Service {item.code}: the last date is before the first.")
    if request.coverage.program == "advantage" and not request.coverage.member_id:
        problems.append("Enter the Medicare Advantage plan's member ID.")
    if request.created.tzinfo is None:
        problems.append("The request time needs a time zone.")
    if request.letter is not None and not request.letter.pdf.startswith(b"%PDF-"):
        problems.append("The letter of medical necessity must be a PDF.")
    if problems:
        raise PasBuildError(problems)


def _address(address: Any) -> list[dict[str, Any]]:
    if address is None:
        return []
    lines = [line for line in (address.line1, address.line2) if line]
    return [
        {
            "line": lines,
            "city": address.city,
            "state": address.state,
            "postalCode": address.zip_code,
            "country": "US",
        }
    ]


def _procedure_coding(code: str) -> dict[str, str]:
    code = code.strip().upper()
    # PAS X12278RequestedServiceType admits CPT and HCPCS; Level II codes go under HCPCS.
    system = url.HCPCS if code[0] in HCPCS_LEVEL_II else url.CPT
    return {"system": system, "code": code}


def _serviced(item: PasServiceItem) -> dict[str, Any]:
    if item.end is None or item.end == item.start:
        return {"servicedDate": item.start.isoformat()}
    return {"servicedPeriod": {"start": item.start.isoformat(), "end": item.end.isoformat()}}


def _x12(element: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": url.X12 + element, "code": code, "display": display}]}


def _claim(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    diagnoses = sorted(request.diagnoses, key=lambda d: not d.primary)
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": ids.of("claim"),
        "meta": {"profile": [url.CLAIM]},
        "identifier": [{"system": request.identifier_system, "value": request.request_id}],
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "preauthorization",
        "patient": ids.ref("patient"),
        "created": request.created.isoformat(),
        "insurer": ids.ref("insurer"),
        "provider": ids.ref("requestor"),
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "normal",
                }
            ]
        },
        "careTeam": [{"sequence": 1, "provider": ids.ref("practitioner")}],
        "diagnosis": [_diagnosis(n, d) for n, d in enumerate(diagnoses, start=1)],
        "insurance": [{"sequence": 1, "focal": True, "coverage": ids.ref("coverage")}],
        "item": [_item(n, item, len(diagnoses)) for n, item in enumerate(request.items, start=1)],
    }
    if request.letter is not None:
        claim["supportingInfo"] = [
            {
                "sequence": 1,
                "category": {
                    "coding": [
                        {"system": url.SUPPORTING_INFO_TYPE, "code": "additionalInformation"}
                    ]
                },
                "valueReference": ids.ref("letter"),
            }
        ]
        for item in claim["item"]:
            item["informationSequence"] = [1]
    return claim


def _diagnosis(sequence: int, diagnosis: Any) -> dict[str, Any]:
    code = validators.normalize_icd10(diagnosis.code)
    entry: dict[str, Any] = {
        "sequence": sequence,
        "diagnosisCodeableConcept": {
            "coding": [
                {
                    "system": url.ICD10CM,
                    "code": code,
                    "display": validators.icd10_description(code),
                }
            ]
        },
    }
    if diagnosis.primary:
        entry["type"] = [{"coding": [{"system": url.DIAGNOSIS_TYPE, "code": "principal"}]}]
    if diagnosis.recorded_on is not None:
        entry["extension"] = [
            {"url": url.DIAGNOSIS_RECORDED, "valueDate": diagnosis.recorded_on.isoformat()}
        ]
    return entry


def _item(sequence: int, item: PasServiceItem, diagnosis_count: int) -> dict[str, Any]:
    return {
        "extension": [
            # X12 278 UM01 request category HS (health services review), UM02 I (initial).
            {
                "url": url.SERVICE_REQUEST_TYPE,
                "valueCodeableConcept": _x12("1525", "HS", "Health Services Review"),
            },
            {"url": url.CERTIFICATION_TYPE, "valueCodeableConcept": _x12("1322", "I", "Initial")},
        ],
        "sequence": sequence,
        "careTeamSequence": [1],
        "diagnosisSequence": list(range(1, min(diagnosis_count, 4) + 1)),
        "category": _x12("1365", "1", "Medical Care"),
        "productOrService": {"coding": [_procedure_coding(item.code)]},
        "modifier": [{"coding": [{"system": url.HCPCS, "code": m}]} for m in item.modifiers],
        **_serviced(item),
        "locationCodeableConcept": {"coding": [{"system": url.POS, "code": item.place_of_service}]},
        "quantity": {"value": float(item.units)},
    }


def _patient(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    patient = request.patient
    given = [n for n in (patient.first_name, patient.middle_name) if n]
    return {
        "resourceType": "Patient",
        "id": ids.of("patient"),
        # Medicare beneficiaries are their own subscribers (relationship "self").
        "meta": {"profile": [url.BENEFICIARY, url.SUBSCRIBER]},
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MC"}
                    ]
                },
                "system": url.MBI,
                "value": validators.normalize_mbi(patient.mbi),
            }
        ],
        "name": [{"family": patient.last_name, "given": given}],
        "gender": GENDER[patient.sex],
        "birthDate": patient.birth_date.isoformat(),
        "address": _address(patient.address),
    }


def _coverage(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    coverage = request.coverage
    # PHDSC Source of Payment Typology: 11 Medicare managed care, 12 non-managed care.
    sopt = "11" if coverage.program == "advantage" else "12"
    subscriber_id = (
        coverage.member_id
        if coverage.program == "advantage"
        else validators.normalize_mbi(request.patient.mbi)
    )
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": ids.of("coverage"),
        "meta": {"profile": [url.COVERAGE]},
        "status": "active",
        "type": {"coding": [{"system": "https://nahdo.org/sopt", "code": sopt}]},
        "subscriber": ids.ref("patient"),
        "subscriberId": subscriber_id,
        "beneficiary": ids.ref("patient"),
        "relationship": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    "code": "self",
                },
                {"system": url.X12 + "1069", "code": "18"},  # X12 individual relationship: self
            ]
        },
        "payor": [ids.ref("insurer")],
    }
    if coverage.plan_name:
        resource["class"] = [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": coverage.plan_name,
                "name": coverage.plan_name,
            }
        ]
    return resource


def _organization(profile: str, name: str, x12_type: str) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "meta": {"profile": [profile]},
        "active": True,
        "type": [{"coding": [{"system": url.X12 + "98", "code": x12_type}]}],
        "name": name,
    }


def _insurer(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    # X12 entity identifier code (element 98): PR = payer.
    org = {"id": ids.of("insurer"), **_organization(url.INSURER, request.insurer.name, "PR")}
    if request.insurer.payer_id:
        org["identifier"] = [
            {
                "type": {
                    "coding": [
                        {
                            "system": url.CARIN_IDENTIFIER_TYPE,
                            "code": "payerid",
                        }
                    ]
                },
                "value": request.insurer.payer_id,
            }
        ]
    return org


def _requestor(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    clinic = request.requestor
    # X12 entity identifier code (element 98): X3 = utilization management organization
    # requester, as in the PAS examples; 1P (provider) is the other common choice.
    org = {"id": ids.of("requestor"), **_organization(url.REQUESTOR, clinic.name, "X3")}
    org["identifier"] = [{"system": url.NPI, "value": validators.normalize_npi(clinic.npi)}]
    if clinic.tin:
        org["identifier"].append({"system": url.TIN, "value": clinic.tin})
    org["address"] = _address(clinic.address)
    if clinic.phone:
        org["telecom"] = [{"system": "phone", "value": clinic.phone}]
    return org


def _practitioner(request: PasRequest, ids: _Ids) -> dict[str, Any]:
    person = request.practitioner
    name: dict[str, Any] = {"family": person.last_name, "given": [person.first_name]}
    if person.credentials:
        name["suffix"] = [person.credentials]
    return {
        "resourceType": "Practitioner",
        "id": ids.of("practitioner"),
        "meta": {"profile": [url.PRACTITIONER]},
        "identifier": [{"system": url.NPI, "value": validators.normalize_npi(person.npi)}],
        "name": [name],
    }


def _attachment_hash(data: bytes) -> str:
    # FHIR R4 Attachment.hash is the base64 SHA-1 of the data: an integrity check, not security.
    digest = hashlib.sha1(data, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def _letter(letter: PasLetter, ids: _Ids) -> dict[str, Any]:
    created: datetime | date = letter.created
    return {
        "resourceType": "DocumentReference",
        "id": ids.of("letter"),
        "meta": {"profile": [url.DOCUMENT_REFERENCE]},
        "status": "current",
        # VERIFY: no LOINC document code for a letter of medical necessity was confirmed;
        # US Core's DocumentReference type value set admits data-absent-reason "unknown".
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "unknown",
                }
            ],
            "text": "Letter of medical necessity",
        },
        "category": [
            {
                "coding": [
                    {
                        "system": url.US_CORE_DOCUMENT_CATEGORY,
                        "code": "clinical-note",
                    }
                ]
            }
        ],
        "subject": ids.ref("patient"),
        "date": created.isoformat(),
        "author": [ids.ref("practitioner")],
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(letter.pdf).decode("ascii"),
                    "title": letter.title,
                    "size": len(letter.pdf),
                    "hash": _attachment_hash(letter.pdf),
                    "creation": created.isoformat(),
                }
            }
        ],
    }
