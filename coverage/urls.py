from django.urls import path

from . import views

app_name = "coverage"

urlpatterns = [
    path("patients/<int:pk>/assessments/", views.history, name="assessment-history"),
]
