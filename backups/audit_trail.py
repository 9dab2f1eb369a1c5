"""The audit app's trail: kept out of the restore's own writes, and verified after it."""

from __future__ import annotations

import io
from contextlib import contextmanager

from django.apps import apps
from django.core.management import CommandError, call_command, get_commands
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from backups.errors import BackupError


@contextmanager
def audit_tracking_paused():
    """Keep the audit app's signal receivers from writing entries inside the block.

    A restore puts the archived trail back exactly as it was. Entries written during the
    restore itself (by migrate's role-permission sync in the new database, and by the load's
    raw saves, which the receivers don't tell apart) would take the ids and chain links of
    the archived entries. Uses the receivers' dispatch_uids (audit/tracking.py) and
    reconnects them with `tracking.connect()`. Should that scheme change, the disconnect
    reports it, and the restore's own checks (an empty trail after migrate, the row counts)
    refuse rather than mix two chains.
    """
    if not apps.is_installed("audit"):
        yield
        return
    from audit import tracking

    try:
        for label in tracking.TRACKED_MODELS:
            model = apps.get_model(label)
            uid = f"audit:{model._meta.label_lower}"
            for signal, name in (
                (pre_save, "pre_save"),
                (post_save, "post_save"),
                (pre_delete, "pre_delete"),
                (post_delete, "post_delete"),
            ):
                if not signal.disconnect(sender=model, dispatch_uid=f"{uid}:{name}"):
                    raise BackupError(f"Can't pause audit tracking: no receiver {uid}:{name}.")
        for label, field_name in tracking.TRACKED_M2M:
            owner = apps.get_model(label)
            uid = f"audit:{owner._meta.label_lower}.{field_name}"
            if not m2m_changed.disconnect(
                sender=getattr(owner, field_name).through, dispatch_uid=uid
            ):
                raise BackupError(f"Can't pause audit tracking: no receiver {uid}.")
        yield
    finally:
        tracking.connect()


def verify_audit_chain() -> str:
    """Run the audit app's chain verification, if it has one: its verdict, or BackupError."""
    if "verify_audit" not in get_commands():
        return ""
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        raise BackupError(f"Restore verification FAILED; do not use this instance: {exc}") from exc
    return " ".join(out.getvalue().split())
