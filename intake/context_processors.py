from .roles import BILLING, CLINIC_ADMIN, CLINICIAN, FRONT_DESK


def roles(request):
    """Which roles the signed-in user has, for role-based navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    names = {g.name for g in user.groups.all()}
    return {
        "user_roles": names,
        "is_front_desk": FRONT_DESK in names,
        "is_clinician": CLINICIAN in names,
        "is_billing": BILLING in names,
        "is_clinic_admin": CLINIC_ADMIN in names or user.is_superuser,
    }
