from django.shortcuts import render

from appeals import access
from intake.decorators import permission_required


@permission_required("appeals.view_assessment")
def history(request, pk: int):
    patient = access.get_patient(request, pk)
    assessments = patient.assessments.select_related("policy", "treatment_request")
    return render(
        request,
        "appeals/assessment_history.html",
        {"patient": patient, "assessments": assessments},
    )
