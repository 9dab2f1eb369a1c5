from django.conf import settings
from django.db import models


class AccessEvent(models.Model):
    """A read of PHI: a patient page view, a download, a print or an export.

    Writes are recorded separately; this is the access log HIPAA §164.312(b) asks for.
    Rows are only ever inserted (see record()); the admin shows them read-only.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"
        PREVIEW = "preview", "Previewed"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events"
    )
    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}"

    @classmethod
    def record(cls, request, action: str, obj, patient=None) -> "AccessEvent":
        return cls.objects.create(
            user=request.user,
            patient=patient,
            action=action,
            object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(obj),
            object_id=str(getattr(obj, "pk", "")),
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
