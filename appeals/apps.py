from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = "Claims, denials and appeals"

    def ready(self) -> None:
        from intake import panels

        from .panels import appeals_due, denials_panel

        panels.register_patient_panel("appeals", "appeals/_patient_records.html", denials_panel)
        panels.register_home_panel("appeals", "appeals/_home_due.html", appeals_due)
