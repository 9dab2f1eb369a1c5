"""Patient, Practitioner and Organization → intake data (US Core 9 profiles, FHIR R4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from intake import validators

from .fhir_common import (
    MBI,
    NPI,
    SNOMED,
    Refuse,
    codes_of,
    concept_text,
    identifier_values,
    identifier_values_by_type,
    pick_current,
    read_address,
    read_phone,
    staff_message,
)
from .fhir_types import OrganizationData, OrganizationKind, PatientData, PractitionerData, Sex

# Where senders put a Medicare number. us-mbi is the HL7 NamingSystem for the MBI; the OID is
# CMS's MBI OID that older CDA/FHIR senders use; us-medicare carried the HICN before the MBI
# (2018-2020 transition) and some systems still label MBIs with it.
MBI_SYSTEMS = (
    MBI,
    "urn:oid:2.16.840.1.113883.4.927",
    "http://hl7.org/fhir/sid/us-medicare",
)
MBI_TYPE_CODE = "MC"  # v2 table 0203 "Patient's Medicare number"
NAIC = "urn:oid:2.16.840.1.113883.6.300"  # NAIC company code (US Core payer example)
TIN_SYSTEMS = ("urn:oid:2.16.840.1.113883.4.4", "http://terminology.hl7.org/NamingSystem/USEIN")

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
INDIVIDUAL_SEX = US_CORE + "us-core-individual-sex"
BIRTH_SEX = US_CORE + "us-core-birthsex"
INTERPRETER_NEEDED = US_CORE + "us-core-interpreter-needed"
SNOMED_SEX = {"248152002": "F", "248153007": "M"}  # Female (finding), Male (finding)
SNOMED_YES_NO = {"373066001": True, "373067005": False}  # Yes / No (qualifier value)
GENDER = {"female": "F", "male": "M"}  # administrative gender; other/unknown → U


def _extension(resource: Any, url: str) -> Any | None:
    return next((e for e in (resource.extension or []) if e.url == url), None)


def _sex(patient: Any, notes: list[str]) -> Sex:
    if patient.gender:
        return GENDER.get(patient.gender, "U")  # type: ignore[return-value]
    # US Core 9 no longer requires gender; it offers individual-sex and (older) birthsex.
    ext = _extension(patient, INDIVIDUAL_SEX)
    if ext is not None and ext.valueCoding is not None and ext.valueCoding.system == SNOMED:
        sex = SNOMED_SEX.get(str(ext.valueCoding.code))
        if sex:
            notes.append("Sex taken from the US Core individual-sex extension (no gender sent).")
            return sex  # type: ignore[return-value]
    ext = _extension(patient, BIRTH_SEX)
    if ext is not None and ext.valueCode in ("F", "M"):
        notes.append("Sex taken from the US Core birth-sex extension (no gender sent).")
        return ext.valueCode  # type: ignore[no-any-return]
    notes.append("No sex in the file; recorded as unknown.")
    return "U"


def _name(names: Any, resource_type: str) -> tuple[str, str, str]:
    name = pick_current(
        [n for n in (names or []) if n.use not in ("nickname", "anonymous", "maiden")],
        ("official", "usual", None),
    )
    if name is None or not (name.family and name.given):
        raise Refuse(f"The {resource_type.lower()} has no current first and last name.")
    given = [str(g) for g in name.given if g]
    return given[0], " ".join(given[1:]), str(name.family)


def _mbi(patient: Any) -> str:
    values = identifier_values(patient.identifier, MBI_SYSTEMS) or identifier_values_by_type(
        patient.identifier, MBI_TYPE_CODE
    )
    if not values:
        return ""
    try:
        validators.validate_mbi(values[0])
    except ValidationError as exc:
        raise Refuse(f"Invalid Medicare number (MBI): {staff_message(exc)}") from None
    return validators.normalize_mbi(values[0])


def _interpreter_needed(patient: Any) -> bool | None:
    ext = _extension(patient, INTERPRETER_NEEDED)
    coding = getattr(ext, "valueCoding", None)
    if coding is None or coding.system != SNOMED:
        return None
    return SNOMED_YES_NO.get(str(coding.code))


def _language(patient: Any) -> tuple[str, str]:
    communications = list(patient.communication or [])
    chosen = next((c for c in communications if c.preferred), None) or (
        communications[0] if communications else None
    )
    if chosen is None:
        return "", ""
    codes = codes_of(chosen.language, "urn:ietf:bcp:47")
    return (codes[0] if codes else ""), concept_text(chosen.language)


def read_patient(patient: Any) -> tuple[PatientData, list[str]]:
    notes: list[str] = []
    first, middle, last = _name(patient.name, "Patient")
    if patient.birthDate is None:
        raise Refuse("Missing birth date.")
    if not isinstance(patient.birthDate, date):
        raise Refuse(f"The birth date is incomplete ({patient.birthDate}); a full date is needed.")
    if patient.birthDate > date.today():
        raise Refuse("The birth date is in the future.")
    if patient.birthDate.year < 1900:
        raise Refuse("Check the year of birth (before 1900).")
    language, language_display = _language(patient)
    data = PatientData(
        first_name=first,
        middle_name=middle,
        last_name=last,
        birth_date=patient.birthDate,
        sex=_sex(patient, notes),
        address=read_address(patient.address),
        phone=read_phone(patient.telecom),
        mbi=_mbi(patient),
        preferred_language=language,
        preferred_language_display=language_display,
        interpreter_needed=_interpreter_needed(patient),
    )
    if not data.mbi:
        notes.append("No Medicare number (MBI) in the patient record.")
    return data, notes


def _npi(resource: Any, required: bool) -> str:
    values = identifier_values(resource.identifier, [NPI])
    if not values:
        if required:
            raise Refuse("No NPI (identifier system http://hl7.org/fhir/sid/us-npi).")
        return ""
    try:
        validators.validate_npi(values[0])
    except ValidationError as exc:
        raise Refuse(f"Invalid NPI {values[0]}: {staff_message(exc)}") from None
    return validators.normalize_npi(values[0])


def read_practitioner(practitioner: Any) -> tuple[PractitionerData, list[str]]:
    first, _middle, last = _name(practitioner.name, "Practitioner")
    name = pick_current(practitioner.name, ("official", "usual", None))
    suffixes = [str(s) for s in (getattr(name, "suffix", None) or [])]
    qualifications = [concept_text(q.code) for q in (practitioner.qualification or [])]
    data = PractitionerData(
        first_name=first,
        last_name=last,
        credentials=", ".join(s for s in suffixes or qualifications if s),
        npi=_npi(practitioner, required=True),
        address=read_address(practitioner.address),
        phone=read_phone(practitioner.telecom),
    )
    return data, []


# organization-type codes (R4 CodeSystem organization-type): prov = healthcare provider,
# pay = payer, ins = insurance company.
ORG_KINDS: dict[str, OrganizationKind] = {"prov": "provider", "pay": "payer", "ins": "payer"}
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"


def read_organization(organization: Any) -> tuple[OrganizationData, list[str]]:
    if not organization.name:
        raise Refuse("The organization has no name.")
    kinds = [ORG_KINDS[c] for t in (organization.type or []) for c in codes_of(t, ORG_TYPE)]
    naic = identifier_values(organization.identifier, [NAIC])
    tin = identifier_values(organization.identifier, TIN_SYSTEMS) or [
        str(i.value)
        for i in (organization.identifier or [])
        if i.value and str(i.system or "").endswith("us-tin")
    ]
    data = OrganizationData(
        name=str(organization.name),
        kind=kinds[0] if kinds else "other",
        npi=_npi(organization, required=False),
        naic=naic[0] if naic else "",
        tin=tin[0] if tin else "",
        address=read_address(organization.address),
        phone=read_phone(organization.telecom),
    )
    return data, []
