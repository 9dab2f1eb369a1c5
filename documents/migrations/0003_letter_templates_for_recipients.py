"""New versions of the shipped letter templates (issue 14): letters built around the
clinician's narrative, with only recipient-facing text (no rule keys, engine summary,
VERIFY notes or staff instructions), and the signer's own NPI under the doctor's name.

The body is the shipped file in templates/documents/. A kind whose newest version already
has that body (a fresh database, where appeals 0003 seeded version 1 from the same files)
gets no new version; older versions are never edited.
"""

from pathlib import Path

from django.db import migrations

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "documents"
KINDS = ["lmn", "abn", "prior_auth", "patient_explanation", "appeal_letter"]
CHANGE_NOTE = (
    "Shipped update: built around the clinician's narrative; only recipient-facing text "
    "(issue 14). Earlier versions, including your own edits, are kept in the history."
)


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    for kind in KINDS:
        body = (TEMPLATE_DIR / f"{kind}.html").read_text(encoding="utf-8")
        newest = LetterTemplate.objects.filter(kind=kind, clinic__isnull=True).order_by("-version").first()
        if newest is not None and newest.body == body:
            continue
        LetterTemplate.objects.create(
            kind=kind,
            version=(newest.version + 1) if newest else 1,
            body=body,
            change_note=CHANGE_NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_per_clinic_series"),
        ("appeals", "0003_seed_letter_templates"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
