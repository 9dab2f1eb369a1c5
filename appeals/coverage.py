"""Coverage rules engine: intake facts + reviewed policies in, an explained Assessment out.

Pure: no ORM, no I/O, no clock; the date of service is an argument. How each determination
and criterion is decided, and where each rule comes from: docs/coverage.md.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from .coverage_facts import (
    CoverageFacts,
    Diagnosis,
    IntakeFacts,
    Policy,
    PolicyError,
    RequestFacts,
    Score,
    Screening,
    Trial,
    check_policies,
    load_default_policies,
    policy_from_dict,
)

__all__ = [
    "CRITERION_IDS",
    "DETERMINATION_ORDER",
    "Assessment",
    "CoverageFacts",
    "Criterion",
    "Determination",
    "Diagnosis",
    "IntakeFacts",
    "Modifier",
    "Policy",
    "PolicyError",
    "RequestFacts",
    "Score",
    "Screening",
    "Status",
    "Trial",
    "assess",
    "check_policies",
    "determination_rank",
    "load_default_policies",
    "policy_from_dict",
    "select_policy",
]


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
_ORDER = {cid: i for i, cid in enumerate(CRITERION_IDS)}


@dataclass(frozen=True)
class Criterion:
    id: str
    statement: str
    status: Status
    evidence: str
    citation: str


@dataclass(frozen=True)
class Modifier:
    code: str
    reason: str


@dataclass(frozen=True)
class Assessment:
    determination: Determination
    summary: str
    policy_key: str | None
    policy_version: int | None
    coverage_path: str | None
    fda_status: str | None
    criteria: tuple[Criterion, ...]
    documents: tuple[str, ...]
    modifiers: tuple[Modifier, ...]
    missing: tuple[str, ...]
    warnings: tuple[str, ...]
    next_steps: tuple[str, ...]
    citations: tuple[str, ...]
    codes: tuple[str, ...] = ()

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Criterion | Modifier):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


# Citations for what the engine itself encodes (label facts, claim rules); payer thresholds
# and their citations live in the policy data.
LABEL = "Spravato label (NDA 211243)"
KETALAR = "Ketalar label (NDA 016812)"
CITE_ENROLMENT = "SSA §1838 (Part B coverage period): Medicare pays only while enrolled"
CITE_REMS = f"{LABEL} §5 SPRAVATO REMS: certified setting, patient enrolled before treatment"
CITE_ABN = "ABN form CMS-R-131; Medicare Claims Processing Manual Ch.30"
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


def select_policy(
    policies: Iterable[Policy], product: str, indication: str, program: str, on: date
) -> Policy | None:
    """The rule in force on `on` for this case; should admins leave an overlap, newest wins."""
    case = (product, indication, program)
    matches = [p for p in policies if (p.product, p.indication, p.program) == case]
    in_force = [p for p in matches if p.in_force(on)]
    return max(in_force, key=lambda p: (p.effective_from, p.version), default=None)


class _Findings:
    """What assess() collects on the way to a determination."""

    def __init__(self) -> None:
        self.criteria: list[Criterion] = []
        self.missing: list[str] = []
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
    ) -> None:
        self.criteria.append(Criterion(cid, statement, status, evidence, citation))
        if status is Status.UNKNOWN:
            self.missing.extend(missing)

    def add_bool(
        self,
        cid: str,
        statement: str,
        value: bool | None,
        good: bool,
        evidence: tuple[str, str, str],
        citation: str,
        missing: str,
    ) -> Status:
        """A criterion read off one yes/no/unknown fact; evidence is (met, unmet, unknown)."""
        status = Status.UNKNOWN if value is None else Status.MET if value is good else Status.UNMET
        met, unmet, unknown = evidence
        text = {Status.MET: met, Status.UNMET: unmet, Status.UNKNOWN: unknown}[status]
        self.add(cid, statement, status, text, citation, [missing])
        return status


def assess(facts: IntakeFacts, policies: Sequence[Policy], on: date) -> Assessment:
    """Assess one treatment request as of `on`, the planned date of service."""
    req, coverage = facts.request, facts.coverage
    program = coverage.program if coverage else None
    found = _Findings()
    _gates(found, facts, on)
    policy = None
    if program in PROGRAMS:
        policy = select_policy(policies, req.product, req.indication, program, on)
        _coverage_rule(found, req, program, policy, on)
    elif program is None:
        found.add(
            "coverage.rule",
            "A reviewed coverage rule applies to this request on the date",
            Status.UNKNOWN,
            "The rule depends on the Medicare program, which is not recorded.",
            CITE_ENROLMENT,
        )
    if policy is not None:
        _policy_criteria(found, policy, facts, on)

    determination = _decide(found.criteria, policy, coverage)
    _warnings(found, facts, policy, determination)
    codes = _codes(found, req)
    if req.product == "esketamine" and coverage is not None and coverage.has_part_d:
        _part_d(found, facts, policies, on)
    modifiers = _modifiers(found, determination, program, req)
    _next_steps(found, determination, program, req, codes)
    citations = [*(policy.citations if policy else ()), *(c.citation for c in found.criteria)]
    citations += [_MODIFIER_CITATIONS[m.code] for m in modifiers]
    return Assessment(
        determination=determination,
        summary=_summary(determination, req, program, policy, found.criteria),
        policy_key=policy.key if policy else None,
        policy_version=policy.version if policy else None,
        coverage_path=policy.coverage_path if policy else None,
        fda_status=policy.fda_status if policy else _fda_status(req),
        criteria=tuple(sorted(found.criteria, key=lambda c: _ORDER.get(c.id, len(_ORDER)))),
        documents=_documents(determination, program, coverage),
        modifiers=modifiers,
        missing=_unique(found.missing),
        warnings=_unique(found.warnings),
        next_steps=_unique(found.next_steps),
        citations=_unique(citations),
        codes=codes,
    )


# --- Gates: coverage on the date, REMS, label contraindications ------------------------


def _gates(found: _Findings, facts: IntakeFacts, on: date) -> None:
    coverage, req, screening = facts.coverage, facts.request, facts.screening
    day = on.isoformat()
    name = PROGRAMS.get(coverage.program, "Medicare") if coverage else "Medicare"
    found.add_bool(
        "coverage.active",
        f"Medicare Part B or Medicare Advantage coverage is active on {day}",
        coverage.active_on_request_date and name != "Medicare" if coverage else None,
        True,
        (f"{name} is active on {day}.", f"No active Medicare coverage on {day}.", "None recorded."),
        CITE_ENROLMENT,
        "Medicare coverage: program, Part B effective date, end date",
    )
    if req.product == "esketamine":
        yes_no = "The clinic is REMS-certified.", "The clinic is not REMS-certified."
        found.add_bool(
            "rems.site_certified",
            "Given in a SPRAVATO REMS-certified healthcare setting",
            req.site_rems_certified,
            True,
            (*yes_no, ""),
            CITE_REMS,
            "",
        )
        found.add_bool(
            "rems.patient_enrolled",
            "The patient is enrolled in the SPRAVATO REMS before the first session",
            req.patient_rems_enrolled,
            True,
            ("Enrolled.", "The patient is not enrolled in the SPRAVATO REMS.", "Not recorded."),
            CITE_REMS,
            "Whether the patient is enrolled in the SPRAVATO REMS",
        )
    for field, statement, citation in CONTRAINDICATIONS.get(req.product, ()):
        condition = statement.removeprefix("No ")
        found.add_bool(
            f"contraindication.{field}",
            statement,
            getattr(screening, field) if screening else None,
            False,
            ("Screened: absent.", f"{_cap(condition)}: a label contraindication.", "Not screened."),
            citation,
            f"Screening: {condition}",
        )


def _coverage_rule(
    found: _Findings, req: RequestFacts, program: str, policy: Policy | None, on: date
) -> None:
    statement = "A reviewed coverage rule applies to this request on the date"
    if policy is not None:
        until = f" to {policy.effective_to}" if policy.effective_to else ""
        evidence = f"{policy.key} v{policy.version}, in force from {policy.effective_from}{until}."
        found.add("coverage.rule", statement, Status.MET, evidence, policy.citation_for(""))
        return
    what = f"{PRODUCTS.get(req.product, req.product)} for {INDICATIONS.get(req.indication, '?')}"
    evidence = f"No rule covers {what} under {PROGRAMS[program]} on {on}."
    if req.product == "esketamine":
        evidence += " Esketamine is paid only for its labelled indications."
        citation = "First Coast Billing and Coding Article A59250 (labelled indications only)"
    else:
        citation = "SSA §1862(a)(1)(A); BPM Ch.15 §50.4.2"
    found.add("coverage.rule", statement, Status.UNMET, evidence, citation)


# --- Policy criteria ------------------------------------------------------------------


def _policy_criteria(found: _Findings, policy: Policy, facts: IntakeFacts, on: date) -> None:
    cite, req, screening = policy.citation_for, facts.request, facts.screening
    if policy.min_age is not None:
        age = facts.age
        found.add_bool(
            "patient.age",
            f"Patient is at least {policy.min_age} years old",
            None if age is None else age >= policy.min_age,
            True,
            (f"Age {age}.", f"Age {age}.", "Age not recorded."),
            cite("age"),
            "Date of birth",
        )
    if policy.diagnosis_prefixes:
        _diagnosis(found, policy, facts.diagnoses)
    if policy.supporting_diagnosis_prefixes:
        codes = ", ".join(policy.supporting_diagnosis_prefixes)
        prefixes = policy.supporting_diagnosis_prefixes
        seen = [d.code for d in facts.diagnoses if _has_prefix(d.code, prefixes)]
        # No code is no proof that there is no suicidal ideation: absence stays unknown.
        found.add_bool(
            "diagnosis.supporting",
            f"Acute suicidal ideation or behaviour is documented ({codes})",
            True if seen else None,
            True,
            (f"{', '.join(seen)} recorded.", "", f"None of {codes} recorded."),
            cite("supporting_diagnosis"),
            f"Documentation of acute suicidal ideation or behaviour ({codes})",
        )
    if policy.severity:
        _severity(found, policy, facts.scores, on)
    if policy.min_failed_trials > 0:
        _failed_trials(found, policy, facts.trials)
    if policy.min_distinct_classes > 1:
        _distinct_classes(found, policy, facts.trials)
    if policy.require_augmentation:
        _tried(found, policy, facts.trials, "augmentation")
    if policy.require_psychotherapy:
        _tried(found, policy, facts.trials, "psychotherapy")
    if "psychosis" in policy.exclusions:
        coded = [d.code for d in facts.diagnoses if _has_prefix(d.code, PSYCHOTIC_PREFIXES)]
        history = screening.psychosis_history if screening else None
        found.add_bool(
            "exclusion.psychosis",
            "No history of psychosis (a payer exclusion unless benefit outweighs risk)",
            True if coded else history,
            False,
            ("Screened: none.", f"History of psychosis {' '.join(coded)}.", "Not screened."),
            cite("exclusions") + (f"; {CITE_PSYCHOSIS_CODES}" if coded else ""),
            "Screening: history of psychosis",
        )
    if "substance_use_disorder" in policy.exclusions:
        found.add_bool(
            "exclusion.substance_use_disorder",
            "No active moderate or severe substance use disorder",
            screening.active_substance_use_disorder if screening else None,
            False,
            ("Screened: none.", "Active substance use disorder.", "Not screened."),
            cite("exclusions"),
            "Screening: active substance use disorder",
        )
    if policy.requires_oral_antidepressant:
        found.add_bool(
            "label.oral_antidepressant",
            "Esketamine is given with an oral antidepressant, as this rule's label text requires",
            req.with_oral_antidepressant,
            True,
            ("Yes.", f"No; {policy.key} requires one.", "Not recorded."),
            cite("oral_antidepressant"),
            "Whether the patient continues an oral antidepressant",
        )
    if policy.fda_status == "off_label":
        basis = policy.medically_accepted_basis or "The clinic has not reviewed the evidence."
        found.add_bool(
            "offlabel.medically_accepted",
            "The off-label use is medically accepted (compendia, literature, practice standards)",
            policy.medically_accepted,
            True,
            (basis, basis, basis),
            cite("medically_accepted"),
            f"The clinic's evidence review for {policy.key} (coverage rule data)",
        )


def _diagnosis(found: _Findings, policy: Policy, diagnoses: tuple[Diagnosis, ...]) -> None:
    ok = [
        d
        for d in diagnoses
        if _has_prefix(d.code, policy.diagnosis_prefixes)
        and not _has_prefix(d.code, policy.excluded_diagnosis_prefixes)
    ]
    best = next((d for d in ok if d.is_primary), ok[0] if ok else None)
    if best is not None and not best.is_primary:
        found.warnings.append(f"List {best.code} as the primary diagnosis on the claim and letter.")
    recorded = ", ".join(d.code for d in diagnoses)
    excluded = ", ".join(policy.excluded_diagnosis_prefixes) or "none"
    found.add_bool(
        "diagnosis.qualifying",
        f"A qualifying diagnosis is recorded ({', '.join(policy.diagnosis_prefixes)})",
        None if not diagnoses else best is not None,
        True,
        (
            f"{best.code}{' (primary)' if best and best.is_primary else ''}." if best else "",
            f"Recorded {recorded}; none qualifies (excluded: {excluded}).",
            "No diagnosis recorded.",
        ),
        policy.citation_for("diagnosis"),
        "Diagnosis (ICD-10-CM code)",
    )


def _severity(found: _Findings, policy: Policy, scores: tuple[Score, ...], on: date) -> None:
    need = dict(policy.severity)
    latest: dict[str, Score] = {}
    for s in scores:
        if s.instrument in need and s.administered_on <= on:
            prior = latest.get(s.instrument)
            if prior is None or (s.administered_on, s.score) > (prior.administered_on, prior.score):
                latest[s.instrument] = s
    name = INSTRUMENTS.get
    wanted = " or ".join(f"{name(i, i)} >= {t}" for i, t in policy.severity)
    shown = "; ".join(
        f"{name(s.instrument, s.instrument)} {s.score} on {s.administered_on}"
        for s in latest.values()
    )
    found.add_bool(
        "severity.score",
        f"Current severity: latest {wanted}",
        any(s.score >= need[s.instrument] for s in latest.values()) if latest else None,
        True,
        (f"Latest {shown}.", f"Latest {shown}; below {wanted}.", "No score on or before the date."),
        policy.citation_for("severity"),
        f"A current severity score ({' or '.join(name(i, i) for i in need)})",
    )


def _trial_label(trial: Trial) -> str:
    dose = trial.dose or (f"{trial.dose_mg:g} mg" if trial.dose_mg is not None else "")
    weeks = f"{trial.weeks:g} wk" if trial.weeks is not None else ""
    return " ".join(part for part in (trial.drug or "unnamed drug", dose, weeks) if part)


def _grade(trial: Trial, policy: Policy) -> tuple[str, str]:
    """('adequate' | 'uncertain' | 'no', why) for one antidepressant trial under this rule."""
    if not trial.current_episode:
        return "no", "not in the current episode"
    if trial.outcome == "response":
        return "no", "responded"
    if trial.outcome == "intolerance":
        # Stopped for side effects, a trial never reaches full dose or length: when the rule
        # counts intolerance as failure, neither is asked of it.
        if policy.count_intolerance_as_failure:
            return "adequate", "stopped for intolerance"
        return "no", "stopped for intolerance, not counted by this rule"
    if trial.adherence == "poor":
        return "no", "not taken as prescribed"
    if trial.weeks is not None and not trial.weeks >= policy.min_weeks_per_trial:  # NaN too
        return "no", f"under {policy.min_weeks_per_trial:g} weeks"
    if trial.adequate_dose is False:
        return "no", "below a therapeutic dose"
    unknown = [
        why
        for why, missing in (
            ("length not recorded", trial.weeks is None),
            ("therapeutic dose not confirmed", trial.adequate_dose is None),
            ("outcome not recorded", trial.outcome == "unknown"),
        )
        if missing
    ]
    return ("uncertain", ", ".join(unknown)) if unknown else ("adequate", "")


def _graded(policy: Policy, trials: tuple[Trial, ...]) -> list[tuple[Trial, str, str]]:
    return [(t, *_grade(t, policy)) for t in trials if t.kind == "antidepressant"]


def _failed_trials(found: _Findings, policy: Policy, trials: tuple[Trial, ...]) -> None:
    need, graded = policy.min_failed_trials, _graded(policy, trials)
    groups = {v: [(t, why) for t, verdict, why in graded if verdict == v] for v in _VERDICTS}
    sure, maybe = len(groups["adequate"]), len(groups["uncertain"])

    def listing(items: list[tuple[Trial, str]]) -> str:
        return ", ".join(_trial_label(t) + (f" ({why})" if why else "") for t, why in items)

    parts = [f"{_VERDICTS[v]}: {listing(items)}" for v, items in groups.items() if items]
    intolerance = " (or was stopped for intolerance)" if policy.count_intolerance_as_failure else ""
    found.add(
        "history.failed_trials",
        f"At least {need} antidepressant trial(s) in the current episode failed{intolerance} "
        f"at a therapeutic dose for at least {policy.min_weeks_per_trial:g} weeks",
        Status.MET if sure >= need else Status.UNKNOWN if sure + maybe >= need else Status.UNMET,
        f"{sure} adequate; " + "; ".join(parts) + "." if parts else "No antidepressant trials.",
        policy.citation_for("failed_trials"),
        [f"{_trial_label(t)}: {why}" for t, why in groups["uncertain"]],
    )


_VERDICTS = {"adequate": "counted", "uncertain": "unconfirmed", "no": "not counted"}


def _distinct_classes(found: _Findings, policy: Policy, trials: tuple[Trial, ...]) -> None:
    need, graded = policy.min_distinct_classes, _graded(policy, trials)
    sure = {t.drug_class for t, verdict, _ in graded if verdict == "adequate" and t.drug_class}
    open_ = [t for t, verdict, _ in graded if verdict != "no"]
    # A trial of unrecorded class might be a new class, so it keeps the question open.
    maybe = len({t.drug_class for t in open_ if t.drug_class}) + sum(
        not t.drug_class for t in open_
    )
    found.add(
        "history.distinct_classes",
        f"The failed trials span at least {need} antidepressant classes",
        Status.MET if len(sure) >= need else Status.UNKNOWN if maybe >= need else Status.UNMET,
        f"Classes of counted trials: {', '.join(sorted(sure)) or 'none'}.",
        policy.citation_for("distinct_classes"),
        [f"{_trial_label(t)}: drug class" for t in open_ if not t.drug_class]
        or ["Dose, length or outcome of the unconfirmed antidepressant trials"],
    )


def _tried(found: _Findings, policy: Policy, trials: tuple[Trial, ...], kind: str) -> None:
    """Augmentation (failed, current episode) or psychotherapy (tried, any episode)."""
    if kind == "augmentation":
        tried = [t for t in trials if t.kind == kind and t.current_episode]
        done = [t for t in tried if t.outcome in (*FAILED, "intolerance")]
        statement = "An augmentation trial (e.g. antipsychotic, lithium) failed this episode"
    else:
        tried = [t for t in trials if t.kind == kind]
        done = [t for t in tried if t.outcome != "unknown"]
        statement = "Evidence-based psychotherapy has been tried"
    unclear = [t for t in tried if t.outcome == "unknown"]
    found.add_bool(
        f"history.{kind}",
        statement,
        True if done else None if unclear else False,
        True,
        (
            f"Tried: {', '.join(map(_trial_label, done))}.",
            f"No qualifying {kind} recorded.",
            f"Outcome not recorded: {', '.join(map(_trial_label, unclear))}.",
        ),
        policy.citation_for(kind),
        f"Outcome of {', '.join(map(_trial_label, unclear))}",
    )


# --- Determination and what follows from it -------------------------------------------


def _decide(
    criteria: Sequence[Criterion], policy: Policy | None, coverage: CoverageFacts | None
) -> Determination:
    # Unmet outranks unknown: a fact still to collect cannot rescue a failed criterion, and
    # this order keeps the determination monotonic as evidence is added.
    if any(c.status is Status.UNMET and c.id.startswith(_GATES) for c in criteria):
        return Determination.NOT_ELIGIBLE
    if any(c.status is Status.UNMET for c in criteria):
        return Determination.LIKELY_DENIED
    if policy is None or coverage is None or any(c.status is Status.UNKNOWN for c in criteria):
        return Determination.INCOMPLETE
    if coverage.program == "advantage" and coverage.ma_requires_prior_auth:
        return Determination.PRIOR_AUTH_REQUIRED
    if policy.fda_status == "on_label":
        return Determination.COVERED  # BPM Ch.15 §50.4.1: labelled, reasonable and necessary
    return Determination.MEDICAL_NECESSITY_REVIEW  # BPM Ch.15 §50.4.2: the MAC judges the use


def _documents(
    determination: Determination, program: str | None, coverage: CoverageFacts | None
) -> tuple[str, ...]:
    d = Determination
    if determination is d.INCOMPLETE:
        return ()
    if determination is d.NOT_ELIGIBLE:
        return ("patient_explanation",)
    # The ABN exists only in Original Medicare (CMS-R-131); an MA plan is asked up front.
    if determination is d.LIKELY_DENIED and program == "original":
        return ("abn", "lmn", "patient_explanation")
    asks_plan = program == "advantage" and coverage is not None and coverage.ma_requires_prior_auth
    if determination is d.PRIOR_AUTH_REQUIRED or (determination is d.LIKELY_DENIED and asks_plan):
        return ("prior_auth", "lmn", "patient_explanation")
    return ("lmn", "patient_explanation")


_MODIFIER_CITATIONS = {"GA": CITE_ABN, "GZ": CITE_ABN, "GX": CITE_ABN, "GY": CITE_SELF_ADMIN}
_MODIFIER_CITATIONS["KX"] = CITE_KX


def _modifiers(
    found: _Findings, determination: Determination, program: str | None, req: RequestFacts
) -> tuple[Modifier, ...]:
    if program != "original":
        return ()  # Part B claim modifiers; a Medicare Advantage plan decides before service.
    mods: list[Modifier] = []
    if determination is Determination.LIKELY_DENIED:
        mods.append(
            Modifier("GA", "If the patient signed the ABN before treatment (patient liable).")
        )
        mods.append(Modifier("GZ", "If no ABN was signed (the clinic is liable for the denial)."))
    if req.product == "esketamine" and determination is Determination.COVERED:
        why = "REMS enrolment on G2082/G2083, asked by some MACs (e.g. CGS): VERIFY with yours."
        mods.append(Modifier("KX", why))
    separate = sorted({c.upper() for c in req.codes} & {"J0013", "S0013"})
    if req.product == "esketamine" and separate:
        drug = ", ".join(separate)
        mods.append(Modifier("GY", f"{drug} bills the self-administered drug alone: excluded."))
        mods.append(Modifier("GX", "With GY only, if a voluntary ABN was given for it."))
        found.warnings.append(f"{drug}: Medicare does not pay it; G2082/G2083 include the drug.")
    return tuple(mods)


def _codes(found: _Findings, req: RequestFacts) -> tuple[str, ...]:
    asked = {c.strip().upper() for c in req.codes}
    if req.product == "iv_ketamine":
        if asked & {"G2082", "G2083"}:
            found.warnings.append("G2082/G2083 are esketamine codes; IV ketamine is J3490 + 96365.")
        for code in sorted({"J3490", "96365"} - asked if asked else set()):
            found.warnings.append(f"Codes: add {code} (J3490 the drug, 96365 the first hour).")
        return ("J3490", "96365")
    if req.product != "esketamine":
        return ()
    if "J3490" in asked:
        found.warnings.append("J3490 is for IV ketamine; G2082/G2083 already include esketamine.")
    if req.dose_mg is None:
        found.warnings.append("Dose not recorded: G2082 is up to 56 mg, G2083 above 56 mg.")
        found.missing.append("Esketamine dose per session (56 or 84 mg)")
        return ("G2082", "G2083")
    code = "G2082" if req.dose_mg <= 56 else "G2083"
    if req.dose_mg not in (56, 84):
        found.warnings.append(f"{req.dose_mg} mg is not a labelled dose (56 or 84 mg per session).")
    for wrong in sorted(asked & {"G2082", "G2083"} - {code}):
        found.warnings.append(f"{wrong} does not match {req.dose_mg} mg: bill {code}.")
    return (code,)


def _warnings(
    found: _Findings, facts: IntakeFacts, policy: Policy | None, determination: Determination
) -> None:
    s, req, coverage = facts.screening, facts.request, facts.coverage
    label = LABEL if req.product == "esketamine" else KETALAR
    if s is not None:
        if (s.bp_systolic or 0) > 140 or (s.bp_diastolic or 0) > 90:
            when = f" on {s.bp_taken_on}" if s.bp_taken_on else ""
            found.warnings.append(
                f"Blood pressure {s.bp_systolic or '?'}/{s.bp_diastolic or '?'} mmHg{when} is "
                f"above 140/90: "
                f"{label} warns of blood pressure rises; recheck and consider delaying."
            )
        excluded = policy.exclusions if policy else ()
        cautions = (
            (s.uncontrolled_hypertension, f"Uncontrolled hypertension: {label} warns of BP rises."),
            (s.cardiovascular_disease, "Cardiovascular disease: weigh the BP rise after dosing."),
            (s.pregnant, f"Pregnant or breast-feeding: not recommended ({label}); a caution."),
            (
                s.psychosis_history and "psychosis" not in excluded,
                f"History of psychosis: {label} advises weighing risk and benefit.",
            ),
            (
                s.active_substance_use_disorder and "substance_use_disorder" not in excluded,
                f"Active substance use disorder: {label} warns of abuse and misuse.",
            ),
        )
        found.warnings += [text for flag, text in cautions if flag]
    limit = policy.max_initial_sessions if policy else None
    if limit is not None and req.planned_sessions > limit:
        found.warnings.append(
            f"{req.planned_sessions} sessions planned; the labelled course is {limit}: "
            "expect a shorter approval."
        )
    if policy is not None and policy.verify:
        found.warnings.append(f"Rule {policy.key} is flagged VERIFY: {policy.verify_note}")
    if coverage is not None and coverage.medicaid_dual != "none":
        found.warnings.append(
            "Dual eligible: bill Medicare first; Medicaid may pay after."
            + (
                " Never bill a QMB patient Medicare cost-sharing (SSA §1902(n)(3)(B))."
                if coverage.medicaid_dual == "qmb"
                else ""
            )
            + (
                " Check state Medicaid rules before collecting under an ABN."
                if determination is Determination.LIKELY_DENIED
                else ""
            )
        )


def _part_d(found: _Findings, facts: IntakeFacts, policies: Sequence[Policy], on: date) -> None:
    found.warnings.append(
        "Part D route: if a REMS-certified pharmacy dispenses Spravato to the clinic under the "
        "patient's Part D plan, do not bill G2082/G2083 (they include the drug); bill only the "
        "visit and observation as your MAC instructs."
    )
    policy = select_policy(policies, "esketamine", facts.request.indication, "part_d", on)
    if policy is None:
        found.next_steps.append("Part D: no rule covers this indication on the date.")
        return
    shadow = _Findings()
    _policy_criteria(shadow, policy, facts, on)
    unmet = [c.id for c in shadow.criteria if c.status is Status.UNMET]
    unknown = [c.id for c in shadow.criteria if c.status is Status.UNKNOWN]
    verdict = f"not met ({', '.join(unmet)})" if unmet else "met"
    verdict = f"unclear ({', '.join(unknown)})" if unknown and not unmet else verdict
    found.next_steps.append(
        f"Part D alternative ({policy.key}): the plan's criteria appear {verdict}; ask the "
        "Part D plan for a coverage determination before the pharmacy dispenses."
    )


def _next_steps(
    found: _Findings,
    determination: Determination,
    program: str | None,
    req: RequestFacts,
    codes: tuple[str, ...],
) -> None:
    d, steps = Determination, []
    if determination is d.INCOMPLETE:
        steps.append("Complete the missing items, then assess again.")
    elif determination is d.NOT_ELIGIBLE:
        gates = [c.id for c in found.criteria if c.status is Status.UNMET and c.id in _GATE_STEPS]
        steps += [_GATE_STEPS[g] for g in gates]
    elif determination is d.LIKELY_DENIED and program == "original":
        steps += [
            "Before treating, give the patient an ABN (CMS-R-131) with the reason and the cost; "
            "only the patient chooses the option.",
            "Bill with GA if the ABN was signed, GZ if not.",
        ]
    elif determination is d.LIKELY_DENIED:
        steps.append(
            "No ABN in Medicare Advantage: ask the plan for a decision before treating; a denial "
            "comes as an Integrated Denial Notice with the patient's appeal rights."
        )
    elif determination is d.PRIOR_AUTH_REQUIRED:
        steps.append("Send the plan's prior-authorisation request and the LMN before session 1.")
    elif determination is d.MEDICAL_NECESSITY_REVIEW:
        steps += [
            "Send a letter of medical necessity citing BPM Ch.15 §50.4.2 and the literature.",
            "No NCD or LCD covers ketamine infusion: if you expect a denial, give an ABN before "
            "treatment and bill with GA.",
        ]
    if determination is d.LIKELY_DENIED:
        steps.append("If the clinician still judges it necessary, say why in the LMN.")
    if determination in (d.COVERED, d.PRIOR_AUTH_REQUIRED, d.MEDICAL_NECESSITY_REVIEW):
        if req.product == "esketamine":
            steps.append(f"Bill {' or '.join(codes)} per session; the drug is included.")
            steps.append("File the REMS Patient Monitoring Form within 7 days of every session.")
        else:
            steps.append(
                "Bill J3490 (drug name, NDC, dose in the claim note) with 96365; add 96366 only "
                "past 90 minutes of infusion; record start and stop times."
            )
    found.next_steps[:0] = steps


_CONTRAINDICATED = "The label contraindicates it: do not schedule; discuss alternatives."
_GATE_STEPS = {
    "coverage.active": "Check eligibility for the date of service; uncovered, the patient pays.",
    "rems.site_certified": "Give esketamine only in a REMS-certified setting: certify or refer.",
    "rems.patient_enrolled": "Enrol the patient in the SPRAVATO REMS, then assess again.",
    "contraindication.aneurysmal_vascular_disease": _CONTRAINDICATED,
    "contraindication.intracerebral_hemorrhage": _CONTRAINDICATED,
    "contraindication.ketamine_hypersensitivity": _CONTRAINDICATED,
}


def _summary(
    determination: Determination,
    req: RequestFacts,
    program: str | None,
    policy: Policy | None,
    criteria: Sequence[Criterion],
) -> str:
    what = f"{PRODUCTS.get(req.product, req.product)} for {INDICATIONS.get(req.indication, '?')}"
    payer = PROGRAMS.get(program or "", "Medicare")
    unmet = [c for c in criteria if c.status is Status.UNMET]
    unknown = sum(c.status is Status.UNKNOWN for c in criteria)
    d = Determination
    if determination is d.COVERED:
        key = policy.key if policy else "the rule"
        return f"{what} is likely covered by {payer}: every criterion of {key} is met."
    if determination is d.PRIOR_AUTH_REQUIRED:
        return (
            f"{what} meets the criteria, but {payer} must approve it first (prior authorisation)."
        )
    if determination is d.MEDICAL_NECESSITY_REVIEW:
        return (
            f"{what} is off-label; the criteria are met and {payer} may pay if it accepts the use."
        )
    if determination is d.NOT_ELIGIBLE:
        gate = next(c for c in unmet if c.id.startswith(_GATES))
        return f"{what} cannot be covered: {gate.evidence[:1].lower()}{gate.evidence[1:]}"
    if determination is d.LIKELY_DENIED:
        more = f" and {len(unmet) - 1} more" if len(unmet) > 1 else ""
        return f"{what} is likely to be denied by {payer}: unmet '{unmet[0].statement}'{more}."
    return f"{what} cannot be assessed yet: {unknown or 'some'} criteria are still unknown."


# --- Helpers --------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_prefix(code: str, prefixes: Iterable[str]) -> bool:
    normal = code.replace(".", "").replace(" ", "").upper()
    return any(p and normal.startswith(p.replace(".", "").upper()) for p in prefixes)


def _fda_status(req: RequestFacts) -> str | None:
    if req.product == "iv_ketamine":
        return "off_label"  # FDA: racemic ketamine is approved only as an anaesthetic
    if req.product == "esketamine":
        return "on_label" if req.indication in ("trd", "mdd_si") else "off_label"
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
