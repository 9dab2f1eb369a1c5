"""coverage/ takes over its models from appeals/: same tables renamed, every row and file kept.

The CreateModels below only tell Django's state about the models; the database already has
them (as appeals_*), so the tables are renamed and the content types relabelled
(intake/moving.py). A fresh database runs appeals 0001-0008 first, then this.
"""

import django.core.validators
import django.db.models.deletion
import intake.versioning
from django.conf import settings
from django.db import migrations, models

from intake.moving import move_models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('appeals', '0008_appeal_documents'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('intake', '0005_mfa_enrolment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CoveragePolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.SlugField(help_text='Stable id, e.g. esketamine-trd-original.', max_length=80)),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('title', models.CharField(max_length=200)),
                        ('product', models.CharField(choices=[('iv_ketamine', 'IV racemic ketamine infusion'), ('esketamine', 'Esketamine nasal spray (Spravato)')], max_length=20)),
                        ('indication', models.CharField(choices=[('trd', 'Treatment-resistant depression'), ('mdd_si', 'Major depression with acute suicidal ideation or behaviour'), ('ptsd', 'Post-traumatic stress disorder'), ('crps', 'Complex regional pain syndrome'), ('neuropathic_pain', 'Chronic neuropathic pain')], max_length=20)),
                        ('program', models.CharField(choices=[('original', 'Original'), ('advantage', 'Advantage'), ('part_d', 'Part D')], max_length=20)),
                        ('fda_status', models.CharField(choices=[('on_label', 'on-label'), ('off_label', 'off-label')], max_length=20)),
                        ('coverage_path', models.CharField(choices=[('label_rems', 'label rems'), ('off_label_medically_accepted', 'off label medically accepted'), ('prior_auth', 'prior auth'), ('part_d_pharmacy', 'part d pharmacy')], max_length=40)),
                        ('effective_from', models.DateField()),
                        ('effective_to', models.DateField(blank=True, null=True)),
                        ('min_age', models.PositiveSmallIntegerField(blank=True, default=18, null=True)),
                        ('min_failed_trials', models.PositiveSmallIntegerField(default=0)),
                        ('min_weeks_per_trial', models.FloatField(default=0, validators=[django.core.validators.MinValueValidator(0)])),
                        ('min_distinct_classes', models.PositiveSmallIntegerField(default=0)),
                        ('count_intolerance_as_failure', models.BooleanField(default=False)),
                        ('require_psychotherapy', models.BooleanField(default=False)),
                        ('require_augmentation', models.BooleanField(default=False)),
                        ('requires_oral_antidepressant', models.BooleanField(default=False)),
                        ('max_initial_sessions', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('severity', models.JSONField(blank=True, default=dict, help_text='Minimum score per scale, e.g. {"phq9": 15}.')),
                        ('diagnosis_prefixes', models.JSONField(blank=True, default=list)),
                        ('excluded_diagnosis_prefixes', models.JSONField(blank=True, default=list)),
                        ('supporting_diagnosis_prefixes', models.JSONField(blank=True, default=list)),
                        ('exclusions', models.JSONField(blank=True, default=list, help_text='Any of "psychosis", "substance_use_disorder".')),
                        ('medically_accepted', models.BooleanField(blank=True, default=True, null=True)),
                        ('medically_accepted_basis', models.TextField(blank=True)),
                        ('codes', models.JSONField(blank=True, default=list)),
                        ('citations', models.JSONField(default=list)),
                        ('criteria_citations', models.JSONField(blank=True, default=dict)),
                        ('verify', models.BooleanField(default=False, help_text='A fact behind this rule is unconfirmed: staff see a warning.')),
                        ('verify_note', models.TextField(blank=True)),
                        ('change_note', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'coverage policies',
                        'ordering': ['key', '-version'],
                    },
                    bases=(intake.versioning.VersionSeries, models.Model),
                ),
                migrations.CreateModel(
                    name='Assessment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('determination', models.CharField(choices=[('covered', 'Likely covered'), ('prior_auth_required', 'Prior authorisation required'), ('medical_necessity_review', 'Medical-necessity review expected'), ('likely_denied', 'Medicare is expected to deny'), ('not_eligible', 'Not eligible'), ('incomplete', 'Incomplete: facts missing')], max_length=40)),
                        ('assessed_for', models.DateField(help_text='The date the rules were applied for.')),
                        ('facts', models.JSONField()),
                        ('facts_hash', models.CharField(max_length=64)),
                        ('result', models.JSONField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='intake.patient')),
                        ('treatment_request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='intake.treatmentrequest')),
                        ('policy', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='coverage.coveragepolicy')),
                    ],
                    options={
                        'ordering': ['-created_at', '-id'],
                        'get_latest_by': 'created_at',
                    },
                ),
                migrations.AddConstraint(
                    model_name='coveragepolicy',
                    constraint=models.UniqueConstraint(fields=('key', 'version'), name='unique_policy_version'),
                ),
            ],
            database_operations=[],
        ),
        *move_models("appeals", "coverage", ["coveragepolicy", "assessment"]),
    ]
