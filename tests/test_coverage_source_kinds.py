"""Only a source can deny: each criterion names the kind of source behind it.

Statute or regulation, the FDA label or REMS, and the patient's own contractor's articles
can make a request `likely_denied` or `not_eligible`; typical payer practice (the
reference's 6-week trials, PHQ-9 >= 15, MADRS >= 28, two classes, augmentation,
psychotherapy, the psychosis / SUD exclusions) becomes advice for the letter
(shared/reference/medicare.md §G). Pure tests, no database.
"""

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings

from coverage.engine import (
    Determination,
    PolicyError,
    SourceKind,
    Status,
    assess,
    can_deny,
    policy_from_dict,
)
from coverage.engine.facts import DEFAULT_POLICY_FILE, SOURCE_KINDS
from coverage.models import CoveragePolicy
from tests.test_coverage_properties import trd_case
from tests.test_coverage_scenarios import (
    ARIPIPRAZOLE,
    BUPROPION,
    CBT,
    CLEAR,
    IV,
    ON,
    POLICIES,
    SCENARIOS,
    SERTRALINE,
    build,
    run,
)

D, S, K = Determination, Status, SourceKind
TWO_FAILED = (SERTRALINE, BUPROPION)


def test_every_criterion_of_every_scenario_names_a_known_kind_of_source() -> None:
    for scenario in SCENARIOS:
        for criterion in run(scenario).criteria:
            assert criterion.source_kind in SOURCE_KINDS, (scenario.name, criterion)
            if criterion.id.startswith(("coverage.active", "rems.", "contraindication.")):
                assert can_deny(criterion.source_kind), criterion


def test_the_reference_placeholders_are_payer_practice_in_every_shipped_rule() -> None:
    placeholders = {
        "severity",
        "trial_length",
        "distinct_classes",
        "augmentation",
        "psychotherapy",
        "exclusions",
    }
    for policy in POLICIES:
        for family in placeholders:
            assert policy.source_for(family) == K.PAYER_PRACTICE, (policy.key, family)


def test_off_label_iv_ketamine_with_two_failed_trials_is_a_medical_necessity_review() -> None:
    # Issue 13: augmentation and psychotherapy unrecorded; BPM Ch.15 §50.4.2 decides.
    result = assess(build(**IV, trials=TWO_FAILED), POLICIES, ON)

    assert result.determination is D.MEDICAL_NECESSITY_REVIEW
    assert result.criterion("history.augmentation").status is S.UNMET
    assert result.criterion("history.psychotherapy").status is S.UNMET
    assert result.documents == ("abn", "lmn", "patient_explanation")
    assert [m.code for m in result.modifiers] == ["GA", "GZ"]
    assert "medically accepted" in result.abn_reason
    assert "off-label" in " ".join(result.next_steps)
    assert any("§40.3.6" in c for c in result.citations)
    advice = " ".join(a.text for a in result.advice)
    assert "Strengthens the letter: document an augmentation trial" in advice
    assert "psychotherapy" in advice
    assert {a.step for a in result.advice} == {"history"}


def test_the_same_request_under_medicare_advantage_goes_to_the_plan() -> None:
    result = assess(build(**IV, program="advantage", trials=TWO_FAILED), POLICIES, ON)

    assert result.determination is D.PRIOR_AUTH_REQUIRED
    assert "abn" not in result.documents and result.abn_reason == ""
    assert any("422.101(b)(6)" in s for s in result.next_steps)
    assert any("422.101(b)(6)" in c for c in result.citations)


@pytest.mark.parametrize(
    ("facts", "determination", "criterion"),
    [
        (
            build(program="advantage", screening=replace(CLEAR, intracerebral_hemorrhage=True)),
            D.NOT_ELIGIBLE,
            "contraindication.intracerebral_hemorrhage",
        ),
        (build(program="advantage", age=17), D.LIKELY_DENIED, "patient.age"),
        (
            build(program="advantage", trials=(SERTRALINE,)),
            D.LIKELY_DENIED,
            "history.failed_trials",
        ),
    ],
    ids=["label contraindication", "label: adults", "label: two failed antidepressants"],
)
def test_a_hard_stop_still_decides_under_medicare_advantage(facts, determination, criterion):
    result = assess(facts, POLICIES, ON)
    assert result.determination is determination
    unmet = result.criterion(criterion)
    assert unmet.status is S.UNMET and can_deny(unmet.source_kind)


def test_an_unmet_payer_threshold_leaves_a_labelled_request_covered_with_advice() -> None:
    result = assess(build(scores=(("phq9", 12),), trials=TWO_FAILED), POLICIES, ON)

    assert result.determination is D.COVERED
    assert "abn" not in result.documents
    assert not {"GA", "GZ"} & {m.code for m in result.modifiers}
    assert result.criterion("severity.score").source_kind == K.PAYER_PRACTICE
    assert any("PHQ-9 >= 15" in a.text and a.step == "clinical" for a in result.advice)
    assert "typical payer point" in result.summary


