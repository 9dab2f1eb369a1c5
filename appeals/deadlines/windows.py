"""Filing windows: from the notice date to the presumed receipt and the regulatory deadline.

Where sources disagree on a window (a rule carries ``alternative_readings``), every reading
is counted and the earliest date is reported as ``file_by`` and the latest as
``legal_last_day``, each with its citation: staff file by the earlier one and never miss
the safe date, while ``late`` is still judged against the encoded regulatory date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .rule_data import AppealRule
from .vocabulary import CountsFrom


@dataclass(frozen=True)
class SafeDates:
    file_by: date  # the earliest reading: file by this day to be safe
    file_by_citation: str
    legal_last_day: date  # the latest reading: the last day any source allows
    legal_last_day_citation: str
    disagreement: str | None  # why the two differ, None when every source agrees

    @property
    def sources_disagree(self) -> bool:
        return self.file_by != self.legal_last_day


def filing_dates(rule: AppealRule, notice_date: date) -> tuple[date, date]:
    """(receipt date, regulatory filing deadline) in calendar days, never rolled forward.

    Where the rule presumes receipt (e.g. 42 CFR 405.942(a)(1)), the window starts on the
    notice date + ``presumed_receipt_days``; where it runs from the notice (422.602(b)), or
    the party files nothing (the MA IRE), the count starts on the notice date itself.
    """
    receipt = _start(rule.counts_from, rule.presumed_receipt_days, notice_date)
    window = rule.filing_window_days or 0
    return receipt, receipt + timedelta(days=window)


def safe_dates(rule: AppealRule, notice_date: date) -> SafeDates | None:
    """The earliest and the latest reading of the window; None when the party files nothing."""
    if not rule.filed_by_party:
        return None
    _, deadline = filing_dates(rule, notice_date)
    readings = [(deadline, rule.filing_citation, None)]
    for reading in rule.alternative_readings:
        start = _start(reading.counts_from, rule.presumed_receipt_days, notice_date)
        readings.append(
            (start + timedelta(days=reading.filing_window_days), reading.citation, reading.note)
        )
    # min/max keep the first of equal dates, so the encoded rule's citation wins a tie.
    earliest = min(readings, key=lambda r: r[0])
    latest = max(readings, key=lambda r: r[0])
    notes = [note for day, _, note in readings[1:] if note and day != deadline]
    disagreement = " ".join(notes) if earliest[0] != latest[0] else None
    return SafeDates(
        file_by=earliest[0],
        file_by_citation=earliest[1],
        legal_last_day=latest[0],
        legal_last_day_citation=latest[1],
        disagreement=disagreement,
    )


def _start(counts_from: CountsFrom | None, presumed_receipt_days: int, notice: date) -> date:
    if counts_from is CountsFrom.RECEIPT:
        return notice + timedelta(days=presumed_receipt_days)
    return notice
