"""The audit trail (HIPAA §164.312(b)): every change to PHI and every read of it, in one
append-only, hash-chained table. See docs/audit.md.

    from audit import AccessAction, record_access
    record_access(request, AccessAction.DOWNLOAD, document)          # patient found from obj
    record_access(request, "export", "appeal-queue.csv")             # an export by name

Writes to the tracked models are recorded by signals (audit/tracking.py); nothing to call.
"""

from .choices import AccessAction
from .context import audit_context


def record_access(request, action: str, obj, patient=None):
    """Record a read of PHI; see audit.services.record_access."""
    from .services import record_access as _record_access

    return _record_access(request, action, obj, patient=patient)


__all__ = ["AccessAction", "audit_context", "record_access"]
