"""A new shared default of the appeal letter (issue 14): addressed to the patient's
contractor for the level (its address only when on file), the decision appealed with what
each code means, the argument per denial reason, what is enclosed, what is asked.

The body is the shipped file templates/documents/appeal_letter.html; when the newest shared
default already has it (a fresh database) nothing is added. Clinics' own series are left
alone: their admins see the new default in the list.
"""

from pathlib import Path

from django.db import migrations

TEMPLATE = (
    Path(__file__).resolve().parent.parent.parent / "templates" / "documents" / "appeal_letter.html"
)
CHANGE_NOTE = (
    "Shipped update: addressed to the patient's contractor; arguments per denial reason; "
    "what is enclosed and what is asked (issue 14)."
)


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    body = TEMPLATE.read_text(encoding="utf-8")
    newest = (
        LetterTemplate.objects.filter(kind="appeal_letter", clinic__isnull=True)
        .order_by("-version")
        .first()
    )
    if newest is not None and newest.body == body:
        return
    LetterTemplate.objects.create(
        kind="appeal_letter",
        version=(newest.version + 1) if newest else 1,
        body=body,
        change_note=CHANGE_NOTE,
    )


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_letter_templates_for_recipients")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
