from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "home.html")


@permission_required("intake.view_patient", raise_exception=True)
def patient_list(request):
    return render(request, "intake/patient_list.html")


@permission_required("intake.view_patient", raise_exception=True)
def patient_detail(request, pk):
    return render(request, "intake/patient_detail.html")
