"""`manage.py verify_audit` recomputes the chain: OK when intact, the first broken entry
when a row was altered or removed behind the application's back."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import chain
from audit.management.commands.verify_audit import Command
from audit.models import AuditEntry
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def raw_sql(sql: str, params: list) -> None:
    """Write to the table as an attacker with database access would: no ORM, and on
    PostgreSQL the append-only trigger disabled (inside the test's transaction, so the
    ALTER is rolled back with everything else)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


@pytest.fixture
def three_patients(clinic):
    patients = [PatientFactory(clinic=clinic) for _ in range(3)]
    patients[1].phone = "585-555-0000"
    patients[1].save()
    return patients


def middle_entry() -> AuditEntry:
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    return AuditEntry.objects.get(pk=ids[len(ids) // 2])


def next_id_after(entry_id: int) -> int:
    return AuditEntry.objects.filter(pk__gt=entry_id).order_by("id").values_list("id", flat=True)[0]


def test_an_intact_chain_verifies(three_patients):
    output = verify()

    count = AuditEntry.objects.count()
    assert count >= 4
    assert output.splitlines()[0] == f"OK: {count} entries verified"
    newest = AuditEntry.objects.latest("id")
    assert f"Last entry: {newest.pk} {newest.entry_hash}" in output


def test_an_altered_entry_is_named_with_the_reason(three_patients):
    target = middle_entry()
    raw_sql("UPDATE audit_auditentry SET username = %s WHERE id = %s", ["mallory", target.pk])

    with pytest.raises(CommandError) as error:
        verify()

    assert error.value.returncode == 1
    assert f"broken at entry {target.pk}:" in str(error.value)
    assert "does not match its entry_hash" in str(error.value)


def test_an_altered_patient_id_is_detected(three_patients):
    target = AuditEntry.objects.filter(patient_id=three_patients[0].pk).earliest("id")
    raw_sql(
        "UPDATE audit_auditentry SET patient_id = %s WHERE id = %s",
        [three_patients[2].pk, target.pk],
    )

    with pytest.raises(CommandError, match=f"broken at entry {target.pk}:"):
        verify()


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(three_patients):
    target = middle_entry()
    target.username = "mallory"
    forged = chain.entry_hash(target.hashed_content(), target.previous_hash)
    raw_sql(
        "UPDATE audit_auditentry SET username = %s, entry_hash = %s WHERE id = %s",
        ["mallory", forged, target.pk],
    )

    with pytest.raises(CommandError) as error:
        verify()

    assert f"broken at entry {next_id_after(target.pk)}:" in str(error.value)
    assert "previous_hash does not match" in str(error.value)


def test_a_deleted_entry_is_detected_at_the_entry_after_it(three_patients):
    target = middle_entry()
    following = next_id_after(target.pk)
    raw_sql("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])

    with pytest.raises(CommandError) as error:
        verify()

    assert f"broken at entry {following}:" in str(error.value)
    assert "deleted, inserted or altered" in str(error.value)


def test_the_command_exits_with_status_1_when_broken(three_patients, capsys):
    raw_sql("UPDATE audit_auditentry SET action = 'view' WHERE id = %s", [middle_entry().pk])

    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "verify_audit"])

    assert exit_.value.code == 1
    assert "Audit chain broken at entry" in capsys.readouterr().err


# The chain itself, without a database.


def entry(id_, previous_hash, **content):
    data = {
        "id": id_,
        "at": datetime(2026, 3, 2, 14, 0, id_, tzinfo=UTC),
        "kind": "write",
        "action": "update",
        "user_id": 7,
        "username": "frontdesk",
        "ip_address": "10.0.0.1",
        "model_label": "intake.patient",
        "object_id": "12",
        "patient_id": 12,
        "clinic_id": 3,
        "changes": {"phone": ["585-555-0101", "585-555-0102"]},
        **content,
    }
    data["previous_hash"] = previous_hash
    data["entry_hash"] = chain.entry_hash(data, previous_hash)
    return data


def build_chain(n):
    entries, previous = [], chain.GENESIS_HASH
    for i in range(1, n + 1):
        entries.append(entry(i, previous))
        previous = entries[-1]["entry_hash"]
    return entries


def test_the_hash_covers_every_recorded_field():
    base = entry(1, chain.GENESIS_HASH)
    for name, other in [
        ("at", datetime(2026, 3, 2, 14, 0, 2, tzinfo=UTC)),
        ("kind", "access"),
        ("action", "delete"),
        ("user_id", 8),
        ("username", "other"),
        ("ip_address", "10.0.0.2"),
        ("model_label", "intake.coverage"),
        ("object_id", "13"),
        ("patient_id", 13),
        ("clinic_id", 4),
        ("changes", {"phone": ["585-555-0101", "585-555-0103"]}),
    ]:
        assert (
            chain.entry_hash({**base, name: other}, base["previous_hash"]) != base["entry_hash"]
        ), name
    assert chain.entry_hash(base, "f" * 64) != base["entry_hash"]


def test_the_hash_does_not_depend_on_key_order_or_time_zone():
    base = entry(1, chain.GENESIS_HASH)
    reordered = dict(reversed(list(base.items())))
    eastern = {**base, "at": base["at"].astimezone(datetime.now().astimezone().tzinfo)}
    assert chain.entry_hash(reordered, chain.GENESIS_HASH) == base["entry_hash"]
    assert chain.entry_hash(eastern, chain.GENESIS_HASH) == base["entry_hash"]


def test_verify_reports_the_first_break_only():
    entries = build_chain(5)
    entries[1]["username"] = "mallory"
    del entries[3]

    verdict = chain.verify(entries)

    assert (verdict.ok, verdict.broken_id, verdict.checked) == (False, 2, 1)


def test_an_empty_chain_is_intact():
    assert chain.verify([]) == chain.Verdict(ok=True, checked=0)
