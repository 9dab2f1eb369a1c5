"""Read the intake interchange format (docs/intake-interchange.schema.json) into engine facts.

One JSON document holds one intake and one treatment request. The JSON Schema checks shape
and ranges; this module adds the checks a schema cannot express (billable ICD-10-CM codes,
paired blood-pressure numbers, date order) and derives whether coverage is active on the
requested start date, exactly as intake.models.Coverage.active_on() does.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from coverage.engine import Assessment, assess
from coverage.engine.facts import (
    CoverageFacts,
    Diagnosis,
    IntakeFacts,
    Policy,
    RequestFacts,
    Score,
    Screening,
    Trial,
    load_default_policies,
)
from intake import icd10

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "intake-interchange.schema.json"


class InterchangeError(ValueError):
    """The document cannot be used; each message starts with the field path (trials[1].weeks)."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = tuple(dict.fromkeys(errors))
        super().__init__("; ".join(self.errors))


@cache
def load_schema() -> dict[str, Any]:
    with SCHEMA_FILE.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def parse_intake_json(text: str | bytes) -> IntakeFacts:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InterchangeError([f"(document): not valid JSON at line {exc.lineno}"]) from None
    return parse_intake(document)


def parse_intake(document: Any) -> IntakeFacts:
    """Validate one interchange document and build the engine's IntakeFacts from it."""
    errors = sorted(_validator().iter_errors(document), key=_error_order)
    if errors:
        raise InterchangeError(msg for error in errors for msg in _messages(error))
    problems = [
        *_check_diagnoses(document),
        *_check_screening(document),
        *_check_coverage(document),
    ]
    if problems:
        raise InterchangeError(problems)
    return _facts(document)


def assess_document(
    document: Any, policies: Sequence[Policy] | None = None, on: date | None = None
) -> Assessment:
    """Parse and assess in one go, as of `on` (default: the requested start date)."""
    facts = parse_intake(document)
    rules = load_default_policies() if policies is None else policies
    return assess(facts, rules, on or facts.request.requested_start)


# --- Error messages -------------------------------------------------------------------


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out or "(document)"


def _error_order(error: ValidationError) -> tuple[Any, ...]:
    return tuple(
        (isinstance(p, int), p if isinstance(p, int) else 0, str(p)) for p in error.absolute_path
    )


_TYPES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _messages(error: ValidationError) -> list[str]:
    at, expected, instance = list(error.absolute_path), error.validator_value, error.instance
    match error.validator:
        case "required" if isinstance(instance, dict):
            return [
                f"{_path([*at, name])}: is required" for name in expected if name not in instance
            ]
        case "additionalProperties" if isinstance(instance, dict):
            known = error.schema.get("properties", {})
            return [f"{_path([*at, n])}: is not a known field" for n in instance if n not in known]
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" as bound:
            text = f"must be {_BOUNDS[bound]} {expected}"
        case "type":
            wanted = [expected] if isinstance(expected, str) else expected
            text = "must be " + " or ".join(_TYPES.get(t, t) for t in wanted)
        case "enum":
            text = "must be one of " + ", ".join(json.dumps(v) for v in expected)
        case "const":
            text = f"must be {json.dumps(expected)}"
        case "format" if expected == "date":
            text = "must be a date (YYYY-MM-DD)"
        case "pattern":
            text = f"is not valid ({error.schema.get('description', 'unexpected format')})"
        case "minLength" if expected == 1:
            text = "must not be empty"
        case "maxLength" | "maxItems":
            text = f"is too long (at most {expected})"
        case _:
            text = error.message
    return [f"{_path(at)}: {text}"]


_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


# --- Checks beyond the schema ---------------------------------------------------------


def _icd_code(raw: str) -> str:
    code = raw.replace(".", "").strip().upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def _check_diagnoses(document: Mapping[str, Any]) -> list[str]:
    problems, seen = [], set()
    for i, item in enumerate(document.get("diagnoses", [])):
        code, where = _icd_code(item["code"]), f"diagnoses[{i}].code"
        if not icd10.is_known(code):
            problems.append(f"{where}: {code} is not in the ICD-10-CM code set")
        elif not icd10.is_billable(code):
            problems.append(f"{where}: {code} is a category, not a billable code")
        elif code in seen:
            problems.append(f"{where}: {code} is listed twice")
        seen.add(code)
    return problems


