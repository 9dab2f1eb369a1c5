"""Missing is not negative: a fact never recorded is `unknown`, never a failed criterion.

A request whose decisive facts are unknown is `incomplete`, gets no ABN (a routine ABN is
prohibited, Claims Processing Manual Ch.30 §40.3.6), and `missing` names each fact in
staff words with the intake step that records it; the patient page links to that step.
"""

from dataclasses import replace

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.engine import Determination, Status, assess, can_deny
from intake.choices import Product
from tests.factories import PatientFactory, complete_intake
from tests.test_coverage_properties import adequate_failure, trd_case
from tests.test_coverage_scenarios import CLEAR, IV, ON, POLICIES, SCENARIOS, build, run

D, S = Determination, Status
STEPS = {"patient", "coverage", "clinical", "history", "screening", "request", ""}
DENIALS = (D.LIKELY_DENIED, D.NOT_ELIGIBLE)


@pytest.mark.parametrize("product", ["esketamine", "iv_ketamine"])
def test_no_treatment_history_recorded_is_incomplete_without_an_abn(product) -> None:
    result = assess(build(product=product, trials=()), POLICIES, ON)

    assert result.determination is D.INCOMPLETE
    assert result.documents == ()
    assert result.abn_reason == ""
    assert not result.modifiers
    assert result.criterion("history.failed_trials").status is S.UNKNOWN
    (history,) = [m for m in result.missing if m.criterion == "history.failed_trials"]
    assert history.fact.startswith("Treatment history: each antidepressant trial")
    assert history.step == "history"


@pytest.mark.parametrize(
    ("facts", "fact", "step"),
    [
        (build(program=None), "Medicare coverage: program", "coverage"),
        (build(screening=None), "Screening: aneurysmal vascular disease or AVM", "screening"),
        (build(age=None), "Date of birth", "patient"),
        (build(diagnoses=()), "Diagnosis (ICD-10-CM code)", "clinical"),
        (build(patient_rems_enrolled=None), "enrolled in the SPRAVATO REMS", "request"),
        (build(indication="mdd_si", trials=()), "R45.851", "clinical"),
    ],
    ids=["coverage", "screening", "date of birth", "diagnosis", "REMS enrolment", "SI code"],
)
def test_each_missing_fact_names_the_intake_step_that_records_it(facts, fact, step) -> None:
    result = assess(facts, POLICIES, ON)
    assert result.determination is D.INCOMPLETE
    assert any(fact in m.fact and m.step == step for m in result.missing), result.missing


def test_every_missing_fact_of_every_scenario_has_a_known_step_and_a_decisive_criterion():
    for scenario in SCENARIOS:
        result = run(scenario)
        decisive = {c.id for c in result.criteria if can_deny(c.source_kind)}
        for item in result.missing:
            assert item.step in STEPS, item
            assert item.fact
            assert item.criterion in decisive | {"codes"}, item


def test_an_unknown_payer_practice_fact_is_advice_not_missing() -> None:
    result = assess(build(**IV, screening=replace(CLEAR, psychosis_history=None)), POLICIES, ON)

    assert result.determination is D.MEDICAL_NECESSITY_REVIEW
    assert not any(m.criterion == "exclusion.psychosis" for m in result.missing)
    assert any(
        a.criterion == "exclusion.psychosis" and a.step == "screening" for a in result.advice
    )


# --- Property: recording a fact never turns `incomplete` into an unsourced denial ----------

PROGRAMS = st.sampled_from(["original", "advantage", "none"])
YES_NO = [name for name, value in vars(CLEAR).items() if isinstance(value, bool)]


