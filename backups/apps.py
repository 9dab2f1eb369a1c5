from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backup and restore of the whole instance (database and stored files); no models."""

    name = "backups"
    verbose_name = "Backups"
