"""pas_profile_problems() finds each PAS rule it claims to check when the bundle breaks it."""

import copy

import pytest

from interop.pas import build_pas_bundle, pas_profile_problems
from tests.interop.pas_samples import REQUEST


def _resource(bundle, resource_type, n=0):
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ][n]


def _claim(b):
    return _resource(b, "Claim")


BREAKS = [
    ("bundle type", lambda b: b.update(type="transaction"), "Bundle: type must be collection"),
    ("bundle profile", lambda b: b.update(meta={}), "Bundle: meta.profile does not claim"),
    ("bundle identifier", lambda b: b.pop("identifier"), "Bundle: identifier is required"),
    ("bundle timestamp", lambda b: b.pop("timestamp"), "Bundle: timestamp is required"),
    (
        "entry fullUrl",
        lambda b: b["entry"][1].pop("fullUrl"),
        "Bundle entry 2: fullUrl is required",
    ),
    (
        "entry request",
        lambda b: b["entry"][1].update(request={"method": "POST"}),
        "Bundle entry 2: request is not allowed",
    ),
    ("claim use", lambda b: _claim(b).update(use="claim"), "Claim: use must be preauthorization."),
    ("claim status", lambda b: _claim(b).update(status="draft"), "Claim: status must be active."),
    ("claim identifier", lambda b: _claim(b).pop("identifier"), "Claim: exactly one identifier"),
    ("claim items", lambda b: _claim(b).update(item=[]), "Claim: item is required"),
    (
        "focal",
        lambda b: _claim(b)["insurance"][0].update(focal=False),
        "Claim.insurance 1: focal must be true.",
    ),
    (
        "patient ref",
        lambda b: _claim(b).update(patient={"reference": "Patient/nowhere"}),
        "Claim.patient must reference a Patient",
    ),
    (
        "diagnosis system",
        lambda b: _claim(b)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0].update(
            system="http://snomed.info/sct"
        ),
        "Claim.diagnosis 1: code must be ICD-10-CM",
    ),
    (
        "service system",
        lambda b: _claim(b)["item"][0]["productOrService"]["coding"][0].update(
            system="http://example.org"
        ),
        "Claim.item 1: productOrService is not from",
    ),
    (
        "location system",
        lambda b: _claim(b)["item"][0]["locationCodeableConcept"]["coding"][0].update(system="x"),
        "Claim.item 1: locationCodeableConcept is not from",
    ),
    (
        "patient gender",
        lambda b: _resource(b, "Patient").pop("gender"),
        "Patient: gender is required",
    ),
    (
        "birth date",
        lambda b: _resource(b, "Patient").update(birthDate="1950"),
        "Patient: birthDate must be a full date",
    ),
    (
        "coverage status",
        lambda b: _resource(b, "Coverage").update(status="draft"),
        "Coverage: status must be active.",
    ),
    (
        "insurer active",
        lambda b: _resource(b, "Organization", 0).update(active=False),
        "Insurer: active must be true.",
    ),
    (
        "requestor profile",
        lambda b: _resource(b, "Organization", 1).update(meta={}),
        "Requestor: meta.profile does not claim",
    ),
    (
        "practitioner name",
        lambda b: _resource(b, "Practitioner").pop("name"),
        "Practitioner: name is required",
    ),
    (
        "document url",
        lambda b: _resource(b, "DocumentReference")["content"][0]["attachment"].update(
            url="https://x"
        ),
        "DocumentReference content 1: attachment.url is not allowed",
    ),
    (
        "document data",
        lambda b: _resource(b, "DocumentReference")["content"][0]["attachment"].pop("data"),
        "DocumentReference content 1: attachment.data is required",
    ),
]


@pytest.mark.parametrize(("name", "damage", "problem"), BREAKS, ids=[b[0] for b in BREAKS])
def test_each_rule_catches_its_break(name, damage, problem):
    bundle = copy.deepcopy(build_pas_bundle(REQUEST))
    damage(bundle)
    problems = pas_profile_problems(bundle)
    assert any(p.startswith(problem) for p in problems), problems


def test_two_claims_are_one_too_many():
    bundle = copy.deepcopy(build_pas_bundle(REQUEST))
    bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))
    assert pas_profile_problems(bundle) == [
        "Bundle: needs exactly one Claim entry, has 2 (Bundle.fsh)."
    ]
