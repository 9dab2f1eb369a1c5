"""The PAS request Bundle: R4-schema valid, PAS-shaped, complete and repeatable."""

import base64
import json

from fhir.resources.R4B.bundle import Bundle

from interop.pas import build_pas_bundle, pas_bundle_json, pas_profile_problems
from tests.interop.pas_samples import PDF, REQUEST, request


def _by_type(bundle):
    found = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_bundle_is_valid_fhir_r4_and_has_no_pas_problems():
    bundle = build_pas_bundle(REQUEST)
    Bundle.model_validate(bundle)
    assert pas_profile_problems(bundle) == []
    assert bundle["type"] == "collection"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Claim",
        "Patient",
        "Coverage",
        "Organization",
        "Organization",
        "Practitioner",
        "DocumentReference",
    ]


def test_claim_is_a_preauthorization_with_diagnoses_items_and_the_letter():
    (claim,) = _by_type(build_pas_bundle(REQUEST))["Claim"]
    assert (claim["use"], claim["status"]) == ("preauthorization", "active")
    # The primary diagnosis comes first and is marked principal.
    assert [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in claim["diagnosis"]] == [
        "F33.2",
        "F32.9",
    ]
    assert claim["diagnosis"][0]["type"][0]["coding"][0]["code"] == "principal"
    esketamine, infusion = claim["item"]
    assert esketamine["productOrService"]["coding"][0] == {
        "system": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "code": "G2083",
    }
    assert esketamine["servicedPeriod"] == {"start": "2025-03-10", "end": "2025-04-30"}
    assert esketamine["quantity"] == {"value": 8.0}
    assert esketamine["modifier"][0]["coding"][0]["code"] == "KX"
    assert infusion["productOrService"]["coding"][0]["system"] == "http://www.ama-assn.org/go/cpt"
    assert infusion["servicedDate"] == "2025-03-10"
    (info,) = claim["supportingInfo"]
    assert info["category"]["coding"][0]["code"] == "additionalInformation"


def test_letter_travels_inline_as_base64_pdf():
    (document,) = _by_type(build_pas_bundle(REQUEST))["DocumentReference"]
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == PDF
    assert "url" not in attachment


def test_coverage_and_patient_carry_the_medicare_identifiers():
    resources = _by_type(build_pas_bundle(REQUEST))
    (patient,) = resources["Patient"]
    assert patient["identifier"][0]["value"] == "1EG4TE5MK73"
    (coverage,) = resources["Coverage"]
    assert coverage["subscriberId"] == "H1234-5678"
    original = _by_type(build_pas_bundle(request(coverage=REQUEST.coverage.__class__("original"))))
    assert original["Coverage"][0]["subscriberId"] == "1EG4TE5MK73"


def test_references_resolve_by_full_url():
    bundle = build_pas_bundle(REQUEST)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    (claim,) = _by_type(bundle)["Claim"]
    for reference in (claim["patient"], claim["insurer"], claim["provider"]):
        assert reference["reference"] in urls


def test_same_request_gives_the_same_bundle():
    assert pas_bundle_json(REQUEST) == pas_bundle_json(REQUEST)
    assert json.loads(pas_bundle_json(REQUEST)) == build_pas_bundle(REQUEST)


def test_without_a_letter_there_is_no_document_or_supporting_info():
    bundle = build_pas_bundle(request(letter=None))
    assert "DocumentReference" not in _by_type(bundle)
    assert "supportingInfo" not in _by_type(bundle)["Claim"][0]
    assert pas_profile_problems(bundle) == []
