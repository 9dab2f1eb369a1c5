from django.db import migrations

# The four staff roles. Their permissions are kept equal to intake.roles.ROLE_PERMISSIONS
# by a post_migrate handler, because permissions only exist once every app has migrated.
ROLES = ["Front desk", "Clinician", "Billing", "Clinic admin"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
