"""Link an appeal's letters and packets from the appeals side (AppealDocument).

Until now GeneratedDocument pointed at its Appeal, so the documents layer depended on the
appeals layer above it. The link moves into appeals (one row per document, at most one
appeal each), every existing pointer is copied, then the old column goes.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    GeneratedDocument = apps.get_model("appeals", "GeneratedDocument")
    AppealDocument = apps.get_model("appeals", "AppealDocument")
    for document_id, appeal_id in GeneratedDocument.objects.filter(
        appeal__isnull=False
    ).values_list("id", "appeal_id"):
        AppealDocument.objects.create(appeal_id=appeal_id, document_id=document_id)


def restore_links(apps, schema_editor):
    GeneratedDocument = apps.get_model("appeals", "GeneratedDocument")
    AppealDocument = apps.get_model("appeals", "AppealDocument")
    for link in AppealDocument.objects.all():
        GeneratedDocument.objects.filter(pk=link.document_id).update(appeal_id=link.appeal_id)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0007_labels")]

    operations = [
        migrations.CreateModel(
            name="AppealDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "appeal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="appeals.appeal",
                    ),
                ),
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appeal_link",
                        to="appeals.generateddocument",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_links, restore_links),
        migrations.RemoveField(model_name="generateddocument", name="appeal"),
    ]
