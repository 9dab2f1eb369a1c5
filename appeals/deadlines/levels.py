"""Which levels a track has, in what order, and which rule version is in effect."""

from __future__ import annotations

from datetime import date

from .rule_data import AppealRule, chains, rule_book
from .vocabulary import DeadlineError, Level, Track, coerce_level, coerce_track


def levels_for(track: Track | str) -> tuple[Level, ...]:
    """The levels of a track, in the order an appeal climbs them."""
    return chains()[coerce_track(track)]


def next_level(track: Track | str, level: Level | str) -> Level | None:
    track, level = coerce_track(track), coerce_level(level)
    check_level_in_track(track, level)
    chain = levels_for(track)
    position = chain.index(level)
    return chain[position + 1] if position + 1 < len(chain) else None


def rule_for(track: Track | str, level: Level | str, on: date) -> AppealRule:
    """The rule version for ``track``/``level`` in effect on ``on`` (a notice date)."""
    track, level = coerce_track(track), coerce_level(level)
    check_level_in_track(track, level)
    for rule in rule_book().rules:
        if rule.track is track and rule.level is level and rule.in_effect(on):
            return rule
    raise DeadlineError(
        f"No {track} {level} rule is on file for a notice dated {on.isoformat()}; "
        "earlier rule versions are not modelled."
    )


def check_level_in_track(track: Track, level: Level) -> None:
    chain = chains()[track]
    if level not in chain:
        levels = ", ".join(chain)
        raise DeadlineError(
            f"There is no {level} level in the {track} track; its levels are {levels}."
        )
