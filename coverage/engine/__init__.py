"""The coverage engine: intake facts and rule data in, an explained Assessment out.

Pure: plain frozen dataclasses in and out, no Django, no clock (today is an argument).
assess.py runs the steps; facts.py holds the inputs and the rule data, criteria.py the
criteria, findings.py what a finding is, outcome.py the determination and its paperwork.
"""

from .assess import Assessment, assess
from .criteria import CITE_ENROLMENT, PROGRAMS, select_policy
from .facts import (
    ContractorArticle,
    ContractorFacts,
    CoverageFacts,
    Diagnosis,
    IntakeFacts,
    Policy,
    PolicyError,
    RequestFacts,
    Score,
    Screening,
    Trial,
    check_policies,
    load_default_policies,
    policy_from_dict,
)
from .findings import (
    CRITERION_IDS,
    DENYING_KINDS,
    DETERMINATION_ORDER,
    Advice,
    Criterion,
    Determination,
    MissingFact,
    Modifier,
    SourceKind,
    Status,
    can_deny,
    determination_rank,
)

__all__ = [
    "Advice",
    "Assessment",
    "CITE_ENROLMENT",
    "CRITERION_IDS",
    "ContractorArticle",
    "ContractorFacts",
    "CoverageFacts",
    "Criterion",
    "DENYING_KINDS",
    "DETERMINATION_ORDER",
    "Determination",
    "Diagnosis",
    "IntakeFacts",
    "MissingFact",
    "Modifier",
    "PROGRAMS",
    "Policy",
    "PolicyError",
    "RequestFacts",
    "Score",
    "Screening",
    "SourceKind",
    "Status",
    "Trial",
    "assess",
    "can_deny",
    "check_policies",
    "determination_rank",
    "load_default_policies",
    "policy_from_dict",
    "select_policy",
]
