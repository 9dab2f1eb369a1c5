"""The coverage engine's vocabulary and the accumulator its rules write to.

Determinations and their order, criterion statuses and ids, the Criterion and Modifier an
Assessment is made of, the citations for what the engine itself encodes, and `_Findings`,
what assess() collects on the way. Shared by assess.py (the entry point), criteria.py and
outcome.py, and imports none of them. Names with a leading
underscore are internal to these engine modules.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Determination(StrEnum):
    COVERED = "covered"
    PRIOR_AUTH_REQUIRED = "prior_auth_required"
    MEDICAL_NECESSITY_REVIEW = "medical_necessity_review"
    LIKELY_DENIED = "likely_denied"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"


# Best first. INCOMPLETE ranks above LIKELY_DENIED: an unknown fact may still turn out met,
# an unmet criterion will not. The monotonicity property test relies on this order.
DETERMINATION_ORDER: tuple[Determination, ...] = (
    Determination.COVERED,
    Determination.PRIOR_AUTH_REQUIRED,
    Determination.MEDICAL_NECESSITY_REVIEW,
    Determination.INCOMPLETE,
    Determination.LIKELY_DENIED,
    Determination.NOT_ELIGIBLE,
)


def determination_rank(determination: Determination) -> int:
    """0 for the outcome best for the patient; larger is worse."""
    return DETERMINATION_ORDER.index(determination)


class Status(StrEnum):
    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"


class SourceKind(StrEnum):
    """What stands behind a criterion (reference medicare.md §G, "Kinds of source").

    Only the first three can deny: statute or regulation (SSA, 42 CFR, CMS manuals), the FDA
    label or the Spravato REMS, an LCD or billing article of the patient's own contractor.
    Typical payer practice (reference §A "What payers typically require") is advice for the
    letter, never grounds for `likely_denied` or `not_eligible`.
    """

    REGULATION = "regulation"
    LABEL = "label"
    CONTRACTOR = "contractor"
    PAYER_PRACTICE = "payer_practice"


DENYING_KINDS: frozenset[str] = frozenset(
    {SourceKind.REGULATION, SourceKind.LABEL, SourceKind.CONTRACTOR}
)


def can_deny(kind: str) -> bool:
    """True for a source that can make a request likely denied; anything else is advice."""
    return kind in DENYING_KINDS


CRITERION_IDS: tuple[str, ...] = (
    "coverage.active",
    "coverage.rule",
    "rems.site_certified",
    "rems.patient_enrolled",
    "contraindication.aneurysmal_vascular_disease",
    "contraindication.intracerebral_hemorrhage",
    "contraindication.ketamine_hypersensitivity",
    "patient.age",
    "diagnosis.qualifying",
    "diagnosis.supporting",
    "severity.score",
    "history.failed_trials",
    "history.trial_length",
    "history.distinct_classes",
    "history.augmentation",
    "history.psychotherapy",
    "exclusion.psychosis",
    "exclusion.substance_use_disorder",
    "label.oral_antidepressant",
    "offlabel.medically_accepted",
)

# An unmet gate means the treatment cannot be given or paid at all, not just "likely denied".
_GATES = ("coverage.active", "rems.", "contraindication.")


@dataclass(frozen=True)
class Criterion:
    id: str
    statement: str
    status: Status
    evidence: str
    citation: str
    source_kind: str = SourceKind.PAYER_PRACTICE

    @property
    def decisive(self) -> bool:
        """Whether this criterion can decide the request (its source can deny)."""
        return can_deny(self.source_kind)


@dataclass(frozen=True)
class MissingFact:
    """A fact never recorded that a decisive criterion needs, and where intake records it.

    `step` is an intake step key (intake.choices.IntakeStep: coverage, clinical, history,
    screening, request) or "" when no intake step records it (e.g. rule data).
    """

    fact: str
    step: str
    criterion: str


@dataclass(frozen=True)
class Advice:
    """A typical-payer-practice criterion not shown met: what would strengthen the letter."""

    criterion: str
    text: str
    step: str
    citation: str


@dataclass(frozen=True)
class Modifier:
    code: str
    reason: str


# Citations for what the engine itself encodes (label facts, claim rules); payer thresholds
# and their citations live in the policy data.
LABEL = "Spravato label (NDA 211243)"
KETALAR = "Ketalar label (NDA 016812)"
CITE_ENROLMENT = "SSA §1838 (Part B coverage period): Medicare pays only while enrolled"
CITE_REMS = f"{LABEL} §5 SPRAVATO REMS: certified setting, patient enrolled before treatment"
CITE_REMS_INPATIENT = (
    "SPRAVATO REMS: inpatient settings need neither patient enrolment nor the Patient "
    "Monitoring Form (reference medicare.md §G Codes; VERIFY against the REMS programme text)"
)
CITE_RULE_NONE = (
    "SSA §1862(a)(1)(A); BPM Ch.15 §50.4.1 (labelled use), §50.4.2 (off-label only where "
    "medically accepted): no reviewed rule accepts this use"
)
CITE_ABN = "ABN form CMS-R-131; Medicare Claims Processing Manual Ch.30"
CITE_ABN_SPECIFIC = (
    "Medicare Claims Processing Manual Ch.30 §40.3.6: an ABN needs a specific reason to "
    "expect denial; routine ABNs are prohibited"
)
CITE_MA_CRITERIA = (
    "42 CFR 422.101(b)(6): an MA plan may apply only its own publicly available criteria"
)
CITE_KX = "CGS MAC SPRAVATO billing instructions (2023): KX for REMS enrolment (VERIFY per MAC)"
CITE_SELF_ADMIN = "BPM Ch.15 §50.2: Part B does not cover drugs usually self-administered"
CITE_PSYCHOSIS_CODES = "ICD-10-CM F20-F29, F30.2, F31.2, F31.5, F32.3, F33.3 (psychotic)"

# (screening field, statement, citation): label contraindications outrank any payer
# criteria, so each one is a gate.
CONTRAINDICATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "esketamine": (
        ("aneurysmal_vascular_disease", "No aneurysmal vascular disease or AVM", f"{LABEL} §4"),
        ("intracerebral_hemorrhage", "No history of intracerebral haemorrhage", f"{LABEL} §4"),
        ("ketamine_hypersensitivity", "No hypersensitivity to (es)ketamine", f"{LABEL} §4"),
    ),
    "iv_ketamine": (
        ("ketamine_hypersensitivity", "No hypersensitivity to ketamine", f"{KETALAR} §4"),
    ),
}
PSYCHOTIC_PREFIXES: tuple[str, ...] = ("F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29")
PSYCHOTIC_PREFIXES += ("F30.2", "F31.2", "F31.5", "F32.3", "F33.3")  # "with psychotic features"

PRODUCTS = {"esketamine": "Esketamine nasal spray", "iv_ketamine": "IV ketamine"}
INDICATIONS = {
    "trd": "treatment-resistant depression",
    "mdd_si": "major depression with acute suicidal ideation",
    "ptsd": "PTSD",
    "crps": "complex regional pain syndrome",
    "neuropathic_pain": "chronic neuropathic pain",
}
PROGRAMS = {"original": "Original Medicare", "advantage": "Medicare Advantage"}
INSTRUMENTS = {"phq9": "PHQ-9", "madrs": "MADRS", "pcl5": "PCL-5", "pain_nrs": "pain NRS"}
FAILED = ("no_response", "partial_response")


class _Findings:
    """What assess() collects on the way to a determination."""

    def __init__(self) -> None:
        self.criteria: list[Criterion] = []
        self.missing: list[MissingFact] = []
        self.advice: list[Advice] = []
        self.warnings: list[str] = []
        self.next_steps: list[str] = []

    def add(
        self,
        cid: str,
        statement: str,
        status: Status,
        evidence: str,
        citation: str,
        missing: Iterable[str] = (),
        *,
        kind: str,
        step: str = "",
        advice: str = "",
    ) -> None:
        """Record a criterion; an unknown decisive one names its missing facts, and a
        payer-practice one not met becomes advice (its unknown facts go in the advice)."""
        criterion = Criterion(cid, statement, status, evidence, citation, kind)
        self.criteria.append(criterion)
        if status is Status.MET:
            return
        if criterion.decisive:
            if status is Status.UNKNOWN:
                self.missing += [MissingFact(m, step, cid) for m in missing if m]
            return
        detail = "; ".join(m for m in missing if m) if status is Status.UNKNOWN else ""
        text = advice or statement
        if detail:
            text = f"{text} (record: {detail})"
        self.advice.append(Advice(cid, f"Strengthens the letter: {text}.", step, citation))

    def add_bool(
        self,
        cid: str,
        statement: str,
        value: bool | None,
        good: bool,
        evidence: tuple[str, str, str],
        citation: str,
        missing: str,
        *,
        kind: str,
        step: str = "",
        advice: str = "",
    ) -> Status:
        """A criterion read off one yes/no/unknown fact; evidence is (met, unmet, unknown)."""
        status = Status.UNKNOWN if value is None else Status.MET if value is good else Status.UNMET
        met, unmet, unknown = evidence
        text = {Status.MET: met, Status.UNMET: unmet, Status.UNKNOWN: unknown}[status]
        self.add(
            cid, statement, status, text, citation, [missing], kind=kind, step=step, advice=advice
        )
        return status
