"""What the appeals app adds to the patient and home pages (registered in apps.py)."""

from django.utils import timezone

from .access import appeals_for
from .models import Appeal, Denial


def denials_panel(user, patient, *, page: dict) -> dict | None:
    if not user.has_perm("appeals.view_denial"):
        return None
    return {
        "denials": Denial.objects.filter(claim__patient=patient)
        .select_related("claim")
        .prefetch_related("appeals")
    }


def appeals_due(user, *, page: dict) -> dict | None:
    """Billing's appeals by deadline on the home page."""
    if not (user.has_perm("appeals.view_appeal") and user.has_perm("appeals.change_appeal")):
        return None
    return {
        "today": timezone.localdate(),
        "due_appeals": appeals_for(user)
        .filter(status__in=[Appeal.Status.DRAFT, Appeal.Status.READY])
        .order_by("filing_deadline")[:15],
    }
