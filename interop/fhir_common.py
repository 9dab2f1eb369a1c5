"""Small readers shared by the FHIR resource mappers (R4 element semantics, FHIR 4.0.1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from .fhir_types import AddressData

# Terminology system URIs (FHIR R4 "Using Codes", terminologies-systems.html).
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NPI = "http://hl7.org/fhir/sid/us-npi"
MBI = "http://hl7.org/fhir/sid/us-mbi"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types


class Skip(Exception):  # noqa: N818 - control flow, not an error
    """The resource is readable but out of scope; the reason is shown to staff."""


class Refuse(Exception):  # noqa: N818
    """The resource is in scope but cannot be used as sent; the reason is shown to staff."""


def staff_message(error: ValidationError) -> str:
    """intake.validators raise Django ValidationErrors; their text is already staff wording."""
    return " ".join(error.messages)


def codings(concept: Any) -> list[Any]:
    return list(getattr(concept, "coding", None) or []) if concept is not None else []


def codes_of(concept: Any, system: str) -> list[str]:
    return [c.code for c in codings(concept) if c.system == system and c.code]


def has_code(concept: Any, system: str, codes: Iterable[str]) -> bool:
    wanted = set(codes)
    return any(code in wanted for code in codes_of(concept, system))


def display_of(concept: Any, system: str | None = None) -> str:
    for coding in codings(concept):
        if (system is None or coding.system == system) and coding.display:
            return str(coding.display)
    return ""


def concept_text(concept: Any) -> str:
    """What a person would read: the concept's text, else the first coding's display."""
    if concept is None:
        return ""
    return str(getattr(concept, "text", None) or display_of(concept) or "")


def any_code_text(concepts: Iterable[Any]) -> str:
    return " ".join(
        part
        for concept in concepts
        for part in (concept_text(concept), *(str(c.display or "") for c in codings(concept)))
        if part
    )


def as_date(value: Any) -> date | None:
    """A full date from a FHIR date/dateTime; None for a partial one ("1987", "1987-02")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def period_dates(period: Any) -> tuple[date | None, date | None]:
    if period is None:
        return None, None
    return as_date(period.start), as_date(period.end)


def _is_current(element: Any) -> bool:
    # R4 HumanName/Address/ContactPoint.use "old" and a closed period both mean "no longer".
    if getattr(element, "use", None) == "old":
        return False
    period = getattr(element, "period", None)
    return not (period is not None and period.end is not None)


def pick_current(
    elements: Sequence[Any] | None, preferred_uses: Sequence[str | None]
) -> Any | None:
    """The current element, preferring the given `use` values in order; None if none is."""
    current = [e for e in (elements or []) if _is_current(e)]
    for use in preferred_uses:
        for element in current:
            if getattr(element, "use", None) == use:
                return element
    return current[0] if current else None


def read_address(addresses: Sequence[Any] | None) -> AddressData | None:
    address = pick_current(
        [a for a in (addresses or []) if getattr(a, "type", None) != "postal"]
        or list(addresses or []),
        ("home", "work", None),
    )
    if address is None:
        return None
    lines = [str(line) for line in (address.line or []) if line]
    return AddressData(
        line1=lines[0] if lines else "",
        line2=", ".join(lines[1:]),
        city=str(address.city or ""),
        state=str(address.state or ""),
        zip_code=str(address.postalCode or ""),
    )


def read_phone(telecoms: Sequence[Any] | None) -> str:
    phones = [t for t in (telecoms or []) if t.system == "phone" and t.value]
    phone = pick_current(phones, ("mobile", "home", "work", None))
    return str(phone.value) if phone is not None else ""


def identifier_values(identifiers: Sequence[Any] | None, systems: Iterable[str]) -> list[str]:
    wanted = set(systems)
    return [str(i.value) for i in (identifiers or []) if i.system in wanted and i.value]


def identifier_values_by_type(identifiers: Sequence[Any] | None, type_code: str) -> list[str]:
    return [
        str(i.value)
        for i in (identifiers or [])
        if i.value and has_code(getattr(i, "type", None), V2_0203, [type_code])
    ]
