"""The next business day: informational only, never a deadline (no roll-forward rule).

42 CFR 405 Subpart I, 422 Subpart M and 423 Subparts M/U count calendar days and contain no
weekend or holiday roll-forward, so ``late`` is always measured against the regulatory
date; this date is shown beside it for information.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the next one (weekends, federal holidays)."""
    while day.weekday() >= 5 or day in _federal_holidays(day.year):
        day += timedelta(days=1)
    return day


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    # PUBLIC is the federal-holiday calendar, including observed days (a Saturday holiday
    # is observed on the Friday before, a Sunday one on the Monday after).
    calendar = holidays.country_holidays("US", years=year, categories=(holidays.PUBLIC,))
    return frozenset(calendar.keys())
