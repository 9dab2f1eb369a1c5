"""Readers for X12 835 element values: required elements, amounts (R), dates (DT), CAS."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .x12_835_types import Adjustment, Malformed835
from .x12_segments import Segment

# CAS01 claim adjustment group codes; CR (corrections and reversals) exists only in 4010.
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
_AMOUNT = re.compile(r"^-?(\d{1,15}(\.\d{0,4})?|\.\d{1,4})$")


def required(segment: Segment, n: int, what: str) -> str:
    value = segment.value(n)
    if not value:
        raise Malformed835(
            segment.seg_id, segment.position, f"{segment.seg_id}{n:02d} ({what}) is missing."
        )
    return value


def optional_amount(segment: Segment, n: int, what: str) -> Decimal | None:
    value = segment.value(n)
    if not value:
        return None
    if not _AMOUNT.match(value):
        raise Malformed835(
            segment.seg_id,
            segment.position,
            f"{segment.seg_id}{n:02d} ({what}) “{value}” is not a number.",
        )
    return Decimal(value)  # the pattern admits only valid decimals


def amount(segment: Segment, n: int, what: str) -> Decimal:
    value = optional_amount(segment, n, what)
    if value is None:
        raise Malformed835(
            segment.seg_id, segment.position, f"{segment.seg_id}{n:02d} ({what}) is missing."
        )
    return value


def read_date(segment: Segment, n: int, what: str) -> date | None:
    value = segment.value(n)
    if not value:
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise Malformed835(
            segment.seg_id,
            segment.position,
            f"{segment.seg_id}{n:02d} ({what}) “{value}” is not a CCYYMMDD date.",
        ) from None


def units(svc: Segment) -> Decimal:
    value = optional_amount(svc, 5, "units paid")
    return Decimal(1) if value is None else value  # TR3 SVC05: "if not present, 1"


def read_adjustments(cas: Segment) -> list[Adjustment]:
    group = cas.value(1)
    if group not in GROUP_CODES:
        raise Malformed835(
            "CAS", cas.position, f"Group code “{group}” is not CO, PR, OA, PI or CR."
        )
    found = []
    for start in range(2, 20, 3):  # up to six reason/amount/quantity triplets
        reason, sent_amount = cas.value(start), cas.value(start + 1)
        if not reason and not sent_amount:
            continue
        if not reason:
            raise Malformed835("CAS", cas.position, f"CAS{start:02d} (reason code) is missing.")
        found.append(
            Adjustment(
                group=group,
                reason=reason,
                amount=amount(cas, start + 1, "adjustment amount"),
                quantity=optional_amount(cas, start + 2, "adjustment quantity"),
            )
        )
    if not found:
        raise Malformed835("CAS", cas.position, "CAS02 (reason code) is missing.")
    return found
