"""What of the Da Vinci PAS profiles can be checked without a FHIR validator and X12 codes.

Each rule cites the FSH line it comes from (HL7/davinci-pas input/fsh) or the US Core profile
PAS builds on. docs/interop.md lists these and the rules that are not checked (X12 value-set
bindings, obligations, most invariants).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import pas_urls as url

_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # PAS FullDateRule on birthDate


def _profiles(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta") or {}
    return [str(p).split("|")[0] for p in meta.get("profile") or []]


def _codes(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(str(c.get("system")), str(c.get("code"))) for c in concept.get("coding") or []]


class _Checker:
    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle
        self.problems: list[str] = []
        entries = bundle.get("entry") or []
        self.entries = [e for e in entries if isinstance(e, dict)]
        self.by_url = {
            str(e.get("fullUrl")): e.get("resource")
            for e in self.entries
            if isinstance(e.get("resource"), dict)
        }
        for e in self.entries:
            resource = e.get("resource")
            if isinstance(resource, dict) and resource.get("id"):
                self.by_url.setdefault(f"{resource.get('resourceType')}/{resource['id']}", resource)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def need_profile(self, resource: dict[str, Any], profile: str, what: str) -> None:
        if profile not in _profiles(resource):
            self.problem(f"{what}: meta.profile does not claim {profile}.")

    def resolve(self, reference: Any, resource_type: str, what: str) -> dict[str, Any] | None:
        target = self.by_url.get(str((reference or {}).get("reference")))
        if target is None or target.get("resourceType") != resource_type:
            self.problem(f"{what} must reference a {resource_type} in the bundle.")
            return None
        return target


def pas_profile_problems(bundle: dict[str, Any]) -> list[str]:
    """Problems against the PAS request profiles; an empty list when none were found."""
    check = _Checker(bundle)
    _bundle_rules(check)
    claims = [
        e["resource"]
        for e in check.entries
        if isinstance(e.get("resource"), dict) and e["resource"].get("resourceType") == "Claim"
    ]
    if len(claims) != 1:
        check.problem(f"Bundle: needs exactly one Claim entry, has {len(claims)} (Bundle.fsh).")
    else:
        _claim_rules(check, claims[0])
    return check.problems


def _bundle_rules(check: _Checker) -> None:
    bundle = check.bundle
    check.need_profile(bundle, url.REQUEST_BUNDLE, "Bundle")
    if bundle.get("type") != "collection":
        check.problem("Bundle: type must be collection (PASRequestBundle).")
    if not bundle.get("identifier"):
        check.problem("Bundle: identifier is required (1..1).")
    if not bundle.get("timestamp"):
        check.problem("Bundle: timestamp is required (1..1).")
    if not check.entries:
        check.problem("Bundle: needs at least one entry.")
    for n, entry in enumerate(check.entries, start=1):
        if not entry.get("fullUrl"):
            check.problem(f"Bundle entry {n}: fullUrl is required (1..1).")
        if not isinstance(entry.get("resource"), dict):
            check.problem(f"Bundle entry {n}: resource is required (1..1).")
        for banned in ("search", "request", "response"):
            if banned in entry:
                check.problem(f"Bundle entry {n}: {banned} is not allowed (0..0).")


def _claim_rules(check: _Checker, claim: dict[str, Any]) -> None:
    check.need_profile(claim, url.CLAIM, "Claim")
    if len(claim.get("identifier") or []) != 1:
        check.problem("Claim: exactly one identifier is required (1..1).")
    if claim.get("status") != "active":
        check.problem("Claim: status must be active.")
    if claim.get("use") != "preauthorization":
        check.problem("Claim: use must be preauthorization.")
    patient = check.resolve(claim.get("patient"), "Patient", "Claim.patient")
    insurer = check.resolve(claim.get("insurer"), "Organization", "Claim.insurer")
    requestor = check.resolve(claim.get("provider"), "Organization", "Claim.provider")
    if patient is not None:
        _patient_rules(check, patient)
    if insurer is not None:
        check.need_profile(insurer, url.INSURER, "Insurer")
        if insurer.get("active") is not True:
            check.problem("Insurer: active must be true.")
    if requestor is not None:
        check.need_profile(requestor, url.REQUESTOR, "Requestor")
        if requestor.get("active") is not True:
            check.problem("Requestor: active must be true.")
        if not requestor.get("name"):
            check.problem("Requestor: name is required (US Core Organization).")
    insurance = claim.get("insurance") or []
    if not insurance:
        check.problem("Claim: insurance is required (1..*).")
    for n, entry in enumerate(insurance, start=1):
        if entry.get("focal") is not True:
            check.problem(f"Claim.insurance {n}: focal must be true.")
        coverage = check.resolve(entry.get("coverage"), "Coverage", f"Claim.insurance {n}")
        if coverage is not None:
            _coverage_rules(check, coverage)
    for n, diagnosis in enumerate(claim.get("diagnosis") or [], start=1):
        codes = _codes(diagnosis.get("diagnosisCodeableConcept"))
        if not any(system in url.DIAGNOSIS_SYSTEMS for system, _ in codes):
            check.problem(f"Claim.diagnosis {n}: code must be ICD-10-CM (X12278DiagnosisCodes).")
    _item_rules(check, claim)
    for n, team in enumerate(claim.get("careTeam") or [], start=1):
        target = check.by_url.get(str((team.get("provider") or {}).get("reference")))
        if target is None or target.get("resourceType") not in ("Practitioner", "Organization"):
            check.problem(f"Claim.careTeam {n}: provider must be a Practitioner or Organization.")
        elif target.get("resourceType") == "Practitioner":
            _practitioner_rules(check, target)
    _supporting_info_rules(check, claim)


def _item_rules(check: _Checker, claim: dict[str, Any]) -> None:
    items = claim.get("item") or []
    if not items:
        check.problem("Claim: item is required (1..*).")
    rules: list[tuple[str, frozenset[str], str]] = [
        ("productOrService", url.SERVICE_SYSTEMS, "X12278RequestedServiceType"),
        ("locationCodeableConcept", url.LOCATION_SYSTEMS, "X12278LocationType"),
    ]
    for n, item in enumerate(items, start=1):
        for element, systems, value_set in rules:
            if element not in item:
                if element == "productOrService":
                    check.problem(f"Claim.item {n}: productOrService is required.")
                continue
            if not any(system in systems for system, _ in _codes(item[element])):
                check.problem(f"Claim.item {n}: {element} is not from {value_set}.")
        for modifier in item.get("modifier") or []:
            if not any(s in (url.CPT, url.HCPCS) for s, _ in _codes(modifier)):
                check.problem(f"Claim.item {n}: a modifier is not a CPT or HCPCS modifier.")


def _supporting_info_rules(check: _Checker, claim: dict[str, Any]) -> None:
    for n, info in enumerate(claim.get("supportingInfo") or [], start=1):
        codes = _codes(info.get("category"))
        if (url.SUPPORTING_INFO_TYPE, "additionalInformation") not in codes:
            continue
        if "valueReference" not in info:
            check.problem(f"Claim.supportingInfo {n}: additional information needs valueReference.")
            continue
        target = check.by_url.get(str(info["valueReference"].get("reference")))
        if target is not None and target.get("resourceType") == "DocumentReference":
            _document_rules(check, target)


def _patient_rules(check: _Checker, patient: dict[str, Any]) -> None:
    check.need_profile(patient, url.BENEFICIARY, "Patient")
    # US Core Patient (the parent of PASBeneficiary): identifier 1..*, name 1..*, gender 1..1
    # in US Core 6.1/7.0, which PAS builds on.
    for element in ("identifier", "name", "gender"):
        if not patient.get(element):
            check.problem(f"Patient: {element} is required (US Core Patient).")
    birth = patient.get("birthDate")
    if birth is not None and not _FULL_DATE.match(str(birth)):
        check.problem("Patient: birthDate must be a full date (PAS FullDateRule).")


def _coverage_rules(check: _Checker, coverage: dict[str, Any]) -> None:
    check.need_profile(coverage, url.COVERAGE, "Coverage")
    if coverage.get("status") != "active":
        check.problem("Coverage: status must be active.")
    check.resolve(coverage.get("beneficiary"), "Patient", "Coverage.beneficiary")
    payors = coverage.get("payor") or []
    if not payors:
        check.problem("Coverage: payor is required (1..*).")
    for payor in payors:
        check.resolve(payor, "Organization", "Coverage.payor")


def _practitioner_rules(check: _Checker, practitioner: dict[str, Any]) -> None:
    check.need_profile(practitioner, url.PRACTITIONER, "Practitioner")
    for element in ("identifier", "name"):  # US Core Practitioner 1..*
        if not practitioner.get(element):
            check.problem(f"Practitioner: {element} is required (US Core Practitioner).")


def _document_rules(check: _Checker, document: dict[str, Any]) -> None:
    check.need_profile(document, url.DOCUMENT_REFERENCE, "DocumentReference")
    required: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
        ("status", lambda d: bool(d.get("status"))),
        ("type", lambda d: bool(d.get("type"))),
        ("category", lambda d: bool(d.get("category"))),
        ("subject", lambda d: bool(d.get("subject"))),
    ]
    for element, present in required:  # US Core DocumentReference 1..1 / 1..*
        if not present(document):
            check.problem(f"DocumentReference: {element} is required (US Core).")
    for n, content in enumerate(document.get("content") or [], start=1):
        attachment = content.get("attachment") or {}
        if not attachment.get("data"):
            check.problem(f"DocumentReference content {n}: attachment.data is required (PAS).")
        if "url" in attachment:
            check.problem(f"DocumentReference content {n}: attachment.url is not allowed (PAS).")
    if not document.get("content"):
        check.problem("DocumentReference: content is required (1..*).")
