"""Medicare appeal deadlines: pure date arithmetic over effective-dated rule data.

Nothing in this package imports Django or reads the clock: dataclasses in, dataclasses out,
``today`` passed as an argument. The modules, each small:

- ``vocabulary``: tracks, levels, how a window counts, the two errors
- ``rule_data``: loading and checking ``appeals/data/appeal_rules.json``
- ``levels``: the order of the levels and the rule version in effect
- ``windows``: filing windows from the notice date
- ``decision_times``: the adjudicator's decision time frames
- ``aic``: the amount-in-controversy thresholds
- ``business_days``: the informational next business day
- ``expedited``: fast tracks counted in clock hours (72-hour decisions)
- ``escalation``: moving a case up when the adjudicator misses its time frame
- ``facts``: other effective-dated facts for letters (Part B deductible, ABN form, ...)
- ``compute``: ``compute_deadline``, which puts them together

``from appeals.deadlines import X`` works for every public name below.
"""

from .aic import aic_required, aic_threshold
from .business_days import next_business_day
from .compute import DeadlineResult, compute_deadline
from .escalation import Escalation, escalation
from .expedited import ExpeditedDecision, expedited_decision, expedited_levels, local_time
from .facts import FACTS_FILE, Fact, FormVersion, UnknownFact, fact, fact_names, facts_named
from .levels import levels_for, next_level, rule_for
from .rule_data import (
    RULES_FILE,
    AicThreshold,
    AppealRule,
    DecisionTimeframe,
    EscalationRule,
    ExpeditedTimeframe,
    FilingReading,
)
from .vocabulary import CountsFrom, DeadlineError, Level, RuleDataError, Track

__all__ = [
    "FACTS_FILE",
    "RULES_FILE",
    "AicThreshold",
    "AppealRule",
    "CountsFrom",
    "DeadlineError",
    "DeadlineResult",
    "DecisionTimeframe",
    "Escalation",
    "EscalationRule",
    "ExpeditedDecision",
    "ExpeditedTimeframe",
    "Fact",
    "FilingReading",
    "FormVersion",
    "Level",
    "RuleDataError",
    "Track",
    "UnknownFact",
    "aic_required",
    "aic_threshold",
    "compute_deadline",
    "escalation",
    "expedited_decision",
    "expedited_levels",
    "fact",
    "fact_names",
    "facts_named",
    "levels_for",
    "local_time",
    "next_business_day",
    "next_level",
    "rule_for",
]
