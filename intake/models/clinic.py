"""Who the clinic is: its address, and the providers who sign and bill."""

from django.conf import settings
from django.db import models
from localflavor.us.models import USStateField

from .. import validators


class Address(models.Model):
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    # The 50 states, DC, the territories and military mail (AA/AE/AP): localflavor's list.
    state = USStateField()
    zip_code = models.CharField("ZIP code", max_length=10)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [
            self.address_line1,
            self.address_line2,
            f"{self.city}, {self.state} {self.zip_code}",
        ]
        return [line for line in lines if line]


class Clinic(Address):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20)
    fax = models.CharField(max_length=20, blank=True)
    npi = models.CharField(
        "organisational NPI", max_length=10, unique=True, validators=[validators.validate_npi]
    )
    rems_certified = models.BooleanField(
        "Spravato REMS-certified healthcare setting",
        default=False,
        help_text="Esketamine may only be administered in a REMS-certified setting.",
    )
    rems_setting_id = models.CharField("REMS setting ID", max_length=40, blank=True)
    logo = models.ImageField(upload_to="clinic-logos/", blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="clinics",
        blank=True,
        help_text="Users who may see this clinic's patients.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="providers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    credentials = models.CharField(max_length=40, help_text="e.g. MD, DO, PMHNP-BC")
    npi = models.CharField(
        "individual NPI", max_length=10, unique=True, validators=[validators.validate_npi]
    )
    specialty = models.CharField(max_length=100)
    signature_image = models.ImageField(upload_to="signatures/", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.credentials}"

    @property
    def display_name(self) -> str:
        return str(self)
