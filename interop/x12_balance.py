"""835 balancing (TR3 005010X221A1 section 1.10.2): reported for staff, never enforced.

- service line: SVC02 charge − the line's CAS amounts = SVC03 paid;
- claim: CLP03 charge − claim and line CAS amounts = CLP04 paid;
- transaction: BPR02 = Σ CLP04 − Σ PLB amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .x12_835_types import ClaimPayment, Payment, ProviderAdjustment


def _sum(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def balance_problems(
    payment: Payment, claims: Sequence[ClaimPayment], plb: Sequence[ProviderAdjustment]
) -> tuple[str, ...]:
    problems = []
    for claim in claims:
        for n, line in enumerate(claim.service_lines, start=1):
            adjusted = line.charge - _sum([a.amount for a in line.adjustments])
            if adjusted != line.paid:
                problems.append(
                    f"Claim {claim.claim_number} line {n} ({line.procedure_code}): charge "
                    f"{line.charge} minus adjustments {_sum([a.amount for a in line.adjustments])}"
                    f" is {adjusted}, but {line.paid} was paid."
                )
        adjustments = _sum([a.amount for a in claim.adjustments]) + _sum(
            [a.amount for line in claim.service_lines for a in line.adjustments]
        )
        if claim.charge - adjustments != claim.paid:
            problems.append(
                f"Claim {claim.claim_number}: charge {claim.charge} minus adjustments "
                f"{adjustments} is {claim.charge - adjustments}, but {claim.paid} was paid."
            )
    expected = _sum([c.paid for c in claims]) - _sum([p.amount for p in plb])
    if expected != payment.amount:
        problems.append(
            f"The payment (BPR02) is {payment.amount}, but the claims paid minus provider "
            f"adjustments come to {expected}."
        )
    return tuple(problems)
