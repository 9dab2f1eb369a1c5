"""Properties of the coverage engine that must hold for every input, not just the scenarios.

Determinations are ordered by coverage.DETERMINATION_ORDER (best first): covered,
prior_auth_required, medical_necessity_review, incomplete, likely_denied, not_eligible.
"""

import json
from dataclasses import fields, replace
from datetime import date, timedelta
from typing import Any, get_type_hints

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coverage.engine import (
    DETERMINATION_ORDER,
    CoverageFacts,
    Determination,
    Diagnosis,
    IntakeFacts,
    Policy,
    RequestFacts,
    Score,
    Screening,
    Status,
    Trial,
    assess,
    determination_rank,
    load_default_policies,
)

POLICIES = load_default_policies()
LONGEST_MINIMUM = max(p.min_weeks_per_trial for p in POLICIES)
REAL_CODES = ["F33.2", "F32.1", "F32.A", "F33.3", "F41.1", "F43.12", "G90.511", "R45.851"]
PROCEDURES = ["G2082", "G2083", "J3490", "96365", "96366", "J0013", "S0013"]
CLASSES = ["ssri", "snri", "tca", "maoi", "ndri", "atypical", "other", ""]
maybe_bool = st.none() | st.booleans()
# Mostly known and favourable, so that single criteria decide: that is where ordering
# mistakes show (e.g. an unknown fact masking an unmet one).
usually_yes = st.sampled_from([True, True, True, False, None])
YES_NO_FIELDS = [name for name, hint in get_type_hints(Screening).items() if hint == bool | None]
CLEAR = Screening(**dict.fromkeys(YES_NO_FIELDS, False))


def every_field(cls: type, **given_fields: Any) -> st.SearchStrategy:
    """Build `cls` with every field drawn, not just the required ones."""
    hints = get_type_hints(cls)
    return st.builds(
        cls, **{f.name: given_fields.get(f.name, st.from_type(hints[f.name])) for f in fields(cls)}
    )


def tuples(strategy: st.SearchStrategy, size: int = 5) -> st.SearchStrategy:
    return st.lists(strategy, max_size=size).map(tuple)


# Any well-typed input at all: arbitrary text, NaN weeks, negative ages, far-off dates.
any_facts = every_field(
    IntakeFacts,
    request=every_field(
        RequestFacts, codes=tuples(st.sampled_from(PROCEDURES) | st.text(max_size=6))
    ),
    diagnoses=tuples(every_field(Diagnosis, code=st.sampled_from(REAL_CODES) | st.text())),
    scores=tuples(every_field(Score)),
    trials=tuples(every_field(Trial), 8),
    screening=st.none() | every_field(Screening),
    coverage=st.none() | every_field(CoverageFacts),
)
any_policy = every_field(Policy)


def check_invariants(facts: IntakeFacts, policies: tuple[Policy, ...], on: date) -> None:
    result = assess(facts, policies, on)
    assert result.determination in DETERMINATION_ORDER
    assert result.summary and all(c.citation for c in result.criteria)
    codes = [m.code for m in result.modifiers]
    assert "GA" not in codes or "abn" in result.documents
    assert "GX" not in codes or "GY" in codes
    assert "abn" not in result.documents or facts.coverage.program == "original"
    if result.determination is Determination.INCOMPLETE:
        assert result.missing
    json.dumps(result.to_dict())


@settings(max_examples=300, deadline=None)
@given(facts=any_facts, on=st.dates())
def test_engine_never_raises_on_any_well_typed_facts(facts: IntakeFacts, on: date) -> None:
    check_invariants(facts, POLICIES, on)


@settings(max_examples=150, deadline=None)
@given(facts=any_facts, extra=tuples(any_policy, 3), on=st.dates())
def test_engine_never_raises_on_any_well_typed_policies(
    facts: IntakeFacts, extra: tuple[Policy, ...], on: date
) -> None:
    check_invariants(facts, extra + POLICIES, on)


# --- Monotonicity: more evidence of treatment resistance never hurts a TRD case -----------

plausible_trial = st.builds(
    Trial,
    kind=st.sampled_from(["antidepressant", "antidepressant", "augmentation", "psychotherapy"]),
    drug=st.sampled_from(["sertraline", "bupropion", "venlafaxine", "aripiprazole", "CBT"]),
    drug_class=st.sampled_from(CLASSES),
    dose=st.just(""),
    dose_mg=st.none() | st.floats(0, 400),
    weeks=st.none() | st.floats(0, 30),
    adherence=st.sampled_from(["good", "partial", "poor", "unknown"]),
    outcome=st.sampled_from(
        ["no_response", "partial_response", "intolerance", "response", "unknown"]
    ),
    adequate_dose=usually_yes,
    current_episode=usually_yes.map(bool),
)


