"""Coverage → Medicare coverage, with a stated guess at the program.

FHIR has no single element that says "Original Medicare" or "Medicare Advantage". The guess
reads, in order: the Source of Payment Typology code in Coverage.type (PHDSC SOPT, the
value set US Core and CARIN use: 1x = Medicare, 11x = managed care = Medicare Advantage,
12x = non-managed = Original, 122 = Medicare drug benefit = Part D), then the words in the
payer, plan and group names. Every guess carries the evidence it used (`program_basis`), so
staff can confirm it; a coverage with no Medicare evidence at all is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from intake import validators

from .fhir_common import (
    V2_0203,
    Refuse,
    Skip,
    codes_of,
    concept_text,
    period_dates,
    staff_message,
)
from .fhir_people import MBI_SYSTEMS, MBI_TYPE_CODE
from .fhir_types import CoverageData, MedicareProgram

SOPT_SYSTEMS = ("https://nahdo.org/sopt", "urn:oid:2.16.840.1.113883.3.221.5")
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"

_MEDICARE = re.compile(r"\bmedicare\b", re.IGNORECASE)
# Words that mark a private Medicare plan (42 CFR 422.4: HMO, PPO, PFFS, MSA, SNP plan types).
_ADVANTAGE = re.compile(
    r"\b(advantage|part\s*c|ma-?pd|hmo|ppo|pffs|snp|d-?snp|c-?snp|msa)\b", re.IGNORECASE
)
_PART_D = re.compile(r"\b(part\s*d|pdp|prescription drug plan|drug plan)\b", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"\b(original medicare|traditional medicare|part\s*a|part\s*b|fee[- ]for[- ]service|"
    r"centers for medicare|cms)\b",
    re.IGNORECASE,
)


def _sopt_program(coverage: Any) -> tuple[MedicareProgram | None, str]:
    for system in SOPT_SYSTEMS:
        for code in codes_of(coverage.type, system):
            if code == "122":
                return "part_d", f"payment typology {code} (Medicare drug benefit)"
            if code.startswith("11"):
                return "advantage", f"payment typology {code} (Medicare managed care)"
            if code.startswith("12"):
                return "original", f"payment typology {code} (Medicare non-managed care)"
            if code.startswith("1"):
                return "medicare_unknown", f"payment typology {code} (Medicare)"
    return None, ""


def _labelled_texts(coverage: Any, payer_name: str) -> list[tuple[str, str]]:
    texts = [("payer", payer_name), ("coverage type", concept_text(coverage.type))]
    for cls in coverage.class_fhir or []:
        kind = next(iter(codes_of(cls.type, COVERAGE_CLASS)), "class")
        texts.append((f"{kind} name", str(cls.name or "")))
    texts.append(("network", str(coverage.network or "")))
    return [(label, text) for label, text in texts if text]


def _text_program(texts: list[tuple[str, str]]) -> tuple[MedicareProgram | None, list[str]]:
    medicare = [(label, text) for label, text in texts if _MEDICARE.search(text)]
    if not medicare:
        return None, []
    # Part D and Advantage words only count next to the word Medicare: "PPO" alone is any
    # commercial plan (the US Core coverage example is one).
    checks: list[tuple[MedicareProgram, Callable[[str], Any]]] = [
        ("part_d", _PART_D.search),
        ("advantage", _ADVANTAGE.search),
        ("original", _ORIGINAL.search),
    ]
    for program, matches in checks:
        hits = [f"{label} “{text}”" for label, text in medicare if matches(text)]
        if hits:
            return program, hits
    return "medicare_unknown", [f"{label} “{text}”" for label, text in medicare]


def _mbi(coverage: Any, program: MedicareProgram) -> str:
    values = [
        str(i.value)
        for i in (coverage.identifier or [])
        if i.value and (i.system in MBI_SYSTEMS or MBI_TYPE_CODE in codes_of(i.type, V2_0203))
    ]
    # Original Medicare's subscriber ID is the MBI itself (CMS MBI guidance); a plan's
    # subscriberId is the plan's own member number and is not checked as an MBI.
    if not values and program == "original" and coverage.subscriberId:
        values = [str(coverage.subscriberId)]
    if not values:
        return ""
    try:
        validators.validate_mbi(values[0])
    except ValidationError as exc:
        raise Refuse(f"Invalid Medicare number (MBI): {staff_message(exc)}") from None
    return validators.normalize_mbi(values[0])


def read_coverage(coverage: Any, payer_names: dict[str, str]) -> tuple[CoverageData, list[str]]:
    """`payer_names` maps "Organization/id" references in the same file to their names."""
    payor = (coverage.payor or [None])[0]
    payer_name = ""
    if payor is not None:
        payer_name = str(payor.display or payer_names.get(str(payor.reference or ""), ""))
    program, basis = _sopt_program(coverage)
    bases = [basis] if basis else []
    texts = _labelled_texts(coverage, payer_name)
    if program in (None, "medicare_unknown"):
        text_program, text_bases = _text_program(texts)
        if text_program is not None and (program is None or text_program != "medicare_unknown"):
            program = text_program
            bases += text_bases
    if program is None:
        described = "; ".join(f"{label} “{text}”" for label, text in texts) or "nothing"
        raise Skip(f"Not Medicare coverage (the file says: {described}).")
    if coverage.status in ("cancelled", "entered-in-error"):
        raise Skip(f"The coverage is marked {coverage.status}.")
    notes = []
    if program == "medicare_unknown":
        notes.append("The file does not say which Medicare program this is; ask the patient.")
    plan_names = [str(c.name) for c in (coverage.class_fhir or []) if c.name]
    start, end = period_dates(coverage.period)
    data = CoverageData(
        program=program,
        program_basis=tuple(bases),
        status=str(coverage.status or ""),
        mbi=_mbi(coverage, program),
        member_id="" if program == "original" else str(coverage.subscriberId or ""),
        plan_name=plan_names[0] if plan_names else "",
        payer_name=payer_name,
        start=start,
        end=end,
        beneficiary=str(getattr(coverage.beneficiary, "reference", "") or ""),
    )
    return data, notes
