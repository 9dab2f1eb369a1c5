"""Intake models, one module per part of the record; import them from here."""

from .clinic import Address, Clinic, Provider
from .clinical import Diagnosis, Screening, SymptomScore, TreatmentRequest, TreatmentTrial
from .mfa import MfaEnrolment
from .patient import Coverage, Patient, PatientQuerySet

__all__ = [
    "Address",
    "Clinic",
    "Coverage",
    "Diagnosis",
    "MfaEnrolment",
    "Patient",
    "PatientQuerySet",
    "Provider",
    "Screening",
    "SymptomScore",
    "TreatmentRequest",
    "TreatmentTrial",
]
