"""The intake interchange format: the documented examples work, bad input names its field."""

import copy
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from coverage.engine import Determination, RequestFacts, Screening, Trial
from coverage.interchange import (
    InterchangeError,
    assess_document,
    load_schema,
    parse_intake,
    parse_intake_json,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.json"))
EXPECTED = {
    "esketamine-trd-original.json": Determination.COVERED,
    "iv-ketamine-trd-advantage.json": Determination.PRIOR_AUTH_REQUIRED,
    "iv-ketamine-ptsd-original.json": Determination.LIKELY_DENIED,
    "esketamine-mdd-si-incomplete.json": Determination.INCOMPLETE,
}


def example(name: str = "esketamine-trd-original.json") -> dict[str, Any]:
    return json.loads((DOCS / "examples" / name).read_text(encoding="utf-8"))


def test_every_example_is_listed_with_its_expected_determination() -> None:
    assert {path.name for path in EXAMPLES} == set(EXPECTED)
    assert Determination.INCOMPLETE in EXPECTED.values()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_parse_and_assess(path: Path) -> None:
    result = assess_document(json.loads(path.read_text(encoding="utf-8")))
    assert result.determination is EXPECTED[path.name], result.summary
    assert json.dumps(result.to_dict())


def test_the_incomplete_example_lists_what_is_missing() -> None:
    result = assess_document(example("esketamine-mdd-si-incomplete.json"))
    assert any("REMS" in item.fact for item in result.missing)
    assert any("R45.851" in item.fact for item in result.missing)


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("definition", "facts"),
    [("trial", Trial), ("screening", Screening), ("request", RequestFacts)],
)
def test_schema_fields_mirror_the_engine_facts(definition: str, facts: type) -> None:
    properties = set(load_schema()["$defs"][definition]["properties"])
    assert properties == {f.name for f in fields(facts)}


def test_parsing_normalises_codes_and_derives_active_coverage() -> None:
    doc = example()
    doc["diagnoses"] = [{"code": "f332", "is_primary": True}]
    doc["request"]["codes"] = ["g2083"]
    facts = parse_intake(doc)
    assert facts.diagnoses[0].code == "F33.2"
    assert facts.request.codes == ("G2083",)
    assert facts.coverage is not None and facts.coverage.active_on_request_date
    assert facts.trials[1].outcome == "intolerance" and facts.trials[1].weeks == 3.0
    assert facts.screening is not None and facts.screening.bp_taken_on is not None


@pytest.mark.parametrize(
    ("coverage", "active"),
    [
        ({"program": "original", "part_b_effective": "2026-12-07"}, True),
        ({"program": "original", "part_b_effective": "2026-12-08"}, False),
        (
            {"program": "original", "part_b_effective": "2020-01-01", "coverage_end": "2026-12-06"},
            False,
        ),
        (
            {"program": "original", "part_b_effective": "2020-01-01", "coverage_end": "2026-12-07"},
            True,
        ),
        ({"program": "none"}, False),
    ],
)
def test_coverage_is_active_on_the_requested_start_exactly_as_the_model_says(
    coverage: dict[str, Any], active: bool
) -> None:
    doc = example()
    doc["coverage"] = coverage
    facts = parse_intake(doc)
    assert facts.coverage is not None
    assert facts.coverage.active_on_request_date is active


def _set(path: str, value: Any) -> Any:
    """A change to the valid example: set (or, with value DELETE, remove) one field."""

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = doc
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
        return doc

    return change


DELETE = object()
BAD = [
    (_set("trials.1.weeks", -1), "trials[1].weeks: must be >= 0"),
    (_set("request.product", DELETE), "request.product: is required"),
    (_set("request.product", "oral_ketamine"), 'request.product: must be one of "iv_ketamine"'),
    (_set("request.requested_start", "2026-02-30"), "request.requested_start: must be a date"),
    (_set("scores.0.score", 28), "scores[0].score: must be <= 27"),
    (_set("mbi", "1EG4TE5MK73"), "mbi: is not a known field"),
    (
        _set("trials.0.adequate_dose", "yes"),
        "trials[0].adequate_dose: must be true or false or null",
    ),
    (_set("trials.0.drug", ""), "trials[0].drug: must not be empty"),
    (_set("diagnoses.0.code", "F33"), "diagnoses[0].code: F33 is a category, not a billable code"),
    (
        _set("diagnoses.1.code", "F99.99"),
        "diagnoses[1].code: F99.99 is not in the ICD-10-CM code set",
    ),
    (_set("diagnoses.1.code", "F33.2"), "diagnoses[1].code: F33.2 is listed twice"),
    (_set("diagnoses.0.code", "33.2"), "diagnoses[0].code: is not valid"),
    (_set("screening.bp_diastolic", None), "screening.bp_diastolic: enter both numbers"),
    (
        _set("screening.bp_diastolic", 140),
        "screening.bp_diastolic: must be lower than the systolic",
    ),
    (
        _set("screening.bp_taken_on", None),
        "screening.bp_taken_on: is required with a blood pressure",
    ),
    (_set("coverage.part_b_effective", DELETE), "coverage.part_b_effective: is required"),
    (
        _set("coverage.coverage_end", "2020-01-01"),
        "coverage.coverage_end: is before coverage starts",
    ),
    (_set("format_version", 2), "format_version: must be 1"),
    (_set("request.codes.0", "G208"), "request.codes[0]: is not valid"),
    (_set("request.planned_sessions", 0), "request.planned_sessions: must be >= 1"),
    (_set("age", 45.5), "age: must be a whole number or null"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[message for _, message in BAD])
def test_bad_input_names_the_field(change: Any, message: str) -> None:
    with pytest.raises(InterchangeError) as caught:
        parse_intake(change(copy.deepcopy(example())))
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_every_problem_is_reported_at_once_in_document_order() -> None:
    doc = example()
    doc["trials"][2]["weeks"] = -3
    doc["age"] = -1
    with pytest.raises(InterchangeError) as caught:
        parse_intake(doc)
    assert caught.value.errors == ("age: must be >= 0", "trials[2].weeks: must be >= 0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "(document): not valid JSON at line 1"),
        ("[1, 2]", "(document): must be an object"),
    ],
)
def test_text_that_is_not_an_intake_document(text: str, message: str) -> None:
    with pytest.raises(InterchangeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_intake_json(text)


def test_a_valid_document_round_trips_from_text() -> None:
    facts = parse_intake_json((DOCS / "examples" / "esketamine-trd-original.json").read_bytes())
    assert facts.request.product == "esketamine" and facts.age == 68
