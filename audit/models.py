"""The audit trail: one append-only, hash-chained table for changes and accesses."""

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from . import chain
from .choices import Action, Kind

# Key of the PostgreSQL advisory lock that serialises appends (any constant bigint works,
# as long as nothing else in the database uses it): "audit" in ASCII.
CHAIN_LOCK_KEY = 0x6175646974


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries can't be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries can't be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit entries can't be changed.")

    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(), so it would skip the chain too.
        raise AppendOnlyError("Audit entries are appended one at a time (see AuditEntry.save).")


class AuditEntry(models.Model):
    """One event: a create/update/delete of a tracked row, or a read of PHI.

    Entries form one chain in id order: `entry_hash` is HMAC-SHA256, with key `key_version`
    of AUDIT_CHAIN_KEYS, over the canonical JSON of the entry's content and `previous_hash`
    (audit/chain.py; version 0: plain SHA-256, entries written before the chain was keyed).
    Rows are only ever inserted; the ORM refuses updates and deletes, and on PostgreSQL a
    trigger refuses them too.
    """

    at = models.DateTimeField(db_index=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    # No database constraint and DO_NOTHING: deleting a user must neither be blocked by their
    # audit entries nor rewrite them (SET_NULL would be an UPDATE). `username` keeps the
    # name as it was when they acted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.CharField("IP address", max_length=45, blank=True)
    model_label = models.CharField(
        max_length=100, db_index=True, help_text="app_label.model, or an export's name."
    )
    object_id = models.CharField(max_length=64, blank=True)
    # Plain integers, not foreign keys: deleting a patient is never blocked by the trail,
    # and the clinic stays known after the patient is gone (the report is scoped by it).
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="Updates: field → [old, new]. Creates and deletes: field → value.",
    )
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_version = models.PositiveSmallIntegerField(
        default=chain.LEGACY_KEY_VERSION,
        editable=False,
        help_text="The AUDIT_CHAIN_KEYS key that hashed this entry; 0: plain SHA-256, "
        "written before the chain was keyed.",
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        constraints = [
            # Two appends can never link to the same entry: the chain can't fork, even if
            # the lock were ever bypassed.
            models.UniqueConstraint(fields=["previous_hash"], name="audit_chain_no_fork"),
        ]
        indexes = [
            models.Index(fields=["user", "at"], name="audit_user_at"),
            # The report reads pages newest first by id (audit/pages.py), scoped by clinic
            # and patient and filtered by action: each filter with id, so a page is one
            # range read of an index, whatever the trail's length.
            models.Index(fields=["clinic_id", "id"], name="audit_clinic_id_idx"),
            models.Index(fields=["patient_id", "id"], name="audit_patient_id_idx"),
            models.Index(fields=["action", "id"], name="audit_action_id_idx"),
            models.Index(fields=["user", "id"], name="audit_user_id_idx"),
        ]

    def __str__(self) -> str:
        who = self.username or "system"
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.model_label} #{self.object_id}"
        )

    def hashed_content(self) -> dict:
        return {
            **{name: getattr(self, name) for name in chain.HASHED_FIELDS},
            "key_version": self.key_version,
        }

    def save(self, **kwargs):
        """Append: take the chain lock, link to the newest entry, hash, insert."""
        if not self._state.adding:
            raise AppendOnlyError("Audit entries can't be changed.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            _lock_chain(using)
            # The time is taken under the lock, so it never goes backwards along the chain.
            self.at = timezone.now()
            self.previous_hash = (
                type(self)
                .objects.using(using)
                .order_by("-id")
                .values_list("entry_hash", flat=True)
                .first()
            ) or chain.GENESIS_HASH
            # Always the newest key: an entry never goes back to an older key or to none.
            self.key_version = chain.signing_version()
            self.entry_hash = chain.entry_hash(self.hashed_content(), self.previous_hash)
            super().save(**{**kwargs, "force_insert": True, "using": using})

    save.alters_data = True

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries can't be deleted.")

    @property
    def is_write(self) -> bool:
        return self.kind == Kind.WRITE


def _lock_chain(using: str) -> None:
    """Serialise appends until the surrounding transaction ends.

    PostgreSQL: a transaction-level advisory lock, held to COMMIT/ROLLBACK, so the next
    appender reads the newest entry only once this one is committed (a row lock on the last
    entry would not do: a waiter would still see the old last row once it got the lock).
    SQLite: one writer at a time. Inside a transaction the audited change has already made
    this connection the writer; an append on its own may instead fail with "database is
    locked" under contention, never fork the chain (previous_hash is unique). The
    `"transaction_mode": "IMMEDIATE"` database option removes that failure (docs/audit.md).
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
