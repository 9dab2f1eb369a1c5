"""The audit chain is keyed (HMAC-SHA256 with AUDIT_CHAIN_KEYS) and anchored (an exported
head): someone who can write to the database but holds no key can't rewrite it unseen.

Guards: audit.chain (entry_hash, verify, Head), AuditEntry.save (newest key, key_version),
audit/migrations/0003 (entries from before the key stay version 0 and keep verifying),
`verify_audit --head / --export-head`, and the AUDIT_CHAIN_KEYS block of config/settings.py.
"""

import hashlib
import hmac
import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import chain
from audit.models import AuditEntry
from tests.factories import PatientFactory

SECOND_KEY = "second-audit-chain-key-for-the-rotation-test-0123"


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def raw_sql(*statements: tuple[str, list]) -> None:
    """Write to the table as a database superuser would: no ORM, and on PostgreSQL the
    append-only trigger disabled (inside the test's transaction, so rolled back with it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def rewrite_without_the_key(tamper=lambda row: None) -> None:
    """What someone with the database but not AUDIT_CHAIN_KEYS can do: change rows, then
    recompute every hash from the start, necessarily as plain SHA-256 (key version 0)."""
    previous = chain.GENESIS_HASH
    statements = []
    for row in AuditEntry.objects.order_by("id").values("id", *chain.HASHED_FIELDS):
        tamper(row)
        row["key_version"] = chain.LEGACY_KEY_VERSION
        forged = chain.entry_hash(row, previous)
        statements.append(
            (
                "UPDATE audit_auditentry SET username = %s, previous_hash = %s, "
                "entry_hash = %s, key_version = 0 WHERE id = %s",
                [row["username"], previous, forged, row["id"]],
            )
        )
        previous = forged
    raw_sql(*statements)


@pytest.fixture
def some_entries(clinic):
    patients = [PatientFactory(clinic=clinic) for _ in range(3)]
    patients[1].phone = "585-555-0000"
    patients[1].save()
    assert AuditEntry.objects.count() >= 4
    return patients


@pytest.fixture
def head_file(tmp_path):
    return tmp_path / "anchor" / "audit-head.json"


# --- Keyed hashes ---------------------------------------------------------------------------


def test_new_entries_are_hmac_sha256_with_the_newest_key(some_entries, settings):
    entry = AuditEntry.objects.latest("id")
    message = chain.canonical_bytes(entry.hashed_content(), entry.previous_hash)
    key = settings.AUDIT_CHAIN_KEYS[1].encode()

    assert entry.key_version == 1
    assert entry.entry_hash == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert entry.entry_hash != hashlib.sha256(message).hexdigest()
    assert verify().startswith(f"OK: {AuditEntry.objects.count()} entries verified")


def test_an_entry_recomputed_without_the_key_is_refused(some_entries):
    # A plain SHA-256 in place of the HMAC, the key version left as it was.
    target = AuditEntry.objects.order_by("id")[1]
    content = {**target.hashed_content(), "username": "mallory", "key_version": 0}
    forged = chain.entry_hash(content, target.previous_hash)
    raw_sql(
        (
            "UPDATE audit_auditentry SET username = 'mallory', entry_hash = %s WHERE id = %s",
            [forged, target.pk],
        )
    )

    with pytest.raises(CommandError, match=f"broken at entry {target.pk}: its content"):
        verify()


def test_entries_downgraded_to_no_key_after_a_keyed_one_are_refused(some_entries):
    # From the second entry on, recomputed as "version 0" (the only hash one can make
    # without the key): the first keyed entry before them gives them away.
    first, second = AuditEntry.objects.order_by("id")[:2]
    previous = first.entry_hash
    statements = []
    for row in (
        AuditEntry.objects.filter(pk__gt=first.pk).order_by("id").values("id", *chain.HASHED_FIELDS)
    ):
        forged = chain.entry_hash({**row, "key_version": 0}, previous)
        statements.append(
            (
                "UPDATE audit_auditentry SET previous_hash = %s, entry_hash = %s, "
                "key_version = 0 WHERE id = %s",
                [previous, forged, row["id"]],
            )
        )
        previous = forged
    raw_sql(*statements)

    with pytest.raises(CommandError) as error:
        verify()

    assert f"broken at entry {second.pk}:" in str(error.value)
    assert f"hashed without a key although entry {first.pk} before it is keyed" in str(error.value)


def test_a_different_key_gives_a_different_hash():
    content = {name: None for name in chain.HASHED_FIELDS} | {
        "at": "2026-03-02T14:00:00.000000+00:00",
        "changes": {},
        "key_version": 1,
    }
    one = chain.entry_hash(content, chain.GENESIS_HASH, {1: "a" * 32})
    other = chain.entry_hash(content, chain.GENESIS_HASH, {1: "b" * 32})
    legacy = chain.entry_hash({**content, "key_version": 0}, chain.GENESIS_HASH, {1: "a" * 32})
    assert len({one, other, legacy}) == 3
    with pytest.raises(chain.UnknownKeyVersion):
        chain.entry_hash({**content, "key_version": 2}, chain.GENESIS_HASH, {1: "a" * 32})


# --- Rotation -------------------------------------------------------------------------------


def test_after_rotation_the_new_key_signs_and_the_old_one_still_verifies(
    some_entries, settings, clinic
):
    old = set(AuditEntry.objects.values_list("pk", flat=True))
    settings.AUDIT_CHAIN_KEYS = {**settings.AUDIT_CHAIN_KEYS, 2: SECOND_KEY}

    PatientFactory(clinic=clinic)

    new = AuditEntry.objects.exclude(pk__in=old)
    assert new.exists()
    assert set(new.values_list("key_version", flat=True)) == {2}
    assert set(AuditEntry.objects.filter(pk__in=old).values_list("key_version", flat=True)) == {1}
    assert verify().startswith(f"OK: {AuditEntry.objects.count()} entries verified")


def test_removing_a_key_that_hashed_entries_makes_them_unverifiable(some_entries, settings):
    first = AuditEntry.objects.earliest("id")
    settings.AUDIT_CHAIN_KEYS = {2: SECOND_KEY}

    with pytest.raises(CommandError) as error:
        verify()

    assert f"broken at entry {first.pk}:" in str(error.value)
    assert "key version 1, which AUDIT_CHAIN_KEYS does not hold" in str(error.value)


# --- Entries from before the key -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_the_key_keep_verifying_as_version_0():
    # The real upgrade: the table at migration 0002 (no key_version) holding a trail hashed
    # the old way (plain SHA-256, as the code before this change wrote it), then 0003, then
    # new, keyed entries after it. On PostgreSQL the append-only trigger stays in place.
    legacy_state = ("audit", "0002_append_only_trigger")
    # The test database's own trail (migrate's role sync) is keyed already: start empty.
    raw_sql(("DELETE FROM audit_auditentry", []))
    executor = MigrationExecutor(connection)
    executor.migrate([legacy_state])
    try:
        executor.loader.build_graph()
        Legacy = executor.loader.project_state(legacy_state).apps.get_model("audit", "AuditEntry")
        assert "key_version" not in {field.name for field in Legacy._meta.fields}
        previous = chain.GENESIS_HASH
        for n in range(3):
            row = Legacy(
                at=timezone.now(),
                kind="access",
                action="view",
                username=f"legacy{n}",
                model_label="intake.patient",
                object_id=str(n),
                changes={},
                previous_hash=previous,
            )
            content = {name: getattr(row, name) for name in chain.HASHED_FIELDS}
            row.entry_hash = hashlib.sha256(chain.canonical_bytes(content, previous)).hexdigest()
            row.save(force_insert=True)
            previous = row.entry_hash
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("audit"))

    assert list(AuditEntry.objects.values_list("key_version", flat=True)) == [0, 0, 0]
    PatientFactory()

    output = verify()

    versions = list(AuditEntry.objects.order_by("id").values_list("key_version", flat=True))
    assert versions[:3] == [0, 0, 0] and set(versions[3:]) == {1}
    assert output.startswith(f"OK: {len(versions)} entries verified")
    assert "3 entries at the start are hashed without a key" in output


# --- Anchoring: the exported head --------------------------------------------------------


def test_export_head_writes_the_newest_entry_as_json(some_entries, head_file):
    head_file.parent.mkdir()

    output = verify("--export-head", str(head_file))

    newest = AuditEntry.objects.latest("id")
    assert json.loads(head_file.read_text()) == {
        "id": newest.pk,
        "entry_hash": newest.entry_hash,
        "at": chain.canonical_time(newest.at),
        "key_version": 1,
    }
    assert f"Head {newest.pk} written to {head_file}." in output
    assert [p.name for p in head_file.parent.iterdir()] == [head_file.name]  # no temp left


def test_the_chain_verifies_against_its_head_as_it_grows(some_entries, head_file, clinic):
    head_file.parent.mkdir()
    verify("--export-head", str(head_file))
    anchored = json.loads(head_file.read_text())["id"]
    PatientFactory(clinic=clinic)

    output = verify("--head", str(head_file))

    assert AuditEntry.objects.latest("id").pk > anchored
    assert f"Head {anchored} from {head_file} is in the chain, unchanged." in output


def test_a_whole_chain_recomputed_without_the_key_is_caught_by_the_head(some_entries, head_file):
    head_file.parent.mkdir()
    verify("--export-head", str(head_file))
    victim = AuditEntry.objects.earliest("id")

    rewrite_without_the_key(
        lambda row: row.update(username="mallory") if row["id"] == victim.pk else None
    )

    # Every link and hash is consistent again: alone, the chain reads as one written before
    # the key existed. That is the case the exported head is for.
    assert verify().startswith("OK:")
    with pytest.raises(CommandError) as error:
        verify("--head", str(head_file))
    head_id = json.loads(head_file.read_text())["id"]
    assert f"broken at entry {head_id}:" in str(error.value)
    assert "not the entry exported as the chain's head" in str(error.value)
    assert error.value.returncode == 1


def test_a_deleted_tail_is_caught_by_the_head(some_entries, head_file, clinic):
    head_file.parent.mkdir()
    verify("--export-head", str(head_file))
    head_id = json.loads(head_file.read_text())["id"]
    PatientFactory(clinic=clinic)
    keep = AuditEntry.objects.filter(pk__lt=head_id).order_by("id")
    assert keep.exists()

    raw_sql(("DELETE FROM audit_auditentry WHERE id >= %s", [head_id]))

    assert verify().startswith(f"OK: {keep.count()} entries verified")
    with pytest.raises(CommandError) as error:
        verify("--head", str(head_file))
    assert "exported head entry is no longer in the chain" in str(error.value)


def test_an_unreadable_or_malformed_head_file_is_an_error_not_a_pass(some_entries, tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CommandError, match="Can't read the head file"):
        verify("--head", str(missing))
    for text in ("not json", "[]", '{"id": "7", "entry_hash": "x", "at": "", "key_version": 1}'):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(CommandError, match="is not an exported head") as error:
            verify("--head", str(bad))
        assert error.value.returncode == 1


def test_no_head_is_exported_from_a_broken_chain(some_entries, head_file):
    head_file.parent.mkdir()
    target = AuditEntry.objects.order_by("id")[1]
    raw_sql(("UPDATE audit_auditentry SET username = 'mallory' WHERE id = %s", [target.pk]))

    with pytest.raises(CommandError, match="broken at entry"):
        verify("--export-head", str(head_file))

    assert not head_file.exists()


# --- Configuration -------------------------------------------------------------------------


def load_settings(**env: str) -> subprocess.CompletedProcess:
    keep = ("PATH", "HOME", "LANG", "SECRET_KEY", "MBI_ENCRYPTION_KEYS", "MBI_INDEX_KEY")
    environment = {name: os.environ[name] for name in keep if name in os.environ}
    environment.update(env)
    code = "import config.settings as s; print(sorted(s.AUDIT_CHAIN_KEYS))"
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_the_audit_chain_key():
    result = load_settings(DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured: AUDIT_CHAIN_KEYS must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "no-version-" + "x" * 32,
        "0:" + "x" * 32,
        "1:too-short",
        f"1:{'x' * 32},1:{'y' * 32}",
    ],
)
def test_malformed_audit_chain_keys_are_refused(value):
    result = load_settings(DEBUG="0", AUDIT_CHAIN_KEYS=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured: AUDIT_CHAIN_KEYS" in result.stderr


def test_a_key_ring_loads_and_debug_gets_a_development_key():
    ring = load_settings(DEBUG="0", AUDIT_CHAIN_KEYS=f"2:{'y' * 32},1:{'x' * 32}")
    assert ring.returncode == 0, ring.stderr
    assert ring.stdout.strip() == "[1, 2]"

    development = load_settings(DEBUG="1")
    assert development.returncode == 0, development.stderr
    assert development.stdout.strip() == "[1]"
