from django.shortcuts import render

from intake import access as patient_access
from intake.decorators import permission_required


@permission_required("coverage.view_assessment")
def history(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    assessments = patient.assessments.select_related("policy", "treatment_request")
    return render(
        request,
        "coverage/assessment_history.html",
        {"patient": patient, "assessments": assessments},
    )
