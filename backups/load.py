"""Loading the dump: every table's rows replaced by the archive's, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction

from backups.constants import APPEND_ONLY_APPS
from backups.errors import BackupError, _format_problems


def append_only_models() -> list:
    return [
        model
        for label in APPEND_ONLY_APPS
        if apps.is_installed(label)
        for model in apps.get_app_config(label.rsplit(".", 1)[-1]).get_models()
    ]


def load_dump(objects: list[dict], using: str = DEFAULT_DB_ALIAS) -> Counter:
    """Replace every table's rows with the dump's, in one transaction, using INSERTs only.

    The target has just been migrated, so its tables hold only what migrations seeded (role
    groups, letter templates, coverage policies); those rows are in the dump too. Emptying the
    tables first gives every row back its archived primary key and makes the load pure
    INSERTs: nothing is ever UPDATEd. Content types and permissions stay (the dump refers to
    them by natural key); the append-only tables are never emptied, must be empty, and are
    filled last, when every row they refer to exists. Returns the rows loaded per model.
    """
    try:
        return _load(objects, using)
    except (DatabaseError, ValueError) as exc:
        raise BackupError(
            f"Restore failed while loading the dump (nothing was changed): {exc}"
        ) from exc


def _load(objects: list[dict], using: str) -> Counter:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    connection = connections[using]
    append_only = append_only_models()
    append_only_labels = {model._meta.label_lower for model in append_only}
    keep_tables = {model._meta.db_table for model in (ContentType, Permission, *append_only)}
    for model in append_only:
        keep_tables.update(f.remote_field.through._meta.db_table for f in model._meta.many_to_many)
    regular = [obj for obj in objects if obj.get("model") not in append_only_labels]
    appended = [obj for obj in objects if obj.get("model") in append_only_labels]
    counts: Counter = Counter()
    loaded = set()

    with transaction.atomic(using=using):
        for model in append_only:
            if model._base_manager.using(using).exists():
                raise BackupError(
                    f"Restore refused: {model._meta.label} already has rows after migrate; "
                    "append-only rows can't be replaced. Restore into a new, empty database.",
                    returncode=2,
                )
        tables = set(connection.introspection.django_table_names(only_existing=True))
        with connection.cursor() as cursor:
            for table in sorted(tables - keep_tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608

        for batch, is_append_only in ((regular, False), (appended, True)):
            deferred = []
            for obj in _deserialize(batch, using):
                model = type(obj.object)
                if not router.allow_migrate_model(using, model):
                    continue
                # force_insert: a plain INSERT, never Django's "UPDATE, then INSERT if no row".
                obj.save(using=using, force_insert=True)
                counts[model._meta.label_lower] += 1
                loaded.add(model)
                if obj.deferred_fields:
                    if is_append_only:
                        raise BackupError(
                            f"Restore failed: {model._meta.label} {obj.object.pk} refers to a "
                            "row missing from the archive."
                        )
                    deferred.append(obj)
            for obj in deferred:
                obj.save_deferred_fields(using=using)

        mismatched = []
        for model in sorted(loaded, key=lambda m: m._meta.label):
            found = model._base_manager.using(using).count()
            if found != counts[model._meta.label_lower]:
                mismatched.append(
                    f"{model._meta.label}: {found} rows, the archive has "
                    f"{counts[model._meta.label_lower]}"
                )
        if mismatched:
            raise BackupError(
                "Restore failed: the database would not hold exactly the archive's rows "
                f"(nothing was changed):\n{_format_problems(mismatched)}"
            )
        connection.check_constraints(table_names=[model._meta.db_table for model in loaded])
        # Explicit primary keys don't advance PostgreSQL's sequences; set them past the
        # restored rows so the next INSERT doesn't collide (loaddata does the same).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(sql)
    return counts


def _deserialize(batch: list[dict], using: str) -> Iterable:
    objects = serializers.deserialize("python", batch, using=using, handle_forward_references=True)
    while True:
        try:
            obj = next(objects)
        except StopIteration:
            return
        except Exception as exc:
            raise BackupError(f"Restore failed: the dump can't be loaded ({exc}).") from exc
        yield obj
