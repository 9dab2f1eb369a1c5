""" "No amount-in-controversy threshold is on file for YEAR" only when an amount was given.

Without an amount there is nothing to judge (aic_met stays None), so the note would flag
every ALJ request filed in a year whose Federal Register figure is not yet on file (issue
13). With an amount, staff must be told the threshold is missing.
"""

from datetime import date
from decimal import Decimal

from appeals.deadlines import compute_deadline

NOTE = "No amount-in-controversy threshold is on file for 2027"
NOTICE, FILED_2027 = date(2026, 12, 20), date(2027, 1, 15)


def test_no_amount_no_note_for_a_year_without_a_threshold() -> None:
    result = compute_deadline("original", "alj", NOTICE, filed_date=FILED_2027)
    assert not any(NOTE in note for note in result.verify_notes)
    assert result.aic_threshold is None and result.aic_met is None


def test_an_amount_in_a_year_without_a_threshold_gets_the_note() -> None:
    result = compute_deadline(
        "original", "alj", NOTICE, filed_date=FILED_2027, amount=Decimal("450")
    )
    assert any(NOTE in note for note in result.verify_notes)
    assert result.aic_met is None


def test_an_amount_in_a_year_with_a_threshold_is_judged_without_the_note() -> None:
    result = compute_deadline(
        "original", "alj", date(2026, 3, 2), filed_date=date(2026, 4, 1), amount=Decimal("450")
    )
    assert result.aic_threshold == Decimal("200") and result.aic_met is True
    assert not any("No amount-in-controversy threshold" in note for note in result.verify_notes)
