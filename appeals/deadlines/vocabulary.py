"""The words of the appeal rules: tracks, levels, how a window counts, and the two errors."""

from __future__ import annotations

from enum import StrEnum


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
    """A rule data file is inconsistent; raised at load time so a bad edit fails fast."""


def coerce_track(track: Track | str) -> Track:
    try:
        return Track(track)
    except ValueError:
        choices = ", ".join(t.value for t in Track)
        raise DeadlineError(f"Unknown track '{track}'; choose one of {choices}.") from None


def coerce_level(level: Level | str) -> Level:
    try:
        return Level(level)
    except ValueError:
        choices = ", ".join(lv.value for lv in Level)
        raise DeadlineError(f"Unknown level '{level}'; choose one of {choices}.") from None
