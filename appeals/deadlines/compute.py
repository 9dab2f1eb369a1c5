"""``compute_deadline``: one appeal level's filing deadline, decision due date and AIC check.

Pure: no database and no clock; callers pass ``today``. Two dates are always reported for a
filing deadline. ``filing_deadline`` is the date the regulation gives, counted in calendar
days with no weekend or holiday roll-forward; ``next_business_day`` is shown for
information only and ``late`` is always measured against the regulatory date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .aic import amount_in_controversy
from .business_days import next_business_day
from .decision_times import pick_timeframe
from .escalation import Escalation, escalation
from .levels import check_level_in_track, rule_for
from .vocabulary import DeadlineError, Level, Track, coerce_level, coerce_track
from .windows import SafeDates, filing_dates, safe_dates


@dataclass(frozen=True)
class DeadlineResult:
    track: Track
    level: Level
    notice_date: date
    receipt_date: date  # presumed receipt; equals notice_date where the window runs from it
    filing_deadline: date  # the regulatory date, never rolled forward
    next_business_day: date  # informational: first non-weekend, non-federal-holiday day
    decision_due: date | None
    decision_variant: str | None
    aic_threshold: Decimal | None
    aic_met: bool | None
    late: bool | None
    form: str
    next_level: Level | None
    filed_by_party: bool
    citations: tuple[str, ...]
    verify_notes: tuple[str, ...]
    # Where sources disagree on the window: the earliest reading (file by this day) and the
    # latest (the last day any source allows), each with its citation. Both equal
    # filing_deadline when the sources agree; None where the party files nothing.
    file_by: date | None
    file_by_citation: str | None
    legal_last_day: date | None
    legal_last_day_citation: str | None
    # Where the level's adjudicator can be late and the appellant may then move the case up
    # (Original Medicare QIC and ALJ): set once the request is filed, else None.
    escalation: Escalation | None

    @property
    def needs_verification(self) -> bool:
        return bool(self.verify_notes)

    @property
    def sources_disagree(self) -> bool:
        return self.file_by != self.legal_last_day


def compute_deadline(
    track: Track | str,
    level: Level | str,
    notice_date: date,
    *,
    filed_date: date | None = None,
    amount: Decimal | None = None,
    today: date | None = None,
    decision_variant: str | None = None,
) -> DeadlineResult:
    """Filing deadline, decision due date and AIC check for one appeal level.

    The rule version is the one in effect on ``notice_date``. ``late`` is judged against
    ``filed_date`` (the day the adjudicator received the request, which is when the rules
    treat it as filed), else ``today``; filing on the deadline day is on time.
    """
    track, level = coerce_track(track), coerce_level(level)
    check_level_in_track(track, level)
    check_dates(notice_date, filed_date, today)
    if amount is not None:
        check_amount(amount)

    rule = rule_for(track, level, notice_date)
    notes: list[str] = []
    citations = [rule.citation, rule.filing_citation]
    if rule.verify and rule.verify_note:
        notes.append(rule.verify_note)

    try:
        receipt_date, filing_deadline = filing_dates(rule, notice_date)
        safe = safe_dates(rule, notice_date)
        business_day = next_business_day(filing_deadline)
        timeframe = pick_timeframe(rule, decision_variant)
        decision_due = (
            filed_date + timedelta(days=timeframe.days) if timeframe and filed_date else None
        )
        escalation_open = (
            escalation(track, level, filed_date, variant=timeframe.variant)
            if filed_date and timeframe
            else None
        )
    except OverflowError as exc:
        raise DeadlineError("That date is too far in the future to compute a deadline.") from exc

    if rule.filed_by_party and business_day != filing_deadline:
        notes.append(
            f"The regulatory deadline {filing_deadline.isoformat()} is a weekend or federal "
            f"holiday. The regulations do not move it; {business_day.isoformat()} is shown "
            "for information only (no roll-forward rule confirmed in Medicare Claims "
            "Processing Manual Ch. 29). File by the regulatory date."
        )
    if timeframe:
        citations.append(timeframe.citation)
        if timeframe.verify and timeframe.verify_note:
            notes.append(timeframe.verify_note)

    if safe is not None and safe.sources_disagree:
        citations.append(safe.file_by_citation)
        notes.append(_disagreement_note(safe, filed_date, today))
    if rule.filed_by_party:
        measured_on = filed_date or today
        late = measured_on > filing_deadline if measured_on else None
    else:
        late = None
        notes.append(
            "Nothing for the party to file at this level: the plan forwards the case "
            "automatically, so no filing deadline or lateness applies."
        )

    threshold, aic_met = amount_in_controversy(
        level, amount, filed_date or today, notice_date, citations, notes
    )

    return DeadlineResult(
        track=track,
        level=level,
        notice_date=notice_date,
        receipt_date=receipt_date,
        filing_deadline=filing_deadline,
        next_business_day=business_day,
        decision_due=decision_due,
        decision_variant=timeframe.variant if timeframe else None,
        aic_threshold=threshold,
        aic_met=aic_met,
        late=late,
        form=rule.form,
        next_level=rule.next_level,
        filed_by_party=rule.filed_by_party,
        citations=tuple(dict.fromkeys(citations)),
        verify_notes=tuple(dict.fromkeys(notes)),
        file_by=safe.file_by if safe else None,
        file_by_citation=safe.file_by_citation if safe else None,
        legal_last_day=safe.legal_last_day if safe else None,
        legal_last_day_citation=safe.legal_last_day_citation if safe else None,
        escalation=escalation_open,
    )


def _disagreement_note(safe: SafeDates, filed_date: date | None, today: date | None) -> str:
    note = (
        f"Sources disagree on this window: file by {safe.file_by.isoformat()} "
        f"({safe.file_by_citation}) to be safe; {safe.legal_last_day.isoformat()} is the "
        f"last day under {safe.legal_last_day_citation}."
    )
    if safe.disagreement:
        note += f" {safe.disagreement}"
    if filed_date is not None and safe.file_by < filed_date <= safe.legal_last_day:
        note += (
            f" Filed {filed_date.isoformat()}: after the safe date, so timely only under the "
            "later reading; attach a good-cause statement in case the earlier one is applied."
        )
    elif filed_date is None and today is not None and safe.file_by < today <= safe.legal_last_day:
        note += " The safe date has passed: file today, with a good-cause statement."
    return note


def check_dates(notice_date: date, filed_date: date | None, today: date | None) -> None:
    if today is not None and notice_date > today:
        raise DeadlineError(
            f"The notice date {notice_date.isoformat()} is in the future "
            f"(today is {today.isoformat()})."
        )
    if filed_date is not None and filed_date < notice_date:
        raise DeadlineError(
            f"The filed date {filed_date.isoformat()} is before the notice date "
            f"{notice_date.isoformat()}."
        )
    if filed_date is not None and today is not None and filed_date > today:
        raise DeadlineError(
            f"The filed date {filed_date.isoformat()} is in the future "
            f"(today is {today.isoformat()})."
        )


def check_amount(amount: Decimal) -> None:
    if not amount.is_finite():
        raise DeadlineError("The amount in controversy must be a number of dollars.")
    if amount < 0:
        raise DeadlineError("The amount in controversy cannot be negative.")
