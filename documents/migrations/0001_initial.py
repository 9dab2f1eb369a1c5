"""documents/ takes over its models from appeals/: same tables renamed, every row and file kept.

The CreateModels below only tell Django's state about the models; the database already has
them (as appeals_*), so the tables are renamed and the content types relabelled
(intake/moving.py). A fresh database runs appeals 0001-0008 first, then this.
"""

import django.db.models.deletion
import documents.models
import intake.crypto
import intake.versioning
from django.conf import settings
from django.db import migrations, models

from intake.moving import move_models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('appeals', '0008_appeal_documents'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('coverage', '0001_initial'),
        ('intake', '0005_mfa_enrolment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GeneratedDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('lmn', 'Letter of Medical Necessity'), ('abn', 'Advance Beneficiary Notice (CMS-R-131)'), ('prior_auth', 'Prior-authorisation request'), ('patient_explanation', 'Patient explanation'), ('appeal_letter', 'Appeal letter'), ('packet', 'Appeal packet')], max_length=40)),
                        ('version', models.PositiveIntegerField(help_text='Per patient and kind: 1, 2, 3 ...')),
                        ('html', intake.crypto.EncryptedTextField(blank=True)),
                        ('pdf', models.FileField(upload_to=documents.models._document_path)),
                        ('sha256', models.CharField(max_length=64)),
                        ('page_count', models.PositiveIntegerField()),
                        ('generated_at', models.DateTimeField(auto_now_add=True)),
                        ('request_key', models.CharField(blank=True, editable=False, help_text='Idempotency key: a repeated submission returns the existing document.', max_length=64, null=True, unique=True)),
                        ('assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='coverage.assessment')),
                        ('generated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='intake.patient')),
                    ],
                    options={
                        'ordering': ['-generated_at', '-id'],
                        'permissions': [('sign_document', 'Can sign letters electronically'), ('send_document', 'Can record a document as sent')],
                    },
                ),
                migrations.CreateModel(
                    name='DocumentSignature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('credentials', models.CharField(max_length=40)),
                        ('npi', models.CharField(max_length=10)),
                        ('signed_at', models.DateTimeField()),
                        ('signed_pdf', models.FileField(upload_to='signed/')),
                        ('signed_sha256', models.CharField(max_length=64)),
                        ('attestation', models.CharField(max_length=300)),
                        ('signed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('signer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='intake.provider')),
                        ('document', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='signature', to='documents.generateddocument')),
                    ],
                ),
                migrations.CreateModel(
                    name='DocumentDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('method', models.CharField(choices=[('fax', 'Fax'), ('mail', 'Mail'), ('portal', 'Payer portal'), ('hand', 'Handed to patient'), ('email', 'Secure email')], max_length=10)),
                        ('sent_on', models.DateField()),
                        ('recipient', models.CharField(max_length=200)),
                        ('tracking', models.CharField(blank=True, max_length=100, verbose_name='confirmation / tracking number')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True)),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('document', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='documents.generateddocument')),
                    ],
                    options={
                        'verbose_name_plural': 'document deliveries',
                        'ordering': ['-sent_on', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='LetterTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('lmn', 'Letter of Medical Necessity'), ('abn', 'Advance Beneficiary Notice (CMS-R-131)'), ('prior_auth', 'Prior-authorisation request'), ('patient_explanation', 'Patient explanation'), ('appeal_letter', 'Appeal letter'), ('packet', 'Appeal packet')], max_length=40)),
                        ('version', models.PositiveIntegerField()),
                        ('body', models.TextField(help_text='Restricted template language: see docs/templates.md.')),
                        ('change_note', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['kind', '-version'],
                    },
                    bases=(intake.versioning.VersionSeries, models.Model),
                ),
                migrations.AddField(
                    model_name='generateddocument',
                    name='template',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.lettertemplate'),
                ),
                migrations.AddConstraint(
                    model_name='lettertemplate',
                    constraint=models.UniqueConstraint(fields=('kind', 'version'), name='unique_template_version'),
                ),
                migrations.AddConstraint(
                    model_name='generateddocument',
                    constraint=models.UniqueConstraint(fields=('patient', 'kind', 'version'), name='unique_document_version'),
                ),
            ],
            database_operations=[],
        ),
        *move_models("appeals", "documents", ["lettertemplate", "generateddocument", "documentsignature", "documentdelivery"]),
    ]
