"""Filing windows: from the notice date to the presumed receipt and the regulatory deadline."""

from __future__ import annotations

from datetime import date, timedelta

from .rule_data import AppealRule
from .vocabulary import CountsFrom


def filing_dates(rule: AppealRule, notice_date: date) -> tuple[date, date]:
    """(receipt date, regulatory filing deadline) in calendar days, never rolled forward.

    Where the rule presumes receipt (e.g. 42 CFR 405.942(a)(1)), the window starts on the
    notice date + ``presumed_receipt_days``; where it runs from the notice (422.602(b)), or
    the party files nothing (the MA IRE), the count starts on the notice date itself.
    """
    if rule.counts_from is CountsFrom.RECEIPT:
        receipt = notice_date + timedelta(days=rule.presumed_receipt_days)
    else:
        receipt = notice_date
    window = rule.filing_window_days or 0
    return receipt, receipt + timedelta(days=window)
