"""Writing entries: one function per kind of event."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS

from .choices import ACCESS_ACTIONS, Kind
from .context import client_ip, current_actor
from .models import AuditEntry
from .tracking import clinic_id_for, clinic_id_for_patient, json_safe, patient_id_for


def record_write(
    action: str,
    instance,
    changes: dict[str, Any],
    *,
    using: str = DEFAULT_DB_ALIAS,
    patient_id: int | None = None,
    clinic_id: int | None = None,
) -> AuditEntry:
    """A create/update/delete of `instance`, by whoever the current audit context names.

    `patient_id` and `clinic_id` are found from `instance` unless given (a delete resolves
    them before the cascade removes the rows they are found through).
    """
    actor = current_actor()
    user = actor.current_user
    if patient_id is None:
        patient_id = patient_id_for(instance)
    if clinic_id is None:
        clinic_id = clinic_id_for(instance, patient_id)
    entry = AuditEntry(
        kind=Kind.WRITE,
        action=action,
        user=user,
        username=user.get_username() if user else "",
        ip_address=actor.ip_address,
        model_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        patient_id=patient_id,
        clinic_id=clinic_id,
        changes=json_safe(changes),
    )
    entry.save(using=using)
    return entry


def record_access(request, action: str, obj, patient=None) -> AuditEntry:
    """Record that `request.user` read PHI: viewed, previewed, downloaded, printed or exported.

    `obj` is the model instance read, or a name for what was exported ("appeal-queue.csv").
    `patient` (a Patient or its id) defaults to the patient `obj` concerns, where there is one.
    """
    action = str(action)
    if action not in ACCESS_ACTIONS:
        raise ValueError(
            f"{action!r} is not an access action; use one of {sorted(ACCESS_ACTIONS)}."
        )
    user = request.user if request.user.is_authenticated else None
    is_model = hasattr(obj, "_meta")
    if patient is not None:
        patient_id = int(getattr(patient, "pk", patient))
    else:
        patient_id = patient_id_for(obj) if is_model else None
    clinic_id = clinic_id_for(obj, patient_id) if is_model else clinic_id_for_patient(patient_id)
    entry = AuditEntry(
        kind=Kind.ACCESS,
        action=action,
        user=user,
        username=user.get_username() if user else "",
        ip_address=client_ip(request),
        model_label=obj._meta.label_lower if is_model else str(obj)[:100],
        object_id=str(obj.pk) if is_model else "",
        patient_id=patient_id,
        clinic_id=clinic_id,
        changes={},
    )
    entry.save()
    return entry
