"""Property tests for appeals.deadlines: invariants that must hold for any notice date."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from appeals.deadlines import (
    DeadlineError,
    Track,
    compute_deadline,
    escalation,
    expedited_decision,
    expedited_levels,
    levels_for,
    local_time,
    next_business_day,
)

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


# --- Expedited arithmetic: 72 clock hours, across DST changes and month ends ---------------
#
# Time zones: 72 hours is elapsed time (42 CFR 422.590(e), 423.590(d): "no later than 72
# hours after receiving the request"). The command takes a naive wall-clock time and reads
# it in the site's TIME_ZONE (local_time); the core adds the hours in UTC and shows the
# result in the same zone. So across a DST change the wall clock moves 71 or 73 hours,
# a skipped time is refused, and a repeated one is read as its first occurrence.

US_ZONES = st.sampled_from(
    [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",  # no DST
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",  # no DST
        "America/Puerto_Rico",  # no DST
    ]
).map(ZoneInfo)
WALL_CLOCK = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31))
FAST = st.sampled_from(expedited_levels())


def _month_end(parts: tuple[int, int, int, int, int]) -> datetime:
    year, month, back, hour, minute = parts
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return datetime(year, month, last - back, hour, minute)


MONTH_END = st.tuples(
    st.integers(2020, 2040),
    st.integers(1, 12),
    st.integers(0, 2),  # the last three days of the month
    st.integers(0, 23),
    st.integers(0, 59),
).map(_month_end)


def _near_dst_change(parts: tuple[int, bool, int]) -> datetime:
    """A wall-clock time within 80 hours of a US change (since 2007: 02:00 on the second
    Sunday of March, and on the first Sunday of November)."""
    year, spring, minutes = parts
    first = date(year, 3 if spring else 11, 1)
    sunday = first + timedelta(days=(6 - first.weekday()) % 7 + (7 if spring else 0))
    return datetime.combine(sunday, datetime.min.time()).replace(hour=2) + timedelta(
        minutes=minutes
    )


NEAR_DST = st.tuples(st.integers(2020, 2040), st.booleans(), st.integers(-80 * 60, 80 * 60)).map(
    _near_dst_change
)
RECEIVED = WALL_CLOCK | MONTH_END | NEAR_DST


def _localized(wall: datetime, zone: ZoneInfo) -> datetime:
    try:
        aware, _ = local_time(wall, zone)
    except DeadlineError:
        reject()  # inside a spring-forward gap: the command refuses it too
    return aware


@property_test
@given(FAST, RECEIVED, US_ZONES)
def test_expedited_due_is_exactly_72_elapsed_hours_later(pair, wall, zone):
    received = _localized(wall, zone)
    decision = expedited_decision(*pair, received)

    elapsed = decision.decision_due_at.astimezone(UTC) - received.astimezone(UTC)
    assert elapsed == timedelta(hours=72)
    assert decision.decision_due_at.tzinfo is zone


@property_test
@given(FAST, RECEIVED, US_ZONES)
def test_expedited_wall_clock_moves_only_by_the_dst_shift(pair, wall, zone):
    """Same clock time three days later unless the offset changed in between; then it is
    off by exactly that change (an hour in the US). Month and year ends roll over normally."""
    received = _localized(wall, zone)
    due = expedited_decision(*pair, received).decision_due_at

    shift = due.utcoffset() - received.utcoffset()
    assert due.replace(tzinfo=None) == wall + timedelta(hours=72) + shift
    assert abs(shift) <= timedelta(hours=1)
    if shift == timedelta(0):
        assert due.date() == wall.date() + timedelta(days=3)
        assert (due.hour, due.minute) == (wall.hour, wall.minute)


@property_test
@given(FAST, RECEIVED, RECEIVED, US_ZONES)
def test_a_later_receipt_never_gives_an_earlier_expedited_due_time(pair, first, second, zone):
    earlier, later = sorted((first, second))
    due_earlier = expedited_decision(*pair, _localized(earlier, zone)).decision_due_at
    due_later = expedited_decision(*pair, _localized(later, zone)).decision_due_at

    assert due_earlier <= due_later


@property_test
@given(RECEIVED, US_ZONES)
def test_local_time_keeps_the_wall_clock_it_was_given(wall, zone):
    aware = _localized(wall, zone)

    assert aware.replace(tzinfo=None) == wall
    assert aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@property_test
@given(
    st.sampled_from(["reconsideration", "alj"]),
    st.dates(min_value=date(2017, 3, 20), max_value=date(2040, 12, 31)),
    st.integers(min_value=0, max_value=400),
)
def test_escalation_opens_the_day_after_the_missed_time_frame(level, filed, wait):
    """405.1002(b)(1), 405.1016: escalation only after the 60 (QIC) or 90 (ALJ) days have
    expired; the next level then has 180 days from the escalation (405.1016(c), 1100(d))."""
    days = {"reconsideration": 60, "alj": 90}[level]
    received = filed + timedelta(days=days + 1 + wait)
    opened = escalation("original", level, filed, escalation_received_on=received)

    assert opened.decision_due == filed + timedelta(days=days)
    assert opened.may_escalate_from == opened.decision_due + timedelta(days=1)
    assert opened.next_decision_due == received + timedelta(days=180)
    assert opened.may_escalate_from > filed
