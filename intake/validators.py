"""Validators for the identifiers Medicare uses. Rules and sources: docs/validators.md.

Each `normalize_*` returns the canonical stored form; each `validate_*` raises
ValidationError with a message a front-desk person understands.
"""

import re

from django.core.exceptions import ValidationError

from . import icd10
from .icd10 import search_icd10  # noqa: F401  (the lookup widget's entry point)

# CMS, "Understanding the Medicare Beneficiary Identifier (MBI) Format" (MBI spec, 2017):
# letters S, L, O, I, B and Z are never used, so they cannot be confused with digits.
MBI_EXCLUDED_LETTERS = "SLOIBZ"
_L = "[AC-HJKMNP-RT-Y]"  # A-Z without S L O I B Z
_AN = "[0-9AC-HJKMNP-RT-Y]"
MBI_PATTERN = re.compile(rf"^[1-9]{_L}{_AN}[0-9]{_L}{_AN}[0-9]{_L}{_L}[0-9][0-9]$")
# Position -> what it may hold, for pinpointed error messages.
MBI_POSITIONS = (
    ("a digit 1-9", "[1-9]"),
    ("a letter", _L),
    ("a letter or digit", _AN),
    ("a digit", "[0-9]"),
    ("a letter", _L),
    ("a letter or digit", _AN),
    ("a digit", "[0-9]"),
    ("a letter", _L),
    ("a letter", _L),
    ("a digit", "[0-9]"),
    ("a digit", "[0-9]"),
)


def normalize_mbi(value: str) -> str:
    """Upper-case and drop the dashes and spaces people type (1EG4-TE5-MK73)."""
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_mbi(value: str) -> None:
    mbi = normalize_mbi(value)
    if len(mbi) != 11:
        raise ValidationError(
            "A Medicare number (MBI) has 11 characters; this one has %(n)d.",
            code="mbi_length",
            params={"n": len(mbi)},
        )
    bad = sorted({ch for ch in mbi if ch in MBI_EXCLUDED_LETTERS})
    if bad:
        raise ValidationError(
            "MBI letters can't be S, L, O, I, B or Z (found %(bad)s). Check for 0/O and 1/I.",
            code="mbi_letter",
            params={"bad": ", ".join(bad)},
        )
    for position, (what, pattern) in enumerate(MBI_POSITIONS, start=1):
        if not re.fullmatch(pattern, mbi[position - 1]):
            raise ValidationError(
                "Character %(pos)d of the MBI must be %(what)s.",
                code="mbi_position",
                params={"pos": position, "what": what},
            )


def npi_check_digit(first_nine: str) -> int:
    """Luhn check digit for an NPI, computed as if prefixed with 80840 (CMS NPI standard).

    The 80840 prefix contributes a constant 24 to the Luhn sum.
    """
    total = 24
    for i, ch in enumerate(reversed(first_nine)):
        d = int(ch)
        if i % 2 == 0:  # the rightmost of the nine is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def normalize_npi(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def validate_npi(value: str) -> None:
    npi = normalize_npi(value)
    if not re.fullmatch(r"[0-9]{10}", npi):
        raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
    if npi[0] not in "12":
        raise ValidationError("An NPI starts with 1 or 2.", code="npi_prefix")
    if int(npi[9]) != npi_check_digit(npi[:9]):
        raise ValidationError(
            "This NPI fails its check digit; look for a mistyped digit.", code="npi_checksum"
        )


ICD10_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


def normalize_icd10(value: str) -> str:
    """Canonical form with the dot after the third character (F33.2)."""
    code = re.sub(r"[\s.]", "", value or "").upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def validate_icd10_billable(value: str) -> None:
    """A code from the bundled ICD-10-CM code set (intake/icd10.py, built from
    simple-icd-10-cm) that is billable (a leaf)."""
    code = normalize_icd10(value)
    if not ICD10_SHAPE.match(code):
        raise ValidationError(
            "An ICD-10-CM code is a letter, a digit, then 1-5 letters or digits (e.g. F33.2).",
            code="icd_format",
        )
    if not icd10.is_known(code):
        raise ValidationError(
            "%(code)s is not in the ICD-10-CM code set.", code="icd_unknown", params={"code": code}
        )
    if not icd10.is_billable(code):
        raise ValidationError(
            "%(code)s is a category, not a billable code; choose a more specific code "
            "(e.g. %(example)s).",
            code="icd_not_billable",
            params={"code": code, "example": icd10.first_billable_under(code)},
        )


def icd10_description(value: str) -> str:
    return icd10.description(normalize_icd10(value))


# HCPCS Level II: a letter and four digits (G2082, J3490). CPT: five digits, or four digits
# and F/T/U for category II/III/PLA codes (96365).
PROCEDURE_CODE = re.compile(r"^([A-V][0-9]{4}|[0-9]{4}[0-9FTU])$")


def validate_procedure_code(value: str) -> None:
    if not PROCEDURE_CODE.match((value or "").strip().upper()):
        raise ValidationError(
            "“%(value)s” is not a HCPCS or CPT code (HCPCS: a letter and 4 digits, like G2082; "
            "CPT: 5 digits, like 96365).",
            code="procedure_code",
            params={"value": value},
        )
