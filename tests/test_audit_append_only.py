"""Audit entries are only ever appended: the ORM, the database (PostgreSQL) and the admin
all refuse to change or delete one, whoever asks."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEntry
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry(clinic):
    PatientFactory(clinic=clinic)
    return AuditEntry.objects.latest("id")


def test_saving_an_existing_entry_again_is_refused(entry):
    entry.username = "someone-else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.username == ""


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(username="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["username"])
    assert AuditEntry.objects.filter(pk=entry.pk, username="").exists()


def test_bulk_create_is_refused_because_it_would_skip_the_chain(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(kind="access", action="view")])


def test_a_new_entry_links_to_the_one_before(entry, clinic):
    PatientFactory(clinic=clinic)
    newest = AuditEntry.objects.latest("id")
    assert newest.previous_hash == entry.entry_hash
    assert len(newest.entry_hash) == 64


@on_postgresql
def test_the_database_refuses_raw_updates_and_deletes(entry):
    update = "UPDATE audit_auditentry SET username = 'x' WHERE id = %s"
    delete = "DELETE FROM audit_auditentry WHERE id = %s"
    for sql in (update, delete):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, username="").exists()


# The admin: read-only for everyone.


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def admin_url(name, *args):
    return reverse(f"admin:audit_auditentry_{name}", args=args)


def test_a_superuser_can_read_entries_in_the_admin(client_for, superuser, entry):
    client = client_for(superuser)

    assert client.get(admin_url("changelist")).status_code == 200
    response = client.get(admin_url("change", entry.pk))
    assert response.status_code == 200
    assert entry.entry_hash in response.content.decode()
    assert b'name="_save"' not in response.content  # no save button: a read-only view


def test_not_even_a_superuser_can_add_change_or_delete_in_the_admin(client_for, superuser, entry):
    client = client_for(superuser)

    assert client.get(admin_url("add")).status_code == 403
    assert client.post(admin_url("change", entry.pk), {"username": "x"}).status_code == 403
    assert client.get(admin_url("delete", entry.pk)).status_code == 403
    assert client.post(admin_url("delete", entry.pk), {"post": "yes"}).status_code == 403
    changelist = client.get(admin_url("changelist"))
    assert b"delete_selected" not in changelist.content
    entry.refresh_from_db()
    assert entry.username == ""


def test_front_desk_cannot_open_the_trail_in_the_admin(client_for, front_desk, entry):
    front_desk.is_staff = True
    front_desk.save()
    assert client_for(front_desk).get(admin_url("changelist")).status_code == 403