@st.composite
def recorded_fact(draw: st.DrawFn, facts):
    """`facts` with one fact that was never recorded now recorded (any value).

    Each option is a function of `draw`, so the recorded value is itself drawn."""
    options = []
    if facts.age is None:
        options.append(lambda v: replace(facts, age=v(st.integers(15, 95))))
    if facts.coverage is None:
        options.append(lambda v: replace(facts, coverage=build(program=v(PROGRAMS)).coverage))
    if facts.screening is None:
        options.append(lambda v: replace(facts, screening=CLEAR))
    else:
        for name in YES_NO:
            if getattr(facts.screening, name) is None:
                options.append(
                    lambda v, n=name: replace(
                        facts, screening=replace(facts.screening, **{n: v(st.booleans())})
                    )
                )
    request = facts.request
    for name in ("patient_rems_enrolled", "with_oral_antidepressant"):
        if getattr(request, name) is None:
            options.append(
                lambda v, n=name: replace(facts, request=replace(request, **{n: v(st.booleans())}))
            )
    if not facts.diagnoses:
        options.append(lambda v: replace(facts, diagnoses=build().diagnoses))
    if not facts.scores:
        options.append(lambda v: replace(facts, scores=build().scores))
    if not any(t.kind == "antidepressant" for t in facts.trials):
        options.append(lambda v: replace(facts, trials=(*facts.trials, v(adequate_failure))))
    for i, trial in enumerate(facts.trials):
        for name, values in (
            ("adequate_dose", st.booleans()),
            ("weeks", st.floats(0, 30)),
            ("outcome", st.sampled_from(["no_response", "partial_response", "response"])),
        ):
            if getattr(trial, name) in (None, "unknown"):
                options.append(
                    lambda v, i=i, n=name, values=values: replace(
                        facts,
                        trials=(
                            *facts.trials[:i],
                            replace(facts.trials[i], **{n: v(values)}),
                            *facts.trials[i + 1 :],
                        ),
                    )
                )
    if not options:
        return None
    return draw(st.sampled_from(options))(draw)


@st.composite
def incomplete_case_and_one_more_fact(draw: st.DrawFn):
    facts = draw(trd_case())
    return facts, draw(recorded_fact(facts))


@settings(max_examples=400, deadline=None)
@given(case=incomplete_case_and_one_more_fact())
def test_recording_a_fact_never_turns_incomplete_into_a_denial_without_a_source(case) -> None:
    facts, more = case
    if more is None:
        return
    on = facts.request.requested_start
    before, after = assess(facts, POLICIES, on), assess(more, POLICIES, on)
    if before.determination is not D.INCOMPLETE or after.determination not in DENIALS:
        return
    was = {c.id: c.status for c in before.criteria}
    denying = [c for c in after.criteria if c.status is S.UNMET and can_deny(c.source_kind)]
    # The denial rests on a source that can deny, and on a criterion the new fact settled:
    # one that was unknown (or not yet applicable) before, never one that was met.
    assert denying, after.criteria
    for criterion in denying:
        assert was.get(criterion.id, S.UNKNOWN) is S.UNKNOWN, (criterion, was)
    assert "abn" not in before.documents


# --- The patient page links each missing fact to its intake step --------------------------


@pytest.mark.django_db
def test_the_panel_links_missing_facts_to_their_intake_steps(clinic, billing, client_for):
    patient = complete_intake(PatientFactory(clinic=clinic), product=Product.ESKETAMINE)
    patient.trials.all().delete()
    patient.screening.delete()

    response = client_for(billing).get(reverse("intake:patient-detail", args=[patient.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Incomplete: facts missing" in page
    assert "Generate Advance Beneficiary Notice" not in page
    history = reverse("intake:intake-step", args=[patient.pk, "history"])
    screening = reverse("intake:intake-step", args=[patient.pk, "screening"])
    assert f'<a href="{history}">record it in Treatment history</a>' in page
    assert f'<a href="{screening}">record it in Safety screening</a>' in page


@pytest.mark.django_db
def test_the_panel_lists_advice_for_the_letter(clinic, billing, client_for):
    patient = complete_intake(PatientFactory(clinic=clinic))  # IV ketamine, no augmentation

    response = client_for(billing).get(reverse("intake:patient-detail", args=[patient.pk]))

    page = response.content.decode()
    assert "Medical-necessity review expected" in page
    assert "Strengthens the letter" in page
    assert "document an augmentation trial" in page
    assert "Typical payer practice (advice only)" in page
