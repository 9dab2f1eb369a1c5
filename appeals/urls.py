from django.urls import path

from appeals.views import appeals, queue

app_name = "appeals"

urlpatterns = [
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
