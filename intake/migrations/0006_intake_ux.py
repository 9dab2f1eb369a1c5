# Intake UX (issue 17): states from localflavor's list; the Medicare Advantage prior
# authorisation box no longer ticked by default (a default only: stored rows keep theirs).

import localflavor.us.models
from django.db import migrations, models


def normalise_states(apps, schema_editor):
    """Upper-case and trim the stored codes (" ny" -> "NY"), so a record typed before the
    list existed shows its state selected. A code that is not on the list is kept as it is:
    nothing is thrown away, and the next edit asks for a state from the list."""
    for name in ("Clinic", "Patient"):
        model = apps.get_model("intake", name)
        for row in model.objects.only("pk", "state"):
            state = (row.state or "").strip().upper()
            if state != row.state:
                model.objects.filter(pk=row.pk).update(state=state)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_mfa_enrolment"),
    ]

    operations = [
        # The column stays varchar(2) and every stored value is kept (SQLite rebuilds the
        # table by copying its rows; PostgreSQL changes nothing).
        migrations.AlterField(
            model_name="clinic",
            name="state",
            field=localflavor.us.models.USStateField(max_length=2),
        ),
        migrations.AlterField(
            model_name="patient",
            name="state",
            field=localflavor.us.models.USStateField(max_length=2),
        ),
        migrations.RunPython(normalise_states, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="coverage",
            name="ma_requires_prior_auth",
            field=models.BooleanField(
                default=False, verbose_name="plan requires prior authorisation for this service"
            ),
        ),
        migrations.AlterField(
            model_name="coverage",
            name="medigap_plan",
            field=models.CharField(
                blank=True,
                help_text="Original Medicare only; e.g. Plan G",
                max_length=40,
                verbose_name="Medigap plan",
            ),
        ),
    ]
