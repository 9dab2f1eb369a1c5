from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("patients/<int:pk>/documents/", views.patient_documents, name="patient-documents"),
    path("patients/<int:pk>/documents/generate/", views.generate, name="document-generate"),
    path("documents/<int:pk>/", views.detail, name="document-detail"),
    path("documents/<int:pk>/pdf/", views.pdf, name="document-pdf"),
    path("documents/<int:pk>/sign/", views.sign_document, name="document-sign"),
    path("documents/<int:pk>/sent/", views.mark_sent, name="document-sent"),
]
