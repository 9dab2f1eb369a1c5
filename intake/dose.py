"""A treatment trial's dose is typed once, as written ("150 mg daily"); the daily amount in
mg is read from it when the text says it plainly, and is unknown otherwise."""

import re
from decimal import Decimal, InvalidOperation

# "150 mg", "37.5mg"; not "0.5 mg/kg" (a weight-based dose has no fixed daily amount).
_AMOUNT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*mg\b(?!\s*/\s*kg)", re.IGNORECASE)
# How many times a day; "daily", "at bedtime" or nothing at all is once.
_TIMES_A_DAY = (
    (2, re.compile(r"\b(twice|two times|2 ?x|bid|b\.i\.d\.?)\b", re.IGNORECASE)),
    (3, re.compile(r"\b(three times|3 ?x|tid|t\.i\.d\.?)\b", re.IGNORECASE)),
    (4, re.compile(r"\b(four times|4 ?x|qid|q\.i\.d\.?)\b", re.IGNORECASE)),
)
# Not a daily amount at all: weekly or as-needed dosing, or a count of sessions.
_NOT_DAILY = re.compile(
    r"\b(weekly|a week|per week|/ ?wk|monthly|every other day|prn|as needed|sessions?)\b",
    re.IGNORECASE,
)
MAX_MG = Decimal("99999.99")  # TreatmentTrial.dose_mg holds 7 digits, 2 after the point


def daily_dose_mg(dose: str) -> Decimal | None:
    """The daily amount in mg ("150 mg daily" -> 150, "37.5 mg twice daily" -> 75), or None
    when the text names no amount, several, or a schedule that isn't daily."""
    text = dose or ""
    amounts = {Decimal(found) for found in _AMOUNT.findall(text)}
    if len(amounts) != 1 or _NOT_DAILY.search(text):
        return None
    times = {n for n, pattern in _TIMES_A_DAY if pattern.search(text)}
    if len(times) > 1:
        return None
    try:
        total = (amounts.pop() * (times.pop() if times else 1)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return total if total <= MAX_MG else None
