"""What an audit entry can say happened. No model imports: usable before apps are ready."""

from django.db import models


class Kind(models.TextChoices):
    WRITE = "write", "Change"
    ACCESS = "access", "Access"


class Action(models.TextChoices):
    # Writes (HIPAA §164.312(b), ONC §170.315(d)(2): additions, changes, deletions).
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    # Reads of PHI (ONC §170.315(d)(2): "queried", "printed", "copied" / exported).
    VIEW = "view", "Viewed"
    PREVIEW = "preview", "Previewed"
    DOWNLOAD = "download", "Downloaded"
    PRINT = "print", "Printed"
    EXPORT = "export", "Exported"


class AccessAction(models.TextChoices):
    """The actions record_access accepts (a subset of Action, same values)."""

    VIEW = Action.VIEW.value, Action.VIEW.label
    PREVIEW = Action.PREVIEW.value, Action.PREVIEW.label
    DOWNLOAD = Action.DOWNLOAD.value, Action.DOWNLOAD.label
    PRINT = Action.PRINT.value, Action.PRINT.label
    EXPORT = Action.EXPORT.value, Action.EXPORT.label


ACCESS_ACTIONS = frozenset(AccessAction.values)

# Shown instead of a value the audit trail must never hold: the MBI (and its blind index),
# password hashes, uploaded/generated file contents and the HTML body of a letter.
REDACTED = "(changed)"
