"""Re-seed the shipped rules and letter templates after a transactional test flushed them.

The seed functions live in the data migrations that loaded them (appeals 0002 and
0003, documents 0003), written against the models' app at that time; the models have since moved to
coverage/ and documents/, so they are handed a registry that finds each model by name.
(Loading fixtures instead would go through Django's JSON serializer and the audit trail's
receivers, which breaks the audit hash chain; tests/test_backup.py avoids it likewise.)
"""

import importlib

from django.apps import apps as django_apps

SEED_MIGRATIONS = [
    "appeals.migrations.0002_seed_coverage_policies",
    "appeals.migrations.0003_seed_letter_templates",
    "documents.migrations.0003_letter_templates_for_recipients",
]


class _ModelsByName:
    def get_model(self, app_label: str, model_name: str):
        models = {model.__name__.lower(): model for model in django_apps.get_models()}
        return models[model_name.lower()]


def reseed_reference_data() -> None:
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(_ModelsByName(), None)
