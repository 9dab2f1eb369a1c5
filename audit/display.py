"""Turning an entry's stored changes into lines a clinic admin can read."""

import json
from typing import Any

from django.apps import apps

from .choices import REDACTED
from .labels import current_label


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def change_lines(changes: dict[str, Any], *, is_update: bool) -> list[tuple[str, str]]:
    """(field, "old → new") for updates, (field, value) for creates and deletes."""
    lines = []
    for field in sorted(changes):
        value = changes[field]
        if value == REDACTED:
            lines.append((field, REDACTED))
        elif is_update and isinstance(value, list) and len(value) == 2:
            lines.append((field, f"{_text(value[0])} → {_text(value[1])}"))
        else:
            lines.append((field, _text(value)))
    return lines


def record_name(model_label: str) -> str:
    """The model's name ("Patient", "Coverage") for a label; an export's name as it is."""
    try:
        model = apps.get_model(current_label(model_label))
    except (LookupError, ValueError):
        return model_label
    return str(model._meta.verbose_name).capitalize()


def chart_number(patient_id: int | None) -> str:
    return f"KC-{patient_id:06d}" if patient_id else ""


def changes_json(changes: dict[str, Any]) -> str:
    return json.dumps(changes, sort_keys=True, ensure_ascii=False) if changes else ""


def clinic_names(clinic_ids: set[int]) -> dict[int, str]:
    clinics = apps.get_model("intake", "Clinic").objects.filter(pk__in=clinic_ids)
    return dict(clinics.values_list("pk", "name"))


def belongs_to(entry, clinics: dict[int, str]) -> str:
    """Whose version a template or rule entry is about: its clinic, or the shared default."""
    from .tracking import PER_CLINIC_SERIES

    if entry.model_label not in {label.lower() for label in PER_CLINIC_SERIES}:
        return ""
    return clinics.get(entry.clinic_id, "") if entry.clinic_id else "Shared default"
