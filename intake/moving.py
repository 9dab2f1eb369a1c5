"""Helpers for migrations that move models between apps, keeping every row and file.

Used by coverage 0001 and documents 0001 (the one-app-per-job move): the table is renamed
to the new app's name and the model's content type is relabelled, so permissions (which
point at the content type) and every role's abilities stay exactly as they were.
"""

from django.db import migrations


def move_models(old_app: str, new_app: str, models: list[str]) -> list:
    """Operations for the new app's first migration, after its state-only CreateModels."""

    def rename_tables(apps, schema_editor, *, forward: bool):
        for name in models:
            old, new = f"{old_app}_{name}", f"{new_app}_{name}"
            model = apps.get_model(old_app if forward else new_app, name)
            source, target = (old, new) if forward else (new, old)
            schema_editor.alter_db_table(model, source, target)

    def relabel_content_types(apps, schema_editor, *, forward: bool):
        ContentType = apps.get_model("contenttypes", "ContentType")
        source, target = (old_app, new_app) if forward else (new_app, old_app)
        for name in models:
            if ContentType.objects.filter(app_label=target, model=name).exists():
                continue  # already there (a migrate of the new app that ran before)
            ContentType.objects.filter(app_label=source, model=name).update(app_label=target)

    return [
        migrations.RunPython(
            lambda apps, se: rename_tables(apps, se, forward=True),
            lambda apps, se: rename_tables(apps, se, forward=False),
        ),
        migrations.RunPython(
            lambda apps, se: relabel_content_types(apps, se, forward=True),
            lambda apps, se: relabel_content_types(apps, se, forward=False),
        ),
    ]
