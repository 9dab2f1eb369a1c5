from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.patient_list, name="patient-list"),
    path("search/clear/", views.clear_search, name="clear-search"),
    path("new/", views.intake_start, name="intake-start"),
    path("icd10/search/", views.icd10_search, name="icd10-search"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
    path("<int:pk>/", views.patient_detail, name="patient-detail"),
    path("<int:pk>/edit/", views.patient_edit, name="patient-edit"),
    path("<int:pk>/intake/review/", views.intake_review, name="intake-review"),
    path("<int:pk>/intake/<slug:step>/", views.intake_step, name="intake-step"),
]
