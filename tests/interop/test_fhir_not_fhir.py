"""What is not FHIR raises NotFhir; what is FHIR but broken is an error for its resource."""

import json

import pytest

from interop.fhir_intake import parse_fhir, parse_fhir_json
from interop.fhir_types import NotFhir
from tests.interop.fhir_builders import patient


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"ISA*00*", "Not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'"just a string"', "a FHIR file holds a resource"),
        (b'{"name": "x"}', "there is no resourceType"),
        (b'{"resourceType": "Banana"}', "is not a FHIR R4 resource type"),
        (b'{"resourceType": "Element"}', "is not a FHIR R4 resource type"),
        (b"[1, 2, 3]", "none of its items is a FHIR resource"),
        (b'{"resourceType": "Bundle", "entry": {}}', "entry is not a list"),
    ],
)
def test_not_fhir_is_refused_with_a_reason(content, reason):
    with pytest.raises(NotFhir, match=reason):
        parse_fhir_json(content)


def test_a_json_list_of_resources_is_read_item_by_item():
    result = parse_fhir_json(json.dumps([patient(), {"resourceType": "Encounter", "id": "e"}, 7]))
    assert [i.resource_type for i in result.items] == ["Patient"]
    assert [(s.resource_type, s.reason) for s in result.skipped] == [
        ("Encounter", "Encounter resources are not imported.")
    ]
    assert [(e.resource_type, e.resource_id) for e in result.errors] == [("(unknown)", "item 3")]


def test_a_resource_breaking_the_fhir_schema_is_an_error_not_a_crash():
    result = parse_fhir(patient(birthDate="02/04/1950"))
    (error,) = result.errors
    assert error.reason.startswith("Does not follow the FHIR R4 rules at birthDate")


def test_bom_and_bytes_are_accepted():
    result = parse_fhir_json(b"\xef\xbb\xbf" + json.dumps(patient()).encode())
    assert len(result.items) == 1


def test_bundle_entry_without_resource_is_an_error_for_that_entry():
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:x"}, {"resource": patient()}],
    }
    result = parse_fhir(bundle)
    assert [e.resource_id for e in result.errors] == ["entry 1"]
    assert len(result.items) == 1