def test_a_rule_that_names_no_source_for_a_criterion_cannot_deny_with_it() -> None:
    shipped = next(p for p in POLICIES if p.key == "iv-ketamine-trd-original")
    unsourced = policy_from_dict({**shipped.to_dict(), "criteria_sources": {}})
    policies = tuple(unsourced if p.key == shipped.key else p for p in POLICIES)

    result = assess(build(**IV, age=17), policies, ON)

    assert result.criterion("patient.age").status is S.UNMET
    assert result.criterion("patient.age").source_kind == K.PAYER_PRACTICE
    assert result.determination is D.MEDICAL_NECESSITY_REVIEW


def test_naming_the_contractor_as_source_makes_the_same_criterion_deny() -> None:
    shipped = next(p for p in POLICIES if p.key == "iv-ketamine-trd-original")
    sources = {**dict(shipped.criteria_sources), "augmentation": "contractor"}
    sourced = policy_from_dict({**shipped.to_dict(), "criteria_sources": sources})
    policies = tuple(sourced if p.key == shipped.key else p for p in POLICIES)

    result = assess(build(**IV, trials=(SERTRALINE, BUPROPION, CBT)), policies, ON)

    assert result.determination is D.LIKELY_DENIED
    assert "augmentation" in result.abn_reason


def test_a_policy_with_an_unknown_kind_of_source_is_refused_naming_the_field() -> None:
    shipped = POLICIES[0].to_dict()
    with pytest.raises(PolicyError, match=r"criteria_sources\.severity: must be one of"):
        policy_from_dict({**shipped, "criteria_sources": {"severity": "payer"}})


def test_the_part_d_billing_advice_appears_only_when_the_patient_has_part_d() -> None:
    with_d = assess(build(part_d=True), POLICIES, ON)
    without_d = assess(build(part_d=False), POLICIES, ON)

    assert any("bill only the visit" in w for w in with_d.warnings)
    assert not any("Part D" in w for w in without_d.warnings)
    assert not any("Part D" in s for s in without_d.next_steps)


def test_rems_patient_enrolment_is_not_asked_in_an_inpatient_setting() -> None:
    outpatient = assess(build(patient_rems_enrolled=None), POLICIES, ON)
    inpatient = assess(build(patient_rems_enrolled=None, inpatient=True), POLICIES, ON)

    assert outpatient.determination is D.INCOMPLETE
    assert inpatient.determination is D.COVERED
    assert inpatient.criterion("rems.patient_enrolled").status is S.MET
    assert not any("Patient Monitoring Form" in s for s in inpatient.next_steps)
    # The same covered request given in a clinic (outpatient) files the form.
    assert any("Patient Monitoring Form" in s for s in assess(build(), POLICIES, ON).next_steps)


def _without_payer_practice(policy):
    """The same rule with every criterion that rests on typical payer practice switched off."""
    off = {
        "severity": {"severity": ()},
        "trial_length": {"min_weeks_per_trial": 0.0},
        "distinct_classes": {"min_distinct_classes": 0},
        "augmentation": {"require_augmentation": False},
        "psychotherapy": {"require_psychotherapy": False},
        "exclusions": {"exclusions": ()},
    }
    changes = {}
    for family, fields in off.items():
        if policy.source_for(family) == K.PAYER_PRACTICE:
            changes.update(fields)
    return replace(policy, **changes)


WITHOUT_PAYER_PRACTICE = tuple(_without_payer_practice(p) for p in POLICIES)


@settings(max_examples=300, deadline=None)
@given(facts=trd_case())
def test_typical_payer_practice_never_changes_the_determination(facts) -> None:
    on = facts.request.requested_start
    with_them = assess(facts, POLICIES, on)
    without = assess(facts, WITHOUT_PAYER_PRACTICE, on)

    assert with_them.determination is without.determination
    assert with_them.documents == without.documents
    assert with_them.abn_reason == without.abn_reason


def test_augmentation_trial_recorded_turns_the_advice_off() -> None:
    result = assess(build(**IV, trials=(*TWO_FAILED, ARIPIPRAZOLE, CBT)), POLICIES, ON)
    assert result.determination is D.MEDICAL_NECESSITY_REVIEW
    assert not any(a.criterion == "history.augmentation" for a in result.advice)


@pytest.mark.django_db
def test_the_migration_gave_every_shipped_rule_its_sources_and_dropped_first_coast() -> None:
    shipped = {
        p["key"]: p for p in json.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))["policies"]
    }
    rows = CoveragePolicy.objects.filter(key__in=shipped)
    assert rows.count() == len(shipped)
    for row in rows:
        assert row.criteria_sources == shipped[row.key]["criteria_sources"], row.key
        assert not any("A59250" in c for c in row.citations), row.key
        assert "coverage 0002" in row.change_note
        assert row.to_policy().criteria_sources == tuple(
            sorted(shipped[row.key]["criteria_sources"].items())
        )
