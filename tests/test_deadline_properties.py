"""Property tests for appeals.deadlines: invariants that must hold for any notice date."""

from datetime import date, timedelta

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.deadlines import Track, compute_deadline, levels_for, next_business_day

# From 2025-01-01 every rule on file is the current version, so the day counts below hold.
CURRENT = st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31))
# 2020 onwards covers every track's rule history, including the MA and Part D changeovers.
ANY_MODELLED = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
ANY_DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))

PAIRS = st.sampled_from([(track, level) for track in Track for level in levels_for(track)])

# Days from the notice date to the regulatory deadline under the current rules: 5 presumed
# receipt days plus the window, except MA ALJ (60 days from the notice, 42 CFR 422.602(b))
# and the MA IRE, which nobody files.
DAYS_TO_DEADLINE = {
    ("original", "redetermination"): 125,
    ("original", "reconsideration"): 185,
    ("original", "alj"): 65,
    ("original", "council"): 65,
    ("original", "court"): 65,
    ("advantage", "plan-reconsideration"): 65,
    ("advantage", "ire"): 0,
    ("advantage", "alj"): 60,
    ("advantage", "council"): 65,
    ("advantage", "court"): 65,
    ("part-d", "redetermination"): 65,
    ("part-d", "ire"): 65,
    ("part-d", "alj"): 65,
    ("part-d", "council"): 65,
    ("part-d", "court"): 65,
}
NO_RECEIPT_PRESUMPTION = {("advantage", "ire"), ("advantage", "alj")}

# The project's autouse fixture (tests/conftest.py) is function-scoped; these properties
# never touch it, so reusing it across generated examples is harmless.
property_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.country_holidays("US", years=day.year)


@property_test
@given(PAIRS, ANY_MODELLED, ANY_MODELLED)
def test_a_later_notice_never_gives_an_earlier_deadline(pair, first, second):
    track, level = pair
    earlier, later = sorted((first, second))

    assert (
        compute_deadline(track, level, earlier).filing_deadline
        <= compute_deadline(track, level, later).filing_deadline
    )


@property_test
@given(PAIRS, ANY_MODELLED)
def test_business_day_is_the_first_working_day_on_or_after_the_deadline(pair, notice):
    result = compute_deadline(*pair, notice)

    assert result.next_business_day >= result.filing_deadline
    assert _is_business_day(result.next_business_day)
    skipped = (result.next_business_day - result.filing_deadline).days
    for offset in range(skipped):
        assert not _is_business_day(result.filing_deadline + timedelta(days=offset))


@property_test
@given(ANY_DAY)
def test_next_business_day_is_never_a_weekend_or_federal_holiday(day):
    business_day = next_business_day(day)

    assert business_day >= day
    assert business_day.weekday() < 5
    assert business_day not in holidays.country_holidays("US", years=business_day.year)
    assert (business_day - day).days <= 4


@property_test
@given(PAIRS, CURRENT)
def test_receipt_is_notice_plus_five_where_presumed(pair, notice):
    result = compute_deadline(*pair, notice)

    if pair in NO_RECEIPT_PRESUMPTION:
        assert result.receipt_date == notice
    else:
        assert result.receipt_date == notice + timedelta(days=5)


@property_test
@given(PAIRS, CURRENT)
def test_deadline_is_the_fixed_number_of_calendar_days_after_the_notice(pair, notice):
    result = compute_deadline(*pair, notice)

    assert result.filing_deadline - notice == timedelta(days=DAYS_TO_DEADLINE[pair])


@property_test
@given(PAIRS, CURRENT, st.integers(min_value=0, max_value=400))
def test_late_exactly_when_filed_after_the_deadline(pair, notice, days_after_notice):
    filed = notice + timedelta(days=days_after_notice)
    result = compute_deadline(*pair, notice, filed_date=filed)

    if pair == ("advantage", "ire"):
        assert result.late is None
    else:
        assert result.late is (filed > result.filing_deadline)


@property_test
@given(PAIRS, ANY_MODELLED)
def test_file_by_is_never_after_the_legal_last_day(pair, notice):
    """medicare.md G: where sources conflict the earlier date is "file by" and the later the
    legal last day, so file_by <= legal_last_day always, and the regulatory deadline (which
    ``late`` is judged against) lies between them."""
    result = compute_deadline(*pair, notice)

    if pair == ("advantage", "ire"):  # nothing filed (42 CFR 422.592(a))
        assert result.file_by is None and result.legal_last_day is None
        return
    assert result.file_by <= result.legal_last_day
    assert result.file_by <= result.filing_deadline <= result.legal_last_day
    assert result.notice_date <= result.file_by
    assert result.sources_disagree is (result.file_by != result.legal_last_day)
