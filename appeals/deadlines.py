"""Medicare appeal deadlines: pure date arithmetic over effective-dated rule data.

Every number (filing window, receipt presumption, decision time frame, amount-in-controversy
threshold) lives in ``appeals/data/appeal_rules.json`` with its citation and effective dates,
so next year's threshold is a data change. This module reads that file once and never reads
the clock: callers pass ``today``.

Two dates are always reported for a filing deadline. ``filing_deadline`` is the date the
regulation gives, counted in calendar days with no weekend or holiday roll-forward: 42 CFR
405 Subpart I, 422 Subpart M and 423 Subparts M/U contain none. ``next_business_day`` is the
first day on or after it that is not a Saturday, Sunday or US federal holiday; it is shown
for information only and ``late`` is always measured against the regulatory date.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import holidays

RULES_FILE = Path(__file__).resolve().parent / "data" / "appeal_rules.json"


class Track(StrEnum):
    ORIGINAL = "original"
    ADVANTAGE = "advantage"
    PART_D = "part-d"


class Level(StrEnum):
    REDETERMINATION = "redetermination"
    RECONSIDERATION = "reconsideration"
    ALJ = "alj"
    COUNCIL = "council"
    COURT = "court"
    PLAN_RECONSIDERATION = "plan-reconsideration"
    IRE = "ire"


class CountsFrom(StrEnum):
    RECEIPT = "receipt"
    NOTICE = "notice"


class DeadlineError(ValueError):
    """Bad input or an impossible track/level combination; the message is shown to staff."""


class RuleDataError(RuntimeError):
    """appeal_rules.json is inconsistent; raised at load time so a bad edit fails fast."""


@dataclass(frozen=True)
class DecisionTimeframe:
    variant: str
    days: int
    citation: str
    verify: bool
    verify_note: str | None


@dataclass(frozen=True)
class AppealRule:
    track: Track
    level: Level
    effective_from: date
    effective_to: date | None
    filing_window_days: int | None  # None: the case moves on automatically (MA IRE)
    counts_from: CountsFrom | None
    presumed_receipt_days: int
    filing_citation: str
    decision_timeframes: tuple[DecisionTimeframe, ...]
    form: str
    next_level: Level | None
    filed_by_party: bool
    citation: str
    verify: bool
    verify_note: str | None

    def in_effect(self, on: date) -> bool:
        return _covers(self.effective_from, self.effective_to, on)


@dataclass(frozen=True)
class AicThreshold:
    level: Level
    amount: Decimal
    effective_from: date
    effective_to: date | None
    citation: str
    verify: bool
    verify_note: str | None

    def in_effect(self, on: date) -> bool:
        return _covers(self.effective_from, self.effective_to, on)


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

    @property
    def needs_verification(self) -> bool:
        return bool(self.verify_notes)


@dataclass(frozen=True)
class _RuleBook:
    rules: tuple[AppealRule, ...]
    thresholds: tuple[AicThreshold, ...]


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
    track, level = _coerce_track(track), _coerce_level(level)
    _check_level_in_track(track, level)
    _check_dates(notice_date, filed_date, today)
    if amount is not None:
        _check_amount(amount)

    rule = rule_for(track, level, notice_date)
    notes: list[str] = []
    citations = [rule.citation, rule.filing_citation]
    if rule.verify and rule.verify_note:
        notes.append(rule.verify_note)

    try:
        receipt_date, filing_deadline = _filing_dates(rule, notice_date)
        business_day = next_business_day(filing_deadline)
        timeframe = _pick_timeframe(rule, decision_variant)
        decision_due = (
            filed_date + timedelta(days=timeframe.days) if timeframe and filed_date else None
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

    if rule.filed_by_party:
        measured_on = filed_date or today
        late = measured_on > filing_deadline if measured_on else None
    else:
        late = None
        notes.append(
            "Nothing for the party to file at this level: the plan forwards the case "
            "automatically, so no filing deadline or lateness applies."
        )

    threshold, aic_met = _amount_in_controversy(
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
    )


def levels_for(track: Track | str) -> tuple[Level, ...]:
    """The levels of a track, in the order an appeal climbs them."""
    return _chains()[_coerce_track(track)]


def next_level(track: Track | str, level: Level | str) -> Level | None:
    track, level = _coerce_track(track), _coerce_level(level)
    _check_level_in_track(track, level)
    chain = levels_for(track)
    position = chain.index(level)
    return chain[position + 1] if position + 1 < len(chain) else None


def rule_for(track: Track | str, level: Level | str, on: date) -> AppealRule:
    """The rule version for ``track``/``level`` in effect on ``on`` (a notice date)."""
    track, level = _coerce_track(track), _coerce_level(level)
    _check_level_in_track(track, level)
    for rule in _rule_book().rules:
        if rule.track is track and rule.level is level and rule.in_effect(on):
            return rule
    raise DeadlineError(
        f"No {track} {level} rule is on file for a notice dated {on.isoformat()}; "
        "earlier rule versions are not modelled."
    )


def aic_threshold(level: Level | str, on: date) -> Decimal | None:
    """Minimum amount in controversy for a request filed on ``on``.

    None when the level has no minimum, or when no threshold is on file for that date
    (``aic_required`` tells the two apart). The same figures apply to Original Medicare,
    MA and Part D (SSA 1869(b)(1)(E), 1852(g)(5), 1860D-4(h)(1)).
    """
    entry = _threshold_entry(_coerce_level(level), on)
    return entry.amount if entry else None


def aic_required(level: Level | str) -> bool:
    level = _coerce_level(level)
    return any(entry.level is level for entry in _rule_book().thresholds)


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the next one (weekends, federal holidays)."""
    while day.weekday() >= 5 or day in _federal_holidays(day.year):
        day += timedelta(days=1)
    return day


