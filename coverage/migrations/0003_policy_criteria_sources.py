"""Each coverage criterion names the kind of source behind it (issue 13, reference §G).

Adds `criteria_sources`, then fills it on the shipped rules (every version of a key in
coverage/data/coverage_policies.json): without it every criterion would count as typical
payer practice and no policy criterion could deny. The same step splits the payer's week
count out of the failed-trials citation (new `trial_length` citation) and drops First
Coast's article A59250 from the rules' citations: it applies only in jurisdiction JN and now
comes from coverage/data/contractors.json for the patient's own contractor. The change note
of each touched row says so. Rows with keys of their own (added in the admin) are left
alone: their criteria count as payer practice until an admin names their sources.
"""

import json
from pathlib import Path

from django.db import migrations, models

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "coverage_policies.json"
NOTE = "criteria_sources added, A59250 moved to contractor data (coverage 0002)"


def fill_sources(apps, schema_editor):
    CoveragePolicy = apps.get_model("coverage", "CoveragePolicy")
    shipped = {
        item["key"]: item for item in json.loads(DATA_FILE.read_text(encoding="utf-8"))["policies"]
    }
    for row in CoveragePolicy.objects.filter(key__in=shipped):
        item = shipped[row.key]
        if row.criteria_sources:
            continue
        row.criteria_sources = item.get("criteria_sources", {})
        citations = dict(row.criteria_citations or {})
        for name in ("failed_trials", "trial_length"):
            if name in item.get("criteria_citations", {}):
                citations[name] = item["criteria_citations"][name]
        row.criteria_citations = citations
        row.citations = [c for c in row.citations if "A59250" not in c]
        row.change_note = f"{row.change_note} · {NOTE}"[-200:].lstrip(" ·")
        row.save(
            update_fields=["criteria_sources", "criteria_citations", "citations", "change_note"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0002_per_clinic_series"),
    ]

    operations = [
        migrations.AddField(
            model_name="coveragepolicy",
            name="criteria_sources",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Kind of source per criterion: "regulation", "label", "contractor" or '
                '"payer_practice", e.g. {"failed_trials": "label"}. Only the first three can '
                "deny; a criterion not listed is payer practice (advice).",
            ),
        ),
        migrations.RunPython(fill_sources, migrations.RunPython.noop),
    ]
