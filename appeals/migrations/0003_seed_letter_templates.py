"""Load the default letter templates from templates/documents/ as version 1 of each kind."""

from pathlib import Path

from django.db import migrations

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "documents"
KINDS = ["lmn", "abn", "prior_auth", "patient_explanation", "appeal_letter"]


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("appeals", "LetterTemplate")
    for kind in KINDS:
        if not LetterTemplate.objects.filter(kind=kind).exists():
            LetterTemplate.objects.create(
                kind=kind,
                version=1,
                body=(TEMPLATE_DIR / f"{kind}.html").read_text(encoding="utf-8"),
                change_note="Default template shipped with the app",
            )


def unseed(apps, schema_editor):
    apps.get_model("appeals", "LetterTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_seed_coverage_policies")]

    operations = [migrations.RunPython(seed, unseed)]
