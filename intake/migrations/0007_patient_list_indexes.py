"""Indexes behind the patient list and search (issue 16).

On PostgreSQL the name search, `icontains` on each name (intake/search.py), compiles to
`UPPER(name::text) LIKE UPPER('%word%')`; a B-tree can't serve a leading wildcard, so each
name gets a trigram GIN index on exactly that expression (pg_trgm, a trusted extension
since PostgreSQL 13: a database owner may create it). SQLite has no such index; there the
search scans one clinic's rows, which at clinic size is a few milliseconds.
"""

from django.db import migrations, models

NAMES = ("first_name", "middle_name", "last_name")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in NAMES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS patient_{name}_trgm ON intake_patient "
            f'USING gin ((UPPER("{name}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS patient_{name}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_intake_ux"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "last_name", "first_name", "id"], name="patient_clinic_name_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_dob_idx"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
