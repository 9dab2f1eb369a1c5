from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.patient_list, name="patient-list"),
    path("<int:pk>/", views.patient_detail, name="patient-detail"),
]
