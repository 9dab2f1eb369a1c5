from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = "Coverage rules and assessments"

    def ready(self) -> None:
        from intake import panels

        from .panels import assessment_panel

        panels.register_patient_panel(
            "coverage", "coverage/_assessment_panel.html", assessment_panel, slot="top"
        )
