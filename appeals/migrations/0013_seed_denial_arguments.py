"""The shipped arguments per denial reason (appeals/data/denial_arguments.json) as the shared
defaults, version 1. A key that already has a shared default is left alone: clinics edit
their own series in the admin, and a later shipped change is a new migration."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "denial_arguments.json"


def rows():
    for item in json.loads(DATA.read_text(encoding="utf-8"))["arguments"]:
        yield {
            "key": item["key"],
            "title": item["title"],
            "group_code": item["group_code"],
            "carc_codes": ", ".join(item["carc_codes"]),
            "rarc_codes": ", ".join(item["rarc_codes"]),
            "facts": ", ".join(item["facts"]),
            "paragraph": "".join(item["paragraph"]),
            "evidence_checklist": "\n".join(item["evidence_checklist"]),
            "citations": "\n".join(item["citations"]),
            "verify": item.get("verify", False),
            "verify_note": item.get("verify_note", ""),
        }


def seed(apps, schema_editor):
    DenialArgument = apps.get_model("appeals", "DenialArgument")
    for row in rows():
        if DenialArgument.objects.filter(key=row["key"], clinic__isnull=True).exists():
            continue
        DenialArgument.objects.create(version=1, change_note="Shipped default", **row)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0012_denial_arguments")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