def _filing_dates(rule: AppealRule, notice_date: date) -> tuple[date, date]:
    if rule.counts_from is CountsFrom.RECEIPT:
        receipt = notice_date + timedelta(days=rule.presumed_receipt_days)
    else:
        receipt = notice_date
    window = rule.filing_window_days or 0
    return receipt, receipt + timedelta(days=window)


def _pick_timeframe(rule: AppealRule, variant: str | None) -> DecisionTimeframe | None:
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


def _amount_in_controversy(
    level: Level,
    amount: Decimal | None,
    request_date: date | None,
    notice_date: date,
    citations: list[str],
    notes: list[str],
) -> tuple[Decimal | None, bool | None]:
    if not aic_required(level):
        return None, (True if amount is not None else None)
    if request_date is None:
        # The threshold in force when the request is filed governs (each annual notice
        # applies to requests filed on or after January 1); without a filing date or today
        # the notice date is the only date we have.
        request_date = notice_date
        notes.append(
            "No filed date or today given: the amount-in-controversy threshold shown is the "
            f"one in force on the notice date ({notice_date.isoformat()}). The threshold that "
            "applies is the one in force on the day the request is filed."
        )
    entry = _threshold_entry(level, request_date)
    if entry is None:
        notes.append(
            f"No amount-in-controversy threshold is on file for {request_date.year}; add the "
            "year's Federal Register figure to appeals/data/appeal_rules.json."
        )
        return None, None
    citations.append(entry.citation)
    if entry.verify and entry.verify_note:
        notes.append(entry.verify_note)
    return entry.amount, (amount >= entry.amount if amount is not None else None)


def _threshold_entry(level: Level, on: date) -> AicThreshold | None:
    for entry in _rule_book().thresholds:
        if entry.level is level and entry.in_effect(on):
            return entry
    return None


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    # PUBLIC is the federal-holiday calendar, including observed days (a Saturday holiday
    # is observed on the Friday before, a Sunday one on the Monday after).
    calendar = holidays.country_holidays("US", years=year, categories=(holidays.PUBLIC,))
    return frozenset(calendar.keys())


def _coerce_track(track: Track | str) -> Track:
    try:
        return Track(track)
    except ValueError:
        choices = ", ".join(t.value for t in Track)
        raise DeadlineError(f"Unknown track '{track}'; choose one of {choices}.") from None


def _coerce_level(level: Level | str) -> Level:
    try:
        return Level(level)
    except ValueError:
        choices = ", ".join(lv.value for lv in Level)
        raise DeadlineError(f"Unknown level '{level}'; choose one of {choices}.") from None


def _check_level_in_track(track: Track, level: Level) -> None:
    chain = _chains()[track]
    if level not in chain:
        levels = ", ".join(chain)
        raise DeadlineError(
            f"There is no {level} level in the {track} track; its levels are {levels}."
        )


def _check_dates(notice_date: date, filed_date: date | None, today: date | None) -> None:
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


def _check_amount(amount: Decimal) -> None:
    if not amount.is_finite():
        raise DeadlineError("The amount in controversy must be a number of dollars.")
    if amount < 0:
        raise DeadlineError("The amount in controversy cannot be negative.")