@st.composite
def trd_case(draw: st.DrawFn) -> IntakeFacts:
    """A coherent TRD intake: scores before the request, usually a depression diagnosis."""
    on = draw(st.dates(date(2024, 6, 1), date(2027, 6, 1)))
    request = RequestFacts(
        product=draw(st.sampled_from(["esketamine", "iv_ketamine"])),
        indication="trd",
        with_oral_antidepressant=draw(usually_yes),
        patient_rems_enrolled=draw(usually_yes),
        site_rems_certified=bool(draw(usually_yes)),
        dose_mg=draw(st.none() | st.sampled_from([28, 56, 84])),
        planned_sessions=draw(st.integers(1, 20)),
        codes=draw(tuples(st.sampled_from(PROCEDURES), 3)),
        requested_start=on,
    )
    score = st.builds(
        Score,
        instrument=st.sampled_from(["phq9", "madrs", "gad7"]),
        score=st.integers(0, 40),
        administered_on=st.integers(0, 400).map(lambda days: on - timedelta(days=days)),
    )
    code = st.sampled_from(["F33.2", "F33.2", "F32.1"] + REAL_CODES)
    coverage = st.builds(
        CoverageFacts,
        program=st.sampled_from(["original", "original", "advantage", "none"]),
        active_on_request_date=usually_yes.map(bool),
        ma_requires_prior_auth=st.booleans(),
        has_part_d=st.booleans(),
        medicaid_dual=st.sampled_from(["none", "qmb", "full", "partial"]),
    )
    screening = st.builds(
        lambda changes: replace(CLEAR, **changes),
        st.dictionaries(st.sampled_from(YES_NO_FIELDS), maybe_bool, max_size=2),
    )
    return IntakeFacts(
        request=request,
        age=draw(st.none() | st.integers(15, 95) | st.integers(65, 95)),
        diagnoses=draw(tuples(st.builds(Diagnosis, code=code, is_primary=st.booleans()), 3)),
        scores=draw(tuples(score, 3)),
        trials=draw(tuples(plausible_trial, 6)),
        screening=draw(st.none() | screening | screening),
        coverage=draw(st.none() | coverage | coverage),
    )


adequate_failure = st.builds(
    Trial,
    kind=st.just("antidepressant"),
    drug=st.just("added trial"),
    drug_class=st.sampled_from(CLASSES),
    weeks=st.floats(LONGEST_MINIMUM, 52),
    adherence=st.sampled_from(["good", "partial", "unknown"]),
    outcome=st.sampled_from(["no_response", "partial_response"]),
    adequate_dose=st.just(True),
    current_episode=st.just(True),
)
STATUS_RANK = {Status.MET: 0, Status.UNKNOWN: 1, Status.UNMET: 2}


@settings(max_examples=400, deadline=None)
@given(facts=trd_case(), added=adequate_failure, position=st.integers(0, 6))
def test_another_failed_adequate_trial_never_makes_a_trd_case_worse(
    facts: IntakeFacts, added: Trial, position: int
) -> None:
    # A history with no antidepressant trial is one not yet taken: `unknown`, not `unmet`
    # (medicare.md §G, "Missing data is unknown, never a failed criterion"). The first trial
    # recorded makes it a judged history, which may fall short; from there on, each more
    # failed trial can only help.
    assume(any(t.kind == "antidepressant" for t in facts.trials))
    on = facts.request.requested_start
    more = replace(facts, trials=facts.trials[:position] + (added,) + facts.trials[position:])
    before, after = assess(facts, POLICIES, on), assess(more, POLICIES, on)
    assert determination_rank(after.determination) <= determination_rank(before.determination), (
        before.determination,
        after.determination,
    )
    was = {c.id: c.status for c in before.criteria}
    for c in after.criteria:
        if c.id.startswith("history."):
            assert STATUS_RANK[c.status] <= STATUS_RANK[was[c.id]], c


def test_the_ordering_names_every_determination_once() -> None:
    assert sorted(DETERMINATION_ORDER) == sorted(Determination)
    assert determination_rank(Determination.COVERED) == 0
    assert determination_rank(Determination.INCOMPLETE) < determination_rank(
        Determination.LIKELY_DENIED
    )
