"""Escalation: when an adjudicator misses its time frame, the appellant may move up a level.

Original Medicare only (42 CFR 405 Subpart I): a QIC that has not decided within its 60 days
(405.970(a)) lets the appellant escalate to OMHA (405.1002(b)); an ALJ that has not decided
within 90 days (405.1016(a)) lets the appellant escalate to the Council (405.1016(e)-(f),
405.1104 as the project reference cites it). The next level then has 180 days (405.1016(c),
405.1100(d)).

"May escalate from" is the day after the decision was due: the request must be filed after
the period "has expired" (405.1002(b)(1)), so a request on the last day itself would be
premature. The period can be extended (e.g. 405.970(b)), so the date is the earliest
possible one; the late adjudicator also keeps a few days' grace after the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .levels import next_level, rule_for
from .rule_data import EscalationRule, rule_book
from .vocabulary import DeadlineError, Level, Track, coerce_level, coerce_track


@dataclass(frozen=True)
class Escalation:
    track: Track
    from_level: Level
    to_level: Level
    adjudicator: str  # who is late, e.g. "the QIC"
    escalate_to: str  # e.g. "OMHA (an ALJ hearing)"
    next_adjudicator: str  # who then decides, e.g. "the ALJ"
    filed_date: date  # the day the late adjudicator received the request
    decision_due: date  # filed_date + the missed time frame
    may_escalate_from: date  # the day after decision_due
    grace_days: int  # the late adjudicator may still decide this long after the request
    how: str
    next_decision_days: int  # 180
    next_decision_citation: str
    next_decision_due: date | None  # counted from escalation_received_on, when given
    citations: tuple[str, ...]
    verify_notes: tuple[str, ...]


def escalation(
    track: Track | str,
    level: Level | str,
    filed_date: date,
    *,
    variant: str | None = None,
    escalation_received_on: date | None = None,
) -> Escalation | None:
    """The escalation a late decision at ``level`` would open, or None if it opens none.

    ``variant`` is the decision time frame the level runs under (its first one by default);
    only the one named in the data (the standard 60 or 90 days) opens an escalation.
    ``escalation_received_on`` is the day the next level received the escalated case, from
    which its 180 days run.
    """
    track, level = coerce_track(track), coerce_level(level)
    level_rule = rule_for(track, level, filed_date)  # refuses an impossible track/level
    rule = _rule(track, level, filed_date)
    to_level = next_level(track, level)
    if rule is None or to_level is None:
        return None
    missed = next(
        (t for t in level_rule.decision_timeframes if t.variant == rule.missed_variant), None
    )
    chosen = variant if variant is not None else level_rule.decision_timeframes[0].variant
    if missed is None or chosen != rule.missed_variant:
        return None
    target = rule_for(track, to_level, filed_date)
    after = next(t for t in target.decision_timeframes if t.variant == rule.next_variant)

    decision_due = filed_date + timedelta(days=missed.days)
    may_escalate_from = decision_due + timedelta(days=1)
    next_due = None
    if escalation_received_on is not None:
        if escalation_received_on < may_escalate_from:
            raise DeadlineError(
                f"An escalation received {escalation_received_on.isoformat()} would be "
                f"premature: {rule.adjudicator}'s time ran until {decision_due.isoformat()}."
            )
        next_due = escalation_received_on + timedelta(days=after.days)
    notes = [rule.verify_note] if rule.verify and rule.verify_note else []
    if after.verify and after.verify_note:
        notes.append(after.verify_note)
    return Escalation(
        track=track,
        from_level=level,
        to_level=to_level,
        adjudicator=rule.adjudicator,
        escalate_to=rule.escalate_to,
        next_adjudicator=rule.next_adjudicator,
        filed_date=filed_date,
        decision_due=decision_due,
        may_escalate_from=may_escalate_from,
        grace_days=rule.grace_days,
        how=rule.how,
        next_decision_days=after.days,
        next_decision_citation=after.citation,
        next_decision_due=next_due,
        citations=tuple(dict.fromkeys([missed.citation, rule.citation, after.citation])),
        verify_notes=tuple(notes),
    )


def _rule(track: Track, level: Level, on: date) -> EscalationRule | None:
    for rule in rule_book().escalations:
        if rule.track is track and rule.from_level is level and rule.in_effect(on):
            return rule
    return None
