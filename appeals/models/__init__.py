from .claims import Appeal, Claim, ClaimLine, Denial, Enclosure
from .documents import (
    DocumentDelivery,
    DocumentKind,
    DocumentSignature,
    GeneratedDocument,
    LetterTemplate,
)
from .policy import Assessment, CoveragePolicy

__all__ = [
    "Appeal",
    "Assessment",
    "Claim",
    "ClaimLine",
    "CoveragePolicy",
    "Denial",
    "DocumentDelivery",
    "DocumentKind",
    "DocumentSignature",
    "Enclosure",
    "GeneratedDocument",
    "LetterTemplate",
]
