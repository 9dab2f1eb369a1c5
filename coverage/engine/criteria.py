"""The criteria of the coverage engine: the gates, then those of the policy in force.

`select_policy` picks the rule in force; `_gates` (coverage on the date, REMS, label
contraindications) and `_coverage_rule` apply to every request; `_policy_criteria` adds the
criteria of the selected policy. Each records its criteria, with evidence and citation, in a
`_Findings`, with the kind of source behind it (findings.SourceKind): the gates' kinds are
fixed here (statute, label, REMS), a policy's come from its `criteria_sources`.
"""

from collections.abc import Iterable
from datetime import date

from coverage.engine.facts import Diagnosis, IntakeFacts, Policy, Score, Trial
from coverage.engine.findings import (
    CITE_ENROLMENT,
    CITE_PSYCHOSIS_CODES,
    CITE_REMS,
    CITE_REMS_INPATIENT,
    CITE_RULE_NONE,
    CONTRAINDICATIONS,
    FAILED,
    INDICATIONS,
    INSTRUMENTS,
    PRODUCTS,
    PROGRAMS,
    PSYCHOTIC_PREFIXES,
    SourceKind,
    Status,
    _Findings,
)

K = SourceKind


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
        kind=K.REGULATION,
        step="coverage",
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
            kind=K.LABEL,
        )
        statement = "The patient is enrolled in the SPRAVATO REMS before the first session"
        if req.inpatient:
            evidence = "Inpatient treatment: the REMS does not ask for patient enrolment."
            found.add(
                "rems.patient_enrolled",
                statement,
                Status.MET,
                evidence,
                CITE_REMS_INPATIENT,
                kind=K.LABEL,
            )
        else:
            found.add_bool(
                "rems.patient_enrolled",
                statement,
                req.patient_rems_enrolled,
                True,
                ("Enrolled.", "The patient is not enrolled in the SPRAVATO REMS.", "Not recorded."),
                CITE_REMS,
                "Whether the patient is enrolled in the SPRAVATO REMS",
                kind=K.LABEL,
                step="request",
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
            kind=K.LABEL,
            step="screening",
        )


def _coverage_rule(
    found: _Findings,
    facts: IntakeFacts,
    program: str,
    policy: Policy | None,
    on: date,
) -> None:
    req = facts.request
    statement = "A reviewed coverage rule applies to this request on the date"
    if policy is not None:
        until = f" to {policy.effective_to}" if policy.effective_to else ""
        evidence = f"{policy.key} v{policy.version}, in force from {policy.effective_from}{until}."
        found.add(
            "coverage.rule",
            statement,
            Status.MET,
            evidence,
            policy.citation_for(""),
            kind=K.REGULATION,
        )
        return
    what = f"{PRODUCTS.get(req.product, req.product)} for {INDICATIONS.get(req.indication, '?')}"
    evidence = f"No rule covers {what} under {PROGRAMS[program]} on {on}."
    citation, kind = CITE_RULE_NONE, K.REGULATION
    # Only the patient's own contractor's articles are cited (reference medicare.md §G).
    contractor = facts.contractor
    articles = (
        contractor.articles_about(req.product, "labelled_indications_only") if contractor else ()
    )
    if articles:
        evidence += f" {contractor.name} pays {PRODUCTS[req.product]} only for its labelled uses."
        citation, kind = "; ".join(a.citation for a in articles), K.CONTRACTOR
    found.add("coverage.rule", statement, Status.UNMET, evidence, citation, kind=kind)


# --- Policy criteria ------------------------------------------------------------------


def _policy_criteria(found: _Findings, policy: Policy, facts: IntakeFacts, on: date) -> None:
    cite, kind, req, screening = (
        policy.citation_for,
        policy.source_for,
        facts.request,
        facts.screening,
    )
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
            kind=kind("age"),
            step="patient",
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
            kind=kind("supporting_diagnosis"),
            step="clinical",
        )
    if policy.severity:
        _severity(found, policy, facts.scores, on)
    if policy.min_failed_trials > 0:
        _failed_trials(found, policy, facts.trials)
        if policy.min_weeks_per_trial > 0:
            _trial_length(found, policy, facts.trials)
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
            kind=kind("exclusions"),
            step="screening",
            advice="explain why the benefit outweighs the risk of psychosis, or screen for it",
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
            kind=kind("exclusions"),
            step="screening",
            advice="document substance use screening and how misuse risk is managed",
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
            kind=kind("oral_antidepressant"),
            step="request",
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
            kind=kind("medically_accepted"),
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
        kind=policy.source_for("diagnosis"),
        step="clinical",
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
        kind=policy.source_for("severity"),
        step="clinical",
        advice=f"a current severity score at the level payers often ask for ({wanted})",
    )


def _trial_label(trial: Trial) -> str:
    dose = trial.dose or (f"{trial.dose_mg:g} mg" if trial.dose_mg is not None else "")
    weeks = f"{trial.weeks:g} wk" if trial.weeks is not None else ""
    return " ".join(part for part in (trial.drug or "unnamed drug", dose, weeks) if part)


