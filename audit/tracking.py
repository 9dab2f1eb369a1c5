"""Which rows are audited, what of them is recorded, and the signal receivers that do it.

Receivers are connected per model class (never sender=None), so migrations, whose
historical models are other classes, never write entries for their data changes.
Entries are written synchronously, in the same database transaction as the change: a
change that rolls back leaves no entry, and an entry that can't be written fails the change.
"""

from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .chain import canonical_time
from .choices import REDACTED, Action

# Every model whose create/update/delete is recorded, and how to reach the patient an
# instance concerns (dotted attributes; None: not about one patient).
TRACKED_MODELS: dict[str, str | None] = {
    "intake.Clinic": None,
    "intake.Provider": None,
    "intake.Patient": "pk",
    "intake.Coverage": "patient_id",
    "intake.Diagnosis": "patient_id",
    "intake.SymptomScore": "patient_id",
    "intake.TreatmentTrial": "patient_id",
    "intake.Screening": "patient_id",
    "intake.TreatmentRequest": "patient_id",
    "coverage.CoveragePolicy": None,
    "documents.LetterTemplate": None,
    "documents.GeneratedDocument": "patient_id",
    "documents.DocumentSignature": "document.patient_id",
    "documents.DocumentDelivery": "document.patient_id",
    "appeals.Claim": "patient_id",
    "appeals.ClaimLine": "claim.patient_id",
    "appeals.Denial": "claim.patient_id",
    "appeals.Appeal": "denial.claim.patient_id",
    "appeals.Enclosure": "appeal.denial.claim.patient_id",
    "appeals.AppealDocument": "appeal.denial.claim.patient_id",
    "intake.MfaEnrolment": None,
    settings.AUTH_USER_MODEL: None,
    "auth.Group": None,
}

# Versioned rows kept per clinic (issue 12): clinic empty is the shared default of every
# clinic; otherwise the entry belongs to that clinic (and its report shows it).
PER_CLINIC_SERIES = frozenset({"coverage.CoveragePolicy", "documents.LetterTemplate"})

# Models that are read (record_access) but not tracked for writes: how to find the patient.
_ACCESS_ONLY_PATIENT_PATHS = {"coverage.Assessment": "patient_id"}

# Many-to-many fields whose membership changes are recorded as an update of the owner:
# who is in which role, which permissions a user or role has, who is staff of a clinic.
TRACKED_M2M: list[tuple[str, str]] = [
    (settings.AUTH_USER_MODEL, "groups"),
    (settings.AUTH_USER_MODEL, "user_permissions"),
    ("auth.Group", "permissions"),
    ("intake.Clinic", "staff"),
]

# Fields whose values are never written to the trail; "(changed)" stands in for them.
# File and image fields are always redacted (only their stored names could be recorded,
# and those are not the point); see docs/audit.md for why each is here.
REDACTED_FIELDS: dict[str, frozenset[str]] = {
    "intake.coverage": frozenset({"mbi", "mbi_index"}),
    "documents.generateddocument": frozenset({"html"}),
    "intake.mfaenrolment": frozenset({"code_hash"}),
    settings.AUTH_USER_MODEL.lower(): frozenset({"password"}),
}

_BEFORE = "_audit_before"
_DELETED = "_audit_deleted"


# --- what is recorded ---------------------------------------------------------------


def patient_id_for(obj: Any) -> int | None:
    """The id of the patient `obj` concerns, or None."""
    label = obj._meta.label
    path = TRACKED_MODELS.get(label) or _ACCESS_ONLY_PATIENT_PATHS.get(label)
    if path is None:
        return None
    value = obj
    try:
        for part in path.split("."):
            value = getattr(value, part)
    except ObjectDoesNotExist:
        return None
    return int(value) if value is not None else None


def clinic_id_for(obj: Any, patient_id: int | None) -> int | None:
    """The clinic whose record `obj` is: the clinic itself, a provider's or patient's
    clinic, or the clinic of the patient the row concerns."""
    label = obj._meta.label
    if label == "intake.Clinic":
        return obj.pk
    if label in ("intake.Patient", "intake.Provider") or label in PER_CLINIC_SERIES:
        return obj.clinic_id
    return clinic_id_for_patient(patient_id)


def clinic_id_for_patient(patient_id: int | None) -> int | None:
    if patient_id is None:
        return None
    patients = apps.get_model("intake", "Patient")._base_manager
    return patients.filter(pk=patient_id).values_list("clinic_id", flat=True).first()


def _audited_fields(model, instance=None, update_fields=None) -> list[models.Field]:
    deferred = instance.get_deferred_fields() if instance is not None else set()
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in deferred
    ]
    if update_fields is not None:
        wanted = set(update_fields)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def _is_redacted(model, field: models.Field) -> bool:
    return isinstance(field, models.FileField) or field.name in REDACTED_FIELDS.get(
        model._meta.label_lower, ()
    )


def _plain(field: models.Field, value: Any) -> Any:
    """A field's value as JSON that reads back identically from SQLite and PostgreSQL."""
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    with suppress(ValidationError, TypeError, ValueError):  # keep the value as it is
        value = field.to_python(value)
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal) and value.is_finite():
        value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return json_safe(value)


