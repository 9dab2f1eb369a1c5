# Intake UX (issue 17): states from localflavor's list; the Medicare Advantage prior
# authorisation box no longer ticked by default (a default only: stored rows keep theirs);
# a trial's dose typed once, as text, with the daily mg read from it.

import django.core.validators
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


def _mg(value) -> str:
    return format(value.normalize(), "f")  # Decimal("150.00") -> "150"


def merge_doses(apps, schema_editor):
    """The dose was typed twice, as text and as daily mg; it is now the text alone. Keep
    what either said: a number without text becomes the text ("150 mg daily"), a number the
    text doesn't mention is added to it ("1 tablet (150 mg daily)"). dose_mg is kept as
    stored; the next save reads it from the text."""
    TreatmentTrial = apps.get_model("intake", "TreatmentTrial")
    max_length = TreatmentTrial._meta.get_field("dose").max_length
    for trial in TreatmentTrial.objects.exclude(dose_mg=None).only("pk", "dose", "dose_mg"):
        mg = _mg(trial.dose_mg)
        text = (trial.dose or "").strip()
        if not text:
            merged = f"{mg} mg daily"
        elif mg in text:
            continue
        else:
            merged = f"{text} ({mg} mg daily)"
        if len(merged) <= max_length:
            TreatmentTrial.objects.filter(pk=trial.pk).update(dose=merged)


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
        migrations.AlterField(
            model_name="treatmenttrial",
            name="dose",
            field=models.CharField(
                blank=True, help_text="As prescribed, e.g. 150 mg daily", max_length=40
            ),
        ),
        migrations.AlterField(
            model_name="treatmenttrial",
            name="dose_mg",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                editable=False,
                help_text="Read from the dose when it names a daily amount in mg.",
                max_digits=7,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="daily dose (mg)",
            ),
        ),
        migrations.RunPython(merge_doses, migrations.RunPython.noop, elidable=True),
    ]
