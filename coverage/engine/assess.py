"""Coverage rules engine: intake facts + reviewed policies in, an explained Assessment out.

Pure: no ORM, no I/O, no clock; the date of service is an argument. How each determination
and criterion is decided, and where each rule comes from: docs/coverage.md.

The rules are split by stage: findings.py holds the vocabulary (Determination, Status,
Criterion, Modifier, the engine's own citations) and the `_Findings` accumulator;
criteria.py the gates and policy criteria; outcome.py the determination and what follows
from it. This module runs the steps; the package (`coverage.engine`) exports the public names.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from coverage.engine.criteria import _coverage_rule, _gates, _policy_criteria, select_policy
from coverage.engine.facts import (
    IntakeFacts,
    Policy,
    RequestFacts,
)
from coverage.engine.findings import (
    CITE_ENROLMENT,
    CRITERION_IDS,
    PROGRAMS,
    Criterion,
    Determination,
    Modifier,
    Status,
    _Findings,
)
from coverage.engine.outcome import (
    _MODIFIER_CITATIONS,
    _codes,
    _decide,
    _documents,
    _modifiers,
    _next_steps,
    _part_d,
    _summary,
    _warnings,
)

# assess() lists the criteria in CRITERION_IDS order.
_ORDER = {cid: i for i, cid in enumerate(CRITERION_IDS)}


@dataclass(frozen=True)
class Assessment:
    determination: Determination
    summary: str
    policy_key: str | None
    policy_version: int | None
    coverage_path: str | None
    fda_status: str | None
    criteria: tuple[Criterion, ...]
    documents: tuple[str, ...]
    modifiers: tuple[Modifier, ...]
    missing: tuple[str, ...]
    warnings: tuple[str, ...]
    next_steps: tuple[str, ...]
    citations: tuple[str, ...]
    codes: tuple[str, ...] = ()

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Criterion | Modifier):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


def assess(facts: IntakeFacts, policies: Sequence[Policy], on: date) -> Assessment:
    """Assess one treatment request as of `on`, the planned date of service."""
    req, coverage = facts.request, facts.coverage
    program = coverage.program if coverage else None
    found = _Findings()
    _gates(found, facts, on)
    policy = None
    if program in PROGRAMS:
        policy = select_policy(policies, req.product, req.indication, program, on)
        _coverage_rule(found, req, program, policy, on)
    elif program is None:
        found.add(
            "coverage.rule",
            "A reviewed coverage rule applies to this request on the date",
            Status.UNKNOWN,
            "The rule depends on the Medicare program, which is not recorded.",
            CITE_ENROLMENT,
        )
    if policy is not None:
        _policy_criteria(found, policy, facts, on)

    determination = _decide(found.criteria, policy, coverage)
    _warnings(found, facts, policy, determination)
    codes = _codes(found, req)
    if req.product == "esketamine" and coverage is not None and coverage.has_part_d:
        _part_d(found, facts, policies, on)
    modifiers = _modifiers(found, determination, program, req)
    _next_steps(found, determination, program, req, codes)
    citations = [*(policy.citations if policy else ()), *(c.citation for c in found.criteria)]
    citations += [_MODIFIER_CITATIONS[m.code] for m in modifiers]
    return Assessment(
        determination=determination,
        summary=_summary(determination, req, program, policy, found.criteria),
        policy_key=policy.key if policy else None,
        policy_version=policy.version if policy else None,
        coverage_path=policy.coverage_path if policy else None,
        fda_status=policy.fda_status if policy else _fda_status(req),
        criteria=tuple(sorted(found.criteria, key=lambda c: _ORDER.get(c.id, len(_ORDER)))),
        documents=_documents(determination, program, coverage),
        modifiers=modifiers,
        missing=_unique(found.missing),
        warnings=_unique(found.warnings),
        next_steps=_unique(found.next_steps),
        citations=_unique(citations),
        codes=codes,
    )


# --- Helpers --------------------------------------------------------------------------


def _fda_status(req: RequestFacts) -> str | None:
    if req.product == "iv_ketamine":
        return "off_label"  # FDA: racemic ketamine is approved only as an anaesthetic
    if req.product == "esketamine":
        return "on_label" if req.indication in ("trd", "mdd_si") else "off_label"
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
