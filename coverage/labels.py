"""Staff-facing words for the engine's determinations and criterion statuses."""

from .models import DETERMINATION_CHOICES

STATUS_LABELS = {"met": "Met", "unmet": "Not met", "unknown": "Unknown"}
DETERMINATION_LABELS = dict(DETERMINATION_CHOICES)
# Bootstrap contextual colours for the determination badge on the patient page.
DETERMINATION_STYLES = {
    "covered": "success",
    "prior_auth_required": "info",
    "medical_necessity_review": "warning",
    "likely_denied": "danger",
    "not_eligible": "dark",
    "incomplete": "secondary",
}
