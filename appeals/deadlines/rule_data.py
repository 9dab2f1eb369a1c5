"""Loading ``appeals/data/appeal_rules.json``: the effective-dated rules, checked on load.

Every number the deadline arithmetic uses (filing window, receipt presumption, decision time
frame, amount-in-controversy threshold) is read from that file with its citation and
effective dates, so next year's threshold is a data change. The file is read once; a bad
edit (unknown or missing key, malformed date, overlapping versions, a broken level chain)
raises ``RuleDataError`` instead of producing a wrong date.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from .vocabulary import CountsFrom, Level, RuleDataError, Track

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "appeal_rules.json"


@dataclass(frozen=True)
class DecisionTimeframe:
    variant: str
    days: int
    citation: str
    verify: bool
    verify_note: str | None


@dataclass(frozen=True)
class FilingReading:
    """Another source's reading of a filing window, kept where sources disagree.

    The deadline arithmetic reports the earliest reading as ``file_by`` and the latest as
    ``legal_last_day``, each with its citation, so staff always see the safe date.
    """

    counts_from: CountsFrom
    filing_window_days: int
    citation: str
    note: str


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
    # Optional in the JSON: only rules whose sources disagree carry other readings.
    alternative_readings: tuple[FilingReading, ...] = ()

    def in_effect(self, on: date) -> bool:
        return covers(self.effective_from, self.effective_to, on)


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
        return covers(self.effective_from, self.effective_to, on)


@dataclass(frozen=True)
class ExpeditedTimeframe:
    """A fast track: the decision is due ``hours`` clock hours after the request arrives."""

    track: Track
    level: Level
    effective_from: date
    effective_to: date | None
    hours: int
    citation: str
    conditions: str  # when the fast track applies at all
    extension: str | None  # how the adjudicator may extend it, None if it may not
    verify: bool
    verify_note: str | None

    def in_effect(self, on: date) -> bool:
        return covers(self.effective_from, self.effective_to, on)


@dataclass(frozen=True)
class EscalationRule:
    """When an adjudicator misses ``missed_variant``, the appellant may move the case up.

    The next level then decides under its ``next_variant`` time frame (180 days).
    """

    track: Track
    from_level: Level
    missed_variant: str
    adjudicator: str  # who missed the time frame, e.g. "the QIC"
    escalate_to: str  # where the case goes, e.g. "OMHA (an ALJ hearing)"
    next_adjudicator: str  # who then decides, e.g. "the ALJ"
    next_variant: str
    grace_days: int  # days the late adjudicator still has after the escalation request
    how: str
    effective_from: date
    effective_to: date | None
    citation: str
    verify: bool
    verify_note: str | None

    def in_effect(self, on: date) -> bool:
        return covers(self.effective_from, self.effective_to, on)


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[AppealRule, ...]
    thresholds: tuple[AicThreshold, ...]
    expedited: tuple[ExpeditedTimeframe, ...]
    escalations: tuple[EscalationRule, ...]


@cache
def rule_book() -> RuleBook:
    raw = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    try:
        rules = tuple(_parse_rule(item) for item in raw["rules"])
        thresholds = tuple(_parse_threshold(item) for item in raw["aic_thresholds"])
        expedited = tuple(_parse_expedited(item) for item in raw["expedited_timeframes"])
        escalations = tuple(_parse_escalation(item) for item in raw["escalations"])
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise RuleDataError(f"{RULES_FILE.name}: malformed entry ({exc!r})") from exc
    book = RuleBook(
        rules=rules, thresholds=thresholds, expedited=expedited, escalations=escalations
    )
    _validate(book)
    return book


@cache
def chains() -> dict[Track, tuple[Level, ...]]:
    """Each track's levels in the order an appeal climbs them."""
    return _build_chains(rule_book().rules)


def covers(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on <= end)


def _build_chains(rules: Iterable[AppealRule]) -> dict[Track, tuple[Level, ...]]:
    links_by_track: dict[Track, dict[Level, Level | None]] = {track: {} for track in Track}
    for rule in rules:
        links_by_track[rule.track][rule.level] = rule.next_level
    result: dict[Track, tuple[Level, ...]] = {}
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
        result[track] = tuple(chain)
    return result


