"""The coverage and document models now live in coverage/ and documents/ (state only).

Their tables were renamed, rows and files untouched, by coverage 0001 and documents 0001;
here appeals forgets them and points its own link at documents.GeneratedDocument. The
database already has that foreign key (a renamed table keeps its constraints).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0008_appeal_documents"),
        ("coverage", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="appealdocument",
                    name="document",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appeal_link",
                        to="documents.generateddocument",
                    ),
                ),
                migrations.AddField(
                    model_name="appeal",
                    name="documents",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="appeal_set",
                        related_query_name="appeal",
                        through="appeals.AppealDocument",
                        to="documents.generateddocument",
                    ),
                ),
                migrations.DeleteModel(name="DocumentDelivery"),
                migrations.DeleteModel(name="DocumentSignature"),
                migrations.DeleteModel(name="GeneratedDocument"),
                migrations.DeleteModel(name="LetterTemplate"),
                migrations.DeleteModel(name="Assessment"),
                migrations.DeleteModel(name="CoveragePolicy"),
            ],
            database_operations=[],
        )
    ]