def _grade(trial: Trial, policy: Policy, min_weeks: float = 0.0) -> tuple[str, str]:
    """('adequate' | 'uncertain' | 'no', why) for one antidepressant trial under this rule.

    With `min_weeks` 0 this is the label's test (adequate dose and duration, judged by the
    prescriber: the label names no week count); a payer's week count is `_trial_length`'s.
    """
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
    if trial.weeks is not None and not (trial.weeks >= min_weeks and trial.weeks > 0):  # NaN too
        return "no", f"under {min_weeks:g} weeks" if min_weeks else "no length"
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


def _graded(
    policy: Policy, trials: tuple[Trial, ...], min_weeks: float = 0.0
) -> list[tuple[Trial, str, str]]:
    return [(t, *_grade(t, policy, min_weeks)) for t in trials if t.kind == "antidepressant"]


def _counted(
    policy: Policy, trials: tuple[Trial, ...], min_weeks: float = 0.0
) -> tuple[Status, str, list[str]]:
    """(status, evidence, missing) of "at least min_failed_trials adequate failures"."""
    need, graded = policy.min_failed_trials, _graded(policy, trials, min_weeks)
    if not graded:
        # Missing is not negative: no antidepressant trial recorded is a history not yet
        # taken, not proof of none (reference medicare.md §G).
        return Status.UNKNOWN, "No antidepressant trial recorded.", [_NO_HISTORY]
    groups = {v: [(t, why) for t, verdict, why in graded if verdict == v] for v in _VERDICTS}
    sure, maybe = len(groups["adequate"]), len(groups["uncertain"])

    def listing(items: list[tuple[Trial, str]]) -> str:
        return ", ".join(_trial_label(t) + (f" ({why})" if why else "") for t, why in items)

    parts = [f"{_VERDICTS[v]}: {listing(items)}" for v, items in groups.items() if items]
    status = (
        Status.MET if sure >= need else Status.UNKNOWN if sure + maybe >= need else Status.UNMET
    )
    evidence = (
        f"{sure} adequate; " + "; ".join(parts) + "." if parts else "No antidepressant trials."
    )
    return status, evidence, [f"{_trial_label(t)}: {why}" for t, why in groups["uncertain"]]


def _failed_trials(found: _Findings, policy: Policy, trials: tuple[Trial, ...]) -> None:
    need = policy.min_failed_trials
    status, evidence, missing = _counted(policy, trials)
    intolerance = " (or was stopped for intolerance)" if policy.count_intolerance_as_failure else ""
    found.add(
        "history.failed_trials",
        f"At least {need} antidepressant trial(s) in the current episode failed{intolerance} "
        "at a therapeutic dose and for an adequate length",
        status,
        evidence,
        policy.citation_for("failed_trials"),
        missing,
        kind=policy.source_for("failed_trials"),
        step="history",
        advice=f"document at least {need} failed antidepressant trials of this episode",
    )


def _trial_length(found: _Findings, policy: Policy, trials: tuple[Trial, ...]) -> None:
    need, weeks = policy.min_failed_trials, policy.min_weeks_per_trial
    status, evidence, missing = _counted(policy, trials, weeks)
    found.add(
        "history.trial_length",
        f"At least {need} of the failed trials lasted {weeks:g} weeks or more",
        status,
        evidence,
        policy.citation_for("trial_length"),
        missing,
        kind=policy.source_for("trial_length"),
        step="history",
        advice=f"document {need} failed trials of at least {weeks:g} weeks each",
    )


_NO_HISTORY = (
    "Treatment history: each antidepressant trial of this episode (drug, dose, weeks, outcome)"
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
        kind=policy.source_for("distinct_classes"),
        step="history",
        advice=f"document failed trials from {need} different antidepressant classes",
    )


def _tried(found: _Findings, policy: Policy, trials: tuple[Trial, ...], kind: str) -> None:
    """Augmentation (failed, current episode) or psychotherapy (tried, any episode)."""
    if kind == "augmentation":
        tried = [t for t in trials if t.kind == kind and t.current_episode]
        done = [t for t in tried if t.outcome in (*FAILED, "intolerance")]
        statement = "An augmentation trial (e.g. antipsychotic, lithium) failed this episode"
        advice = "document an augmentation trial (e.g. an antipsychotic or lithium) and its outcome"
    else:
        tried = [t for t in trials if t.kind == kind]
        done = [t for t in tried if t.outcome != "unknown"]
        statement = "Evidence-based psychotherapy has been tried"
        advice = "document evidence-based psychotherapy (e.g. CBT) and its outcome"
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
        kind=policy.source_for(kind),
        step="history",
        advice=advice,
    )


# --- Helpers --------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_prefix(code: str, prefixes: Iterable[str]) -> bool:
    normal = code.replace(".", "").replace(" ", "").upper()
    return any(p and normal.startswith(p.replace(".", "").upper()) for p in prefixes)
