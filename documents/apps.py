from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Letters and documents"

    def ready(self) -> None:
        from intake import panels

        from . import checks  # noqa: F401  (registers the signing-certificate check)
        from .panels import documents_panel, letters_to_sign

        panels.register_patient_panel(
            "documents", "documents/pages/_patient_documents_panel.html", documents_panel
        )
        panels.register_home_panel(
            "documents", "documents/pages/_home_to_sign.html", letters_to_sign
        )
