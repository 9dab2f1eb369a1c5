"""Seed the coverage rules (version 1 of each) from the reviewed data file.

Later edits happen in the admin and create new versions; this migration never updates rows.
"""

import json
from pathlib import Path

from django.db import migrations

# The data file moved with the coverage app (one app per job, 2026-12).
DATA_FILE = Path(__file__).resolve().parents[2] / "coverage" / "data" / "coverage_policies.json"


def seed(apps, schema_editor):
    CoveragePolicy = apps.get_model("appeals", "CoveragePolicy")
    field_names = {f.name for f in CoveragePolicy._meta.get_fields()}
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for item in document["policies"]:
        if CoveragePolicy.objects.filter(key=item["key"], version=item["version"]).exists():
            continue
        CoveragePolicy.objects.create(
            change_note="Seeded from coverage/data/coverage_policies.json",
            **{name: value for name, value in item.items() if name in field_names},
        )


def unseed(apps, schema_editor):
    apps.get_model("appeals", "CoveragePolicy").objects.filter(
        change_note="Seeded from coverage/data/coverage_policies.json"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
