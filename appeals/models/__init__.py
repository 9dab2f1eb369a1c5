from appeals.models.arguments import DenialArgument
from appeals.models.claims import Appeal, AppealDocument, Claim, ClaimLine, Denial, Enclosure

__all__ = [
    "Appeal",
    "AppealDocument",
    "Claim",
    "ClaimLine",
    "DenialArgument",
    "Denial",
    "Enclosure",
]