def _validate(book: RuleBook) -> None:
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
        _validate_readings(rule)
    for entry in book.thresholds:
        groups.setdefault(("aic", entry.level), []).append(entry)
    levels_by_track = {(rule.track, rule.level) for rule in book.rules}
    for fast in book.expedited:
        key = ("expedited", fast.track, fast.level)
        groups.setdefault(key, []).append(fast)
        if (fast.track, fast.level) not in levels_by_track:
            raise RuleDataError(f"{key}: no such level in that track")
        if not isinstance(fast.hours, int) or isinstance(fast.hours, bool) or fast.hours <= 0:
            raise RuleDataError(f"{key}: hours must be a positive whole number")
        if fast.verify and not fast.verify_note:
            raise RuleDataError(f"{key}: verify=true needs a verify_note")
    for escalation in book.escalations:
        groups.setdefault(("escalation", escalation.track, escalation.from_level), []).append(
            escalation
        )
        _validate_escalation(book, escalation)
    for key, versions in groups.items():
        versions.sort(key=lambda v: v.effective_from)
        if len({v.next_level for v in versions if isinstance(v, AppealRule)}) > 1:
            raise RuleDataError(f"{key}: versions disagree on next_level")
        check_no_overlap(key, versions)
    _build_chains(book.rules)


def _validate_readings(rule: AppealRule) -> None:
    if rule.alternative_readings and not rule.filed_by_party:
        raise RuleDataError(f"{rule.track} {rule.level}: nothing is filed, so no readings")
    for reading in rule.alternative_readings:
        days = reading.filing_window_days
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise RuleDataError(f"{rule.track} {rule.level}: reading days must be whole")
        if not reading.citation.strip() or not reading.note.strip():
            raise RuleDataError(f"{rule.track} {rule.level}: a reading needs citation and note")


def _validate_escalation(book: RuleBook, escalation: EscalationRule) -> None:
    key = f"escalation {escalation.track} {escalation.from_level}"
    versions = [
        r for r in book.rules if (r.track, r.level) == (escalation.track, escalation.from_level)
    ]
    if not versions or versions[0].next_level is None:
        raise RuleDataError(f"{key}: no such level, or nowhere to escalate to")
    to_level = versions[0].next_level
    targets = [r for r in book.rules if r.track is escalation.track and r.level is to_level]
    if any(escalation.missed_variant not in variants(r) for r in versions):
        raise RuleDataError(f"{key}: the level has no '{escalation.missed_variant}' time frame")
    if not targets or any(escalation.next_variant not in variants(r) for r in targets):
        raise RuleDataError(f"{key}: the next level has no '{escalation.next_variant}' one")
    days = escalation.grace_days
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise RuleDataError(f"{key}: grace_days must be a whole number")
    if escalation.verify and not escalation.verify_note:
        raise RuleDataError(f"{key}: verify=true needs a verify_note")


def variants(rule: AppealRule) -> tuple[str, ...]:
    return tuple(timeframe.variant for timeframe in rule.decision_timeframes)


def check_no_overlap(key: object, versions: list[Any]) -> None:
    """Versions sorted by ``effective_from`` must not overlap or run backwards."""
    for earlier, later in zip(versions, versions[1:], strict=False):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise RuleDataError(f"{key}: effective date ranges overlap")
    for version in versions:
        if version.effective_to is not None and version.effective_to < version.effective_from:
            raise RuleDataError(f"{key}: effective_to before effective_from")


def _parse_rule(item: Mapping[str, Any]) -> AppealRule:
    # JSON keys are the dataclass field names; an unknown or missing key is a TypeError.
    counts_from, nxt = item["counts_from"], item["next_level"]
    return AppealRule(
        **{
            **item,
            **dated(item),
            "track": Track(item["track"]),
            "level": Level(item["level"]),
            "counts_from": CountsFrom(counts_from) if counts_from is not None else None,
            "next_level": Level(nxt) if nxt is not None else None,
            "decision_timeframes": tuple(
                DecisionTimeframe(**timeframe) for timeframe in item["decision_timeframes"]
            ),
            "alternative_readings": tuple(
                FilingReading(**{**reading, "counts_from": CountsFrom(reading["counts_from"])})
                for reading in item.get("alternative_readings", ())
            ),
        }
    )


def _parse_threshold(item: Mapping[str, Any]) -> AicThreshold:
    return AicThreshold(
        **{
            **item,
            **dated(item),
            "level": Level(item["level"]),
            "amount": Decimal(str(item["amount"])),
        }
    )


def _parse_expedited(item: Mapping[str, Any]) -> ExpeditedTimeframe:
    return ExpeditedTimeframe(
        **{
            **item,
            **dated(item),
            "track": Track(item["track"]),
            "level": Level(item["level"]),
        }
    )


def _parse_escalation(item: Mapping[str, Any]) -> EscalationRule:
    return EscalationRule(
        **{
            **item,
            **dated(item),
            "track": Track(item["track"]),
            "from_level": Level(item["from_level"]),
        }
    )


def dated(item: Mapping[str, Any]) -> dict[str, date | None]:
    end = item["effective_to"]
    return {
        "effective_from": date.fromisoformat(item["effective_from"]),
        "effective_to": date.fromisoformat(end) if end is not None else None,
    }
