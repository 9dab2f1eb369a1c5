"""Amount in controversy: the threshold in force on the day a request is filed.

The same figures apply to Original Medicare, MA and Part D (SSA 1869(b)(1)(E), 1852(g)(5),
1860D-4(h)(1)); each year's figures are data in ``appeal_rules.json``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .rule_data import AicThreshold, rule_book
from .vocabulary import Level, coerce_level


def aic_threshold(level: Level | str, on: date) -> Decimal | None:
    """Minimum amount in controversy for a request filed on ``on``.

    None when the level has no minimum, or when no threshold is on file for that date
    (``aic_required`` tells the two apart).
    """
    entry = threshold_entry(coerce_level(level), on)
    return entry.amount if entry else None


def aic_required(level: Level | str) -> bool:
    level = coerce_level(level)
    return any(entry.level is level for entry in rule_book().thresholds)


def amount_in_controversy(
    level: Level,
    amount: Decimal | None,
    request_date: date | None,
    notice_date: date,
    citations: list[str],
    notes: list[str],
) -> tuple[Decimal | None, bool | None]:
    """(threshold, met) for the result, appending citations and verify notes."""
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
    entry = threshold_entry(level, request_date)
    if entry is None:
        # Only worth a warning when there is an amount to judge: without one, aic_met is
        # None anyway and the note would flag every result in a year not yet on file.
        if amount is not None:
            notes.append(
                f"No amount-in-controversy threshold is on file for {request_date.year}; add "
                "the year's Federal Register figure to appeals/data/appeal_rules.json."
            )
        return None, None
    citations.append(entry.citation)
    if entry.verify and entry.verify_note:
        notes.append(entry.verify_note)
    return entry.amount, (amount >= entry.amount if amount is not None else None)


def threshold_entry(level: Level, on: date) -> AicThreshold | None:
    for entry in rule_book().thresholds:
        if entry.level is level and entry.in_effect(on):
            return entry
    return None
