"""On PostgreSQL, refuse UPDATE and DELETE of audit entries in the database itself.

The ORM already refuses them (AuditEntry.save/delete and its queryset); the trigger also
stops raw SQL, a shell or another program using the application's database role. SQLite
gets no trigger: it is the development database, and the test suite's flush needs DELETE.
TRUNCATE does not fire row triggers; the application's role should not own the table in
production so it can't TRUNCATE or DISABLE TRIGGER either (docs/audit.md).
"""

from django.db import migrations

CREATE = [
    """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % of audit_auditentry refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()
""",
]

DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_refuse_change()",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                # params=None: the SQL is sent as is (the RAISE format uses a bare %).
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
