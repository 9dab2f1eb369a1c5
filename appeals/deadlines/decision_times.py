"""Decision time frames: how long the adjudicator has once it receives the request."""

from __future__ import annotations

from .rule_data import AppealRule, DecisionTimeframe
from .vocabulary import DeadlineError


def pick_timeframe(rule: AppealRule, variant: str | None) -> DecisionTimeframe | None:
    """The named time frame, the rule's first one by default, None if it has none."""
    if not rule.decision_timeframes:
        if variant is not None:
            raise DeadlineError(f"The {rule.level} level has no decision time frame to choose.")
        return None
    if variant is None:
        return rule.decision_timeframes[0]
    for timeframe in rule.decision_timeframes:
        if timeframe.variant == variant:
            return timeframe
    choices = ", ".join(t.variant for t in rule.decision_timeframes)
    raise DeadlineError(
        f"Unknown decision variant '{variant}' for {rule.track} {rule.level}; "
        f"choose one of {choices}."
    )