def _check_screening(document: Mapping[str, Any]) -> list[str]:
    s = document.get("screening") or {}
    systolic, diastolic = s.get("bp_systolic"), s.get("bp_diastolic")
    if (systolic is None) != (diastolic is None):
        return ["screening.bp_diastolic: enter both numbers of the blood pressure reading"]
    if systolic is not None and diastolic >= systolic:
        return ["screening.bp_diastolic: must be lower than the systolic pressure"]
    if systolic is not None and not s.get("bp_taken_on"):
        return ["screening.bp_taken_on: is required with a blood pressure reading"]
    return []


def _check_coverage(document: Mapping[str, Any]) -> list[str]:
    c = document.get("coverage") or {}
    start = c.get("part_b_effective") or c.get("part_a_effective")
    if c.get("coverage_end") and start and c["coverage_end"] < start:  # ISO dates sort as text
        return ["coverage.coverage_end: is before coverage starts"]
    return []


# --- Building the facts ---------------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _facts(doc: Mapping[str, Any]) -> IntakeFacts:
    r = doc["request"]
    request = RequestFacts(
        product=r["product"],
        indication=r["indication"],
        with_oral_antidepressant=r.get("with_oral_antidepressant"),
        patient_rems_enrolled=r.get("patient_rems_enrolled"),
        site_rems_certified=r.get("site_rems_certified", False),
        dose_mg=r.get("dose_mg"),
        planned_sessions=r["planned_sessions"],
        codes=tuple(code.upper() for code in r.get("codes", [])),
        requested_start=date.fromisoformat(r["requested_start"]),
        inpatient=r.get("inpatient", False),
    )
    screening = doc.get("screening")
    return IntakeFacts(
        request=request,
        age=doc.get("age"),
        diagnoses=tuple(
            Diagnosis(code=_icd_code(d["code"]), is_primary=d.get("is_primary", False))
            for d in doc.get("diagnoses", [])
        ),
        scores=tuple(
            Score(
                instrument=s["instrument"],
                score=s["score"],
                administered_on=date.fromisoformat(s["administered_on"]),
            )
            for s in doc.get("scores", [])
        ),
        trials=tuple(_trial(t) for t in doc.get("trials", [])),
        screening=None
        if screening is None
        else Screening(**{**screening, "bp_taken_on": _day(screening.get("bp_taken_on"))}),
        coverage=_coverage(doc.get("coverage"), request.requested_start),
    )


def _trial(t: Mapping[str, Any]) -> Trial:
    dose_mg, weeks = t.get("dose_mg"), t.get("weeks")
    return Trial(
        kind=t["kind"],
        drug=t["drug"],
        drug_class=t.get("drug_class", ""),
        dose=t.get("dose", ""),
        dose_mg=None if dose_mg is None else float(dose_mg),
        weeks=None if weeks is None else float(weeks),
        adherence=t.get("adherence", "unknown"),
        outcome=t.get("outcome", "unknown"),
        adequate_dose=t.get("adequate_dose"),
        current_episode=t.get("current_episode", True),
    )


def _coverage(c: Mapping[str, Any] | None, on: date) -> CoverageFacts | None:
    if c is None:
        return None
    start = _day(c.get("part_b_effective")) or _day(c.get("part_a_effective"))
    end = _day(c.get("coverage_end"))
    # Same rule as intake.models.Coverage.active_on(), so both intake paths agree.
    active = c["program"] != "none" and start is not None and start <= on
    return CoverageFacts(
        program=c["program"],
        active_on_request_date=active and (end is None or end >= on),
        ma_requires_prior_auth=c.get("ma_requires_prior_auth", True),
        has_part_d=c.get("has_part_d", False),
        medicaid_dual=c.get("medicaid_dual", "none"),
    )
