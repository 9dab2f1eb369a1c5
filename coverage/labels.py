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
# The kind of source behind a criterion (coverage.engine.SourceKind); only the first three
# can deny (shared/reference/medicare.md §G).
SOURCE_KIND_LABELS = {
    "regulation": "Statute or regulation",
    "label": "FDA label or REMS",
    "contractor": "Your Medicare contractor's LCD or article",
    "payer_practice": "Typical payer practice (advice only)",
}
