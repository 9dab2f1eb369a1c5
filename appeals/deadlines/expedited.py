"""Fast tracks: decisions due a number of clock hours after the request is received.

MA expedited plan reconsideration (42 CFR 422.590(e)) and Part D expedited redetermination
(42 CFR 423.590(d)) are due no later than 72 hours after the plan receives the request.

Time zones. 72 hours is elapsed time, not "the same clock time three days later": across a
daylight-saving change the wall clock moves by 71 or 73 hours. So the arithmetic needs an
aware datetime; it is done in UTC and the result is given back in the request's own zone.
Callers that hold a local wall-clock time (the command takes one, in the site's
TIME_ZONE) turn it into an aware one with ``local_time``, which refuses a time the clocks
skipped and reads a time they showed twice as its first occurrence (the earlier instant,
so the decision is never shown as due later than it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from .levels import check_level_in_track
from .rule_data import ExpeditedTimeframe, rule_book
from .vocabulary import DeadlineError, Level, Track, coerce_level, coerce_track


@dataclass(frozen=True)
class ExpeditedDecision:
    track: Track
    level: Level
    received_at: datetime  # aware: when the adjudicator received the request
    decision_due_at: datetime  # aware, in received_at's zone: received_at + hours elapsed
    hours: int
    citation: str
    notes: tuple[str, ...]  # when the fast track applies, and how it may be extended
    verify_notes: tuple[str, ...]


def expedited_levels() -> tuple[tuple[Track, Level], ...]:
    """The (track, level) pairs that have a fast track on file, in file order."""
    return tuple(dict.fromkeys((fast.track, fast.level) for fast in rule_book().expedited))


def expedited_decision(
    track: Track | str, level: Level | str, received_at: datetime
) -> ExpeditedDecision:
    """When an expedited decision is due: ``received_at`` + the rule's hours, elapsed."""
    track, level = coerce_track(track), coerce_level(level)
    check_level_in_track(track, level)
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise DeadlineError(
            "An expedited deadline runs in clock hours: give the time the request was "
            "received with its time zone."
        )
    fast = _timeframe(track, level, received_at.date())
    try:
        due = (received_at.astimezone(UTC) + timedelta(hours=fast.hours)).astimezone(
            received_at.tzinfo
        )
    except OverflowError as exc:
        raise DeadlineError("That date is too far in the future to compute a deadline.") from exc
    notes = [fast.conditions] + ([fast.extension] if fast.extension else [])
    return ExpeditedDecision(
        track=track,
        level=level,
        received_at=received_at,
        decision_due_at=due,
        hours=fast.hours,
        citation=fast.citation,
        notes=tuple(notes),
        verify_notes=(fast.verify_note,) if fast.verify and fast.verify_note else (),
    )


def local_time(wall_clock: datetime, zone: tzinfo) -> tuple[datetime, str | None]:
    """A naive wall-clock time read in ``zone``, and a note if the reading needed a choice.

    A time inside the spring-forward gap never appeared on a clock there: refused. A time
    inside the fall-back hour appeared twice: read as the first (earlier) occurrence.
    """
    if wall_clock.tzinfo is not None:
        raise DeadlineError("Give the local time without a time zone offset.")
    first = wall_clock.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
        raise DeadlineError(
            f"{wall_clock:%Y-%m-%dT%H:%M} did not happen in {zone}: the clocks skipped that "
            "hour for daylight saving time. Check the time on the receipt."
        )
    second = wall_clock.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        return first, (
            f"{wall_clock:%Y-%m-%dT%H:%M} happened twice in {zone} (clocks went back an "
            "hour); read as the first time, so if the request arrived the second time the "
            "decision is due one hour later than shown."
        )
    return first, None


def _timeframe(track: Track, level: Level, on: date) -> ExpeditedTimeframe:
    versions = [f for f in rule_book().expedited if f.track is track and f.level is level]
    if not versions:
        modelled = "; ".join(f"{t} {lv}" for t, lv in expedited_levels())
        raise DeadlineError(
            f"No expedited time frame is modelled for {track} {level}; expedited decisions "
            f"are modelled for: {modelled}."
        )
    for fast in versions:
        if fast.in_effect(on):
            return fast
    raise DeadlineError(
        f"No expedited {track} {level} rule is on file for a request received on "
        f"{on.isoformat()}; earlier rule versions are not modelled."
    )
