"""The four staff roles, as Django groups, and the permissions each one's work needs.

The groups are created by a data migration (intake/migrations/0002_roles.py) from
ROLE_PERMISSIONS, and re-synced by `seed_demo`, so this mapping is the single source.
"""

FRONT_DESK = "Front desk"
CLINICIAN = "Clinician"
BILLING = "Billing"
CLINIC_ADMIN = "Clinic admin"
ROLES = [FRONT_DESK, CLINICIAN, BILLING, CLINIC_ADMIN]

_INTAKE_MODELS = [
    "patient",
    "coverage",
    "diagnosis",
    "symptomscore",
    "treatmenttrial",
    "screening",
    "treatmentrequest",
]


def _perms(app: str, actions: list[str], models: list[str]) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


_CLAIM_MODELS = ["claim", "claimline", "denial", "appeal", "enclosure"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    FRONT_DESK: [
        *_perms("intake", ["view", "add", "change"], _INTAKE_MODELS),
        *_perms("intake", ["view"], ["clinic", "provider"]),
        "coverage.view_assessment",
    ],
    CLINICIAN: [
        *_perms("intake", ["view", "add", "change"], _INTAKE_MODELS),
        *_perms("intake", ["view"], ["clinic", "provider"]),
        "coverage.view_assessment",
        *_perms("documents", ["view", "add"], ["generateddocument"]),
        "documents.sign_document",
        *_perms("appeals", ["view"], _CLAIM_MODELS),
    ],
    BILLING: [
        *_perms("intake", ["view"], [*_INTAKE_MODELS, "clinic", "provider"]),
        *_perms("intake", ["change"], ["coverage"]),
        "coverage.view_assessment",
        *_perms("documents", ["view", "add"], ["generateddocument"]),
        "documents.send_document",
        *_perms("appeals", ["view", "add", "change"], _CLAIM_MODELS),
    ],
    CLINIC_ADMIN: [
        *_perms(
            "intake", ["view", "add", "change", "delete"], [*_INTAKE_MODELS, "clinic", "provider"]
        ),
        *_perms("auth", ["view", "add", "change"], ["user"]),
        *_perms("auth", ["view"], ["group"]),
        *_perms("documents", ["view", "add", "change"], ["lettertemplate"]),
        *_perms("coverage", ["view", "add", "change"], ["coveragepolicy"]),
        *_perms("appeals", ["view", "add", "change"], ["denialargument"]),
        "audit.view_auditentry",
        # Lockouts: see who is locked out of their clinic and clear it (django-axes).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "coverage.view_assessment",
        "documents.view_generateddocument",
        *_perms("appeals", ["view"], _CLAIM_MODELS),
    ],
}


def writes_narrative(user) -> bool:
    """Whether the user writes the clinical narrative of a treatment request: a clinician
    (the narrative is their statement to the reviewer; letters quote it under their name)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=CLINICIAN).exists()


def sync_role_permissions(**kwargs) -> None:
    """Give each role group exactly the permissions listed above.

    Connected to post_migrate (see IntakeConfig.ready): permissions only exist after
    each app's migrations ran, so a migration creates the groups and this keeps their
    permissions equal to ROLE_PERMISSIONS after every `migrate`.
    """
    from django.contrib.auth.models import Group, Permission

    wanted = {tuple(code.split(".")) for codes in ROLE_PERMISSIONS.values() for code in codes}
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    }
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [found[key] for key in (tuple(c.split(".")) for c in codes) if key in found]
        )