@cache
def _rule_book() -> _RuleBook:
    raw = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    try:
        rules = tuple(_parse_rule(item) for item in raw["rules"])
        thresholds = tuple(_parse_threshold(item) for item in raw["aic_thresholds"])
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise RuleDataError(f"{RULES_FILE.name}: malformed entry ({exc!r})") from exc
    book = _RuleBook(rules=rules, thresholds=thresholds)
    _validate(book)
    return book


@cache
def _chains() -> dict[Track, tuple[Level, ...]]:
    return _build_chains(_rule_book().rules)


def _build_chains(rules: Iterable[AppealRule]) -> dict[Track, tuple[Level, ...]]:
    links_by_track: dict[Track, dict[Level, Level | None]] = {track: {} for track in Track}
    for rule in rules:
        links_by_track[rule.track][rule.level] = rule.next_level
    chains: dict[Track, tuple[Level, ...]] = {}
    for track, links in links_by_track.items():
        targets = {nxt for nxt in links.values() if nxt is not None}
        starts = [lv for lv in links if lv not in targets]
        if len(starts) != 1:
            raise RuleDataError(f"{track}: expected one first level, found {starts}")
        chain: list[Level] = []
        current: Level | None = starts[0]
        while current is not None:
            if current in chain or current not in links:
                raise RuleDataError(f"{track}: broken level chain at {current}")
            chain.append(current)
            current = links[current]
        if len(chain) != len(links):
            raise RuleDataError(f"{track}: levels not on the chain: {set(links) - set(chain)}")
        chains[track] = tuple(chain)
    return chains


def _validate(book: _RuleBook) -> None:
    groups: dict[tuple[str, ...], list[AppealRule | AicThreshold]] = {}
    for rule in book.rules:
        groups.setdefault((rule.track, rule.level), []).append(rule)
        if (rule.filing_window_days is None) != (rule.counts_from is None):
            raise RuleDataError(f"{rule.track} {rule.level}: window and counts_from disagree")
        numbers = [rule.filing_window_days or 0, rule.presumed_receipt_days]
        numbers += [timeframe.days for timeframe in rule.decision_timeframes]
        if any(not isinstance(n, int) or n < 0 for n in numbers):
            raise RuleDataError(f"{rule.track} {rule.level}: day counts must be whole numbers")
        flagged = [rule, *rule.decision_timeframes]
        if any(item.verify and not item.verify_note for item in flagged):
            raise RuleDataError(f"{rule.track} {rule.level}: verify=true needs a verify_note")
    for entry in book.thresholds:
        groups.setdefault(("aic", entry.level), []).append(entry)
    for key, versions in groups.items():
        versions.sort(key=lambda v: v.effective_from)
        if len({v.next_level for v in versions if isinstance(v, AppealRule)}) > 1:
            raise RuleDataError(f"{key}: versions disagree on next_level")
        for earlier, later in zip(versions, versions[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise RuleDataError(f"{key}: effective date ranges overlap")
        for version in versions:
            if version.effective_to is not None and version.effective_to < version.effective_from:
                raise RuleDataError(f"{key}: effective_to before effective_from")
    _build_chains(book.rules)


def _parse_rule(item: Mapping[str, Any]) -> AppealRule:
    # JSON keys are the dataclass field names; an unknown or missing key is a TypeError.
    counts_from, nxt = item["counts_from"], item["next_level"]
    return AppealRule(
        **{
            **item,
            **_dated(item),
            "track": Track(item["track"]),
            "level": Level(item["level"]),
            "counts_from": CountsFrom(counts_from) if counts_from is not None else None,
            "next_level": Level(nxt) if nxt is not None else None,
            "decision_timeframes": tuple(
                DecisionTimeframe(**timeframe) for timeframe in item["decision_timeframes"]
            ),
        }
    )


def _parse_threshold(item: Mapping[str, Any]) -> AicThreshold:
    return AicThreshold(
        **{
            **item,
            **_dated(item),
            "level": Level(item["level"]),
            "amount": Decimal(str(item["amount"])),
        }
    )


def _dated(item: Mapping[str, Any]) -> dict[str, date | None]:
    end = item["effective_to"]
    return {
        "effective_from": date.fromisoformat(item["effective_from"]),
        "effective_to": date.fromisoformat(end) if end is not None else None,
    }


def _covers(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on <= end)
