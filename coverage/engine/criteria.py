"""The criteria of the coverage engine: the gates, then those of the policy in force.

`select_policy` picks the rule in force; `_gates` (coverage on the date, REMS, label
contraindications) and `_coverage_rule` apply to every request; `_policy_criteria` adds the
criteria of the selected policy. Each records its criteria, with evidence and citation, in a
`_Findings`. Part of the engine behind appeals/coverage.py.
"""

from collections.abc import Iterable
from datetime import date

from coverage.engine.facts import Diagnosis, IntakeFacts, Policy, RequestFacts, Score, Trial
from coverage.engine.findings import (
    CITE_ENROLMENT,
    CITE_PSYCHOSIS_CODES,
    CITE_REMS,
    CONTRAINDICATIONS,
    FAILED,
    INDICATIONS,
    INSTRUMENTS,
    PRODUCTS,
    PROGRAMS,
    PSYCHOTIC_PREFIXES,
    Status,
    _Findings,
)


def select_policy(
    policies: Iterable[Policy], product: str, indication: str, program: str, on: date
) -> Policy | None:
    """The rule in force on `on` for this case; should admins leave an overlap, newest wins."""
    case = (product, indication, program)
    matches = [p for p in policies if (p.product, p.indication, p.program) == case]
    in_force = [p for p in matches if p.in_force(on)]
    return max(in_force, key=lambda p: (p.effective_from, p.version), default=None)


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


# --- Helpers --------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_prefix(code: str, prefixes: Iterable[str]) -> bool:
    normal = code.replace(".", "").replace(" ", "").upper()
    return any(p and normal.startswith(p.replace(".", "").upper()) for p in prefixes)
