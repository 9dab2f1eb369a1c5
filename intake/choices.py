"""Enumerations shared by intake models, forms and the coverage adapter."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown / not stated"


class Program(models.TextChoices):
    ORIGINAL = "original", "Original Medicare (Part A/B)"
    ADVANTAGE = "advantage", "Medicare Advantage (Part C)"
    NONE = "none", "No active Medicare coverage"


class MedicaidDual(models.TextChoices):
    NONE = "none", "Not dual eligible"
    QMB = "qmb", "QMB (Medicaid pays Medicare cost sharing)"
    FULL = "full", "Full dual eligible"
    PARTIAL = "partial", "Partial dual eligible (SLMB/QI)"


class Instrument(models.TextChoices):
    # Score ranges are those of the published instruments: PHQ-9 (Kroenke 2001) 0-27,
    # MADRS (Montgomery & Asberg 1979) 0-60, GAD-7 (Spitzer 2006) 0-21,
    # PCL-5 (Weathers 2013) 0-80, pain numeric rating scale 0-10.
    PHQ9 = "phq9", "PHQ-9"
    MADRS = "madrs", "MADRS"
    GAD7 = "gad7", "GAD-7"
    PCL5 = "pcl5", "PCL-5"
    PAIN_NRS = "pain_nrs", "Pain NRS"


INSTRUMENT_RANGES = {
    Instrument.PHQ9: (0, 27),
    Instrument.MADRS: (0, 60),
    Instrument.GAD7: (0, 21),
    Instrument.PCL5: (0, 80),
    Instrument.PAIN_NRS: (0, 10),
}


class TrialKind(models.TextChoices):
    ANTIDEPRESSANT = "antidepressant", "Antidepressant trial"
    AUGMENTATION = "augmentation", "Augmentation (e.g. antipsychotic, lithium)"
    PSYCHOTHERAPY = "psychotherapy", "Psychotherapy"
    ECT = "ect", "ECT"
    TMS = "tms", "TMS"


class DrugClass(models.TextChoices):
    SSRI = "ssri", "SSRI"
    SNRI = "snri", "SNRI"
    TCA = "tca", "Tricyclic (TCA)"
    MAOI = "maoi", "MAOI"
    NDRI = "ndri", "NDRI (bupropion)"
    ATYPICAL = "atypical", "Atypical (mirtazapine, trazodone, vortioxetine, vilazodone)"
    ANTIPSYCHOTIC = "antipsychotic", "Atypical antipsychotic (augmentation)"
    LITHIUM = "lithium", "Lithium (augmentation)"
    OTHER = "other", "Other"


class Adherence(models.TextChoices):
    GOOD = "good", "Taken as prescribed"
    PARTIAL = "partial", "Partly adherent"
    POOR = "poor", "Not adherent"
    UNKNOWN = "unknown", "Unknown"


class Outcome(models.TextChoices):
    NO_RESPONSE = "no_response", "No response (< 25% improvement)"
    PARTIAL_RESPONSE = "partial_response", "Partial response (25-50%)"
    INTOLERANCE = "intolerance", "Stopped for intolerance"
    RESPONSE = "response", "Responded"
    UNKNOWN = "unknown", "Unknown"


class Product(models.TextChoices):
    IV_KETAMINE = "iv_ketamine", "IV racemic ketamine infusion"
    ESKETAMINE = "esketamine", "Esketamine nasal spray (Spravato)"


class Indication(models.TextChoices):
    TRD = "trd", "Treatment-resistant depression"
    MDD_SI = "mdd_si", "Major depression with acute suicidal ideation or behaviour"
    PTSD = "ptsd", "Post-traumatic stress disorder"
    CRPS = "crps", "Complex regional pain syndrome"
    NEUROPATHIC_PAIN = "neuropathic_pain", "Chronic neuropathic pain"


class IntakeStep(models.TextChoices):
    PATIENT = "patient", "Patient"
    COVERAGE = "coverage", "Coverage"
    CLINICAL = "clinical", "Diagnoses and scores"
    HISTORY = "history", "Treatment history"
    SCREENING = "screening", "Screening"
    REQUEST = "request", "Treatment request"
    REVIEW = "review", "Review"


INTAKE_STEPS = [step.value for step in IntakeStep]

YES_NO_UNKNOWN = [(True, "Yes"), (False, "No"), (None, "Unknown")]