def json_safe(value: Any) -> Any:
    """Only str, int, bool, None, lists and dicts: floats and decimals become text, so a
    JSON column (jsonb normalises numbers) can't change what the entry's hash covered."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime):
        return canonical_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return "(binary)"
    return str(value)


def snapshot(instance, fields: list[models.Field]) -> dict[str, Any]:
    return {f.name: _plain(f, f.value_from_object(instance)) for f in fields}


def _stored(model, instance, fields: list[models.Field], using: str) -> dict[str, Any] | None:
    row = (
        model._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if row is None:
        return None
    return {f.name: _plain(f, row[f.attname]) for f in fields}


def values_for_entry(model, values: dict[str, Any]) -> dict[str, Any]:
    """Field values of a created or deleted row, with the redacted ones masked."""
    by_name = {f.name: f for f in model._meta.concrete_fields}
    return {
        name: REDACTED if value not in ("", None) and _is_redacted(model, by_name[name]) else value
        for name, value in values.items()
    }


def diff(model, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """field → [old, new] for every changed field; "(changed)" alone for redacted ones."""
    by_name = {f.name: f for f in model._meta.concrete_fields}
    changes: dict[str, Any] = {}
    for name, new in after.items():
        if name not in before or before[name] == new:
            continue
        changes[name] = REDACTED if _is_redacted(model, by_name[name]) else [before[name], new]
    return changes


# --- receivers ----------------------------------------------------------------------


def _on_pre_save(sender, instance, raw, using, update_fields, **kwargs):
    instance.__dict__.pop(_BEFORE, None)
    if instance.pk is None:
        return  # a new row: nothing stored yet
    fields = _audited_fields(sender, instance, update_fields)
    instance.__dict__[_BEFORE] = _stored(sender, instance, fields, using)


def _on_post_save(sender, instance, created, raw, using, update_fields, **kwargs):
    from .services import record_write

    before = instance.__dict__.pop(_BEFORE, None)
    fields = _audited_fields(sender, instance, update_fields)
    after = snapshot(instance, fields)
    if created or before is None:
        record_write(Action.CREATE, instance, values_for_entry(sender, after), using=using)
        return
    changes = diff(sender, before, after)
    if changes:  # a save that changed nothing is not an event
        record_write(Action.UPDATE, instance, changes, using=using)


def _on_pre_delete(sender, instance, using, **kwargs):
    # Everything is resolved before any row goes: the parents the patient id is reached
    # through may be deleted in the same cascade.
    values = values_for_entry(sender, snapshot(instance, _audited_fields(sender, instance)))
    patient_id = patient_id_for(instance)
    instance.__dict__[_DELETED] = (values, patient_id, clinic_id_for(instance, patient_id))


def _on_post_delete(sender, instance, using, **kwargs):
    from .services import record_write

    values, patient_id, clinic_id = instance.__dict__.pop(_DELETED, ({}, None, None))
    record_write(
        Action.DELETE, instance, values, using=using, patient_id=patient_id, clinic_id=clinic_id
    )


def _member_labels(owner, field_name: str) -> list[str]:
    related = getattr(owner, field_name).all()
    if related.model._meta.label == "auth.Permission":
        return sorted(
            f"{app}.{codename}"
            for app, codename in related.values_list("content_type__app_label", "codename")
        )
    return sorted(str(obj) for obj in related)


def _make_m2m_receiver(owner_model, field_name: str):
    stash = f"_audit_m2m_{owner_model._meta.label_lower}_{field_name}"

    def receiver(sender, instance, action, reverse, model, pk_set, using, **kwargs):
        from .services import record_write

        if action.startswith("pre_"):
            owners_qs = owner_model._base_manager.using(using)
            if not reverse:
                owners = [instance]
            elif pk_set is None:  # clear() from the other side: every owner linked to it
                owners = list(owners_qs.filter(**{field_name: instance}))
            else:
                owners = list(owners_qs.filter(pk__in=pk_set))
            instance.__dict__[stash] = [(o, _member_labels(o, field_name)) for o in owners]
            return
        for owner, old in instance.__dict__.pop(stash, []):
            new = _member_labels(owner, field_name)
            if new != old:
                record_write(Action.UPDATE, owner, {field_name: [old, new]}, using=using)

    return receiver


def connect() -> None:
    """Connect the receivers for every tracked model (called from AuditConfig.ready)."""
    for label in TRACKED_MODELS:
        model = apps.get_model(label)
        uid = f"audit:{model._meta.label_lower}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"{uid}:pre_save")
        post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}:post_save")
        pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=f"{uid}:pre_delete")
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=f"{uid}:post_delete")
    for label, field_name in TRACKED_M2M:
        owner = apps.get_model(label)
        m2m_changed.connect(
            _make_m2m_receiver(owner, field_name),
            sender=getattr(owner, field_name).through,
            weak=False,  # the receiver is a closure: nothing else keeps it alive
            dispatch_uid=f"audit:{owner._meta.label_lower}.{field_name}",
        )
