"""Which key hashed each audit entry (audit/chain.py).

Existing entries get 0, "plain SHA-256", which is what they are. Adding a column with a
default rewrites no row and sends no UPDATE (PostgreSQL 11+ stores the default in the
catalogue), so the append-only trigger of 0002 is neither fired nor disabled. The default is
then dropped from the column: an application server still running the code before this
change can't insert an entry without a key version, it fails (closed) until restarted.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_trigger'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='key_version',
            field=models.PositiveSmallIntegerField(default=0, editable=False, help_text='The AUDIT_CHAIN_KEYS key that hashed this entry; 0: plain SHA-256, written before the chain was keyed.'),
        ),
    ]
