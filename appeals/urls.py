from django.urls import path

from .views import appeals, coverage, documents, queue

app_name = "appeals"

urlpatterns = [
    # Coverage
    path("patients/<int:pk>/assessments/", coverage.history, name="assessment-history"),
    # Documents
    path("patients/<int:pk>/documents/", documents.patient_documents, name="patient-documents"),
    path("patients/<int:pk>/documents/generate/", documents.generate, name="document-generate"),
    path("documents/<int:pk>/", documents.detail, name="document-detail"),
    path("documents/<int:pk>/pdf/", documents.pdf, name="document-pdf"),
    path("documents/<int:pk>/sign/", documents.sign_document, name="document-sign"),
    path("documents/<int:pk>/sent/", documents.mark_sent, name="document-sent"),
    # Denials and appeals
    path("patients/<int:pk>/denials/new/", appeals.record_denial, name="denial-new"),
    path("denials/<int:pk>/", appeals.denial_detail, name="denial-detail"),
    path("denials/<int:pk>/appeal/", appeals.start_appeal, name="appeal-start"),
    path("appeals/", queue.work_queue, name="work-queue"),
    path("appeals/dashboard/", queue.dashboard, name="dashboard"),
    path("appeals/export.csv", queue.export_csv, name="export-csv"),
    path("appeals/deadlines.ics", queue.deadlines_ical, name="deadlines-ical"),
    path("appeals/<int:pk>/", appeals.appeal_detail, name="appeal-detail"),
    path("appeals/<int:pk>/reasons/", appeals.update_reasons, name="appeal-reasons"),
    path("appeals/<int:pk>/letter/", appeals.generate_letter, name="appeal-letter"),
    path("appeals/<int:pk>/enclosures/", appeals.upload_enclosure, name="appeal-enclosure"),
    path("appeals/<int:pk>/packet/", appeals.build_packet, name="appeal-packet"),
    path("appeals/<int:pk>/file/", appeals.file_appeal, name="appeal-file"),
    path("appeals/<int:pk>/decision/", appeals.record_decision, name="appeal-decision"),
    path("appeals/<int:pk>/next/", appeals.prepare_next, name="appeal-next"),
]
