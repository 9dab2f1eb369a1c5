"""The hash chain, as pure functions: canonical bytes in, a keyed hash out; entries in,
verdict out.

Each entry's hash covers its content and the previous entry's hash, so altering a stored
entry breaks its own hash, and removing or inserting one breaks the link of the entry after
it. The hash is HMAC-SHA256 with a key from the environment (settings.AUDIT_CHAIN_KEYS,
a ring of numbered keys: the highest number signs, every listed key still verifies), so
someone who can write to the database but doesn't hold the key can't recompute the chain
after changing it. Each entry records the number of the key that hashed it
(`key_version`); version 0 is the plain SHA-256 of entries written before the chain was
keyed, accepted only before the first keyed entry. A rewrite of the whole chain as
version 0, or a deleted tail, is caught by comparing with a head exported earlier and kept
where the database can't reach it (`Head`, `verify_audit --head`).

Nothing here touches the database: `verify_audit` feeds rows in, tests feed dicts in. The
key ring is passed in, or read from settings when it isn't.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The entries written before the chain was keyed: SHA-256 without a key.
LEGACY_KEY_VERSION = 0

# The fields an entry's hash covers, besides previous_hash. Adding one later needs a new
# chain version (old entries were hashed without it); see docs/audit.md. `key_version` is
# not among them: it picks the key, and any other key gives another hash.
HASHED_FIELDS = (
    "at",
    "kind",
    "action",
    "user_id",
    "username",
    "ip_address",
    "model_label",
    "object_id",
    "patient_id",
    "clinic_id",
    "changes",
)

KeyRing = Mapping[int, str]


class UnknownKeyVersion(LookupError):
    """An entry names a key the ring doesn't hold (removed from AUDIT_CHAIN_KEYS?)."""


def configured_keys() -> KeyRing:
    from django.conf import settings

    return settings.AUDIT_CHAIN_KEYS


def signing_version(keys: KeyRing | None = None) -> int:
    """The key new entries are hashed with: the highest-numbered one."""
    ring = configured_keys() if keys is None else keys
    if not ring:
        raise UnknownKeyVersion("AUDIT_CHAIN_KEYS holds no key to hash new audit entries with.")
    return max(ring)


def canonical_time(value: datetime) -> str:
    """UTC, microseconds always present: the same text whichever database returned it."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(content: Mapping[str, Any], previous_hash: str) -> bytes:
    data = {name: content[name] for name in HASHED_FIELDS}
    if isinstance(data["at"], datetime):
        data["at"] = canonical_time(data["at"])
    data["previous_hash"] = previous_hash
    # Sorted keys, no whitespace, ASCII only: one byte string per content, on every platform.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(content: Mapping[str, Any], previous_hash: str, keys: KeyRing | None = None) -> str:
    """HMAC-SHA256 with key `content["key_version"]` of the ring; SHA-256 for version 0
    (also when `content` names no version, as entries before the key did not)."""
    message = canonical_bytes(content, previous_hash)
    version = content.get("key_version", LEGACY_KEY_VERSION)
    if version == LEGACY_KEY_VERSION:
        return hashlib.sha256(message).hexdigest()
    ring = configured_keys() if keys is None else keys
    if version not in ring:
        raise UnknownKeyVersion(f"AUDIT_CHAIN_KEYS holds no key version {version}.")
    return hmac.new(ring[version].encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    """The newest entry at some moment, exported to somewhere the database can't reach."""

    id: int
    entry_hash: str
    at: str
    key_version: int

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> "Head":
        at = entry["at"]
        return cls(
            id=entry["id"],
            entry_hash=entry["entry_hash"],
            at=canonical_time(at) if isinstance(at, datetime) else at,
            key_version=entry.get("key_version", LEGACY_KEY_VERSION),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "entry_hash": self.entry_hash,
                "at": self.at,
                "key_version": self.key_version,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> "Head":
        """Raises ValueError, in words for the operator, when `text` isn't an exported head."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON ({error})") from error
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        expected = {"id": int, "entry_hash": str, "at": str, "key_version": int}
        for name, kind in expected.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                what = "a whole number" if kind is int else "text"
                raise ValueError(f"{name!r} is missing or is not {what}")
        return cls(**{name: data[name] for name in expected})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = GENESIS_HASH
    last: Head | None = None
    legacy: int = 0  # entries hashed without a key (version 0), all at the start


def verify(
    entries: Iterable[Mapping[str, Any]], keys: KeyRing | None = None, head: Head | None = None
) -> Verdict:
    """Walk entries in id order; stop at the first one whose link, key or hash is wrong.

    With `head`, the chain must also still hold that entry, unchanged: everything up to it
    is then as it was when the head was exported, even if the whole table was rewritten.
    """
    ring = configured_keys() if keys is None else keys
    expected_previous = GENESIS_HASH
    previous_id = None
    checked = legacy = 0
    keyed_from = None
    head_seen = False
    last = None

    def broken(entry, reason: str) -> Verdict:
        return Verdict(ok=False, checked=checked, broken_id=entry["id"], reason=reason)

    for entry in entries:
        if entry["previous_hash"] != expected_previous:
            where = f"entry {previous_id}" if previous_id is not None else "the start of the chain"
            return broken(
                entry,
                f"its previous_hash does not match the hash of {where}: an entry before "
                "it was deleted, inserted or altered",
            )
        version = entry.get("key_version", LEGACY_KEY_VERSION)
        if version == LEGACY_KEY_VERSION:
            if keyed_from is not None:
                return broken(
                    entry,
                    f"it is hashed without a key although entry {keyed_from} before it is "
                    "keyed: the chain was recomputed by someone without the key",
                )
            legacy += 1
        elif version not in ring:
            return broken(
                entry,
                f"it was hashed with key version {version}, which AUDIT_CHAIN_KEYS does not "
                "hold (keep every key that hashed entries; docs/operations.md)",
            )
        elif keyed_from is None:
            keyed_from = entry["id"]
        if not hmac.compare_digest(
            entry_hash(entry, entry["previous_hash"], ring), entry["entry_hash"]
        ):
            return broken(entry, "its content does not match its entry_hash: the entry was altered")
        if head is not None and entry["id"] == head.id:
            if Head.of(entry) != head:
                return broken(
                    entry,
                    "it is not the entry exported as the chain's head (other hash, time or "
                    "key): the chain was rewritten up to it",
                )
            head_seen = True
        expected_previous = entry["entry_hash"]
        previous_id = entry["id"]
        last = entry
        checked += 1
    if head is not None and not head_seen:
        return Verdict(
            ok=False,
            checked=checked,
            broken_id=head.id,
            reason=(
                "the exported head entry is no longer in the chain: entries up to it were "
                "deleted (the tail was truncated) or renumbered"
            ),
        )
    return Verdict(
        ok=True,
        checked=checked,
        last_id=previous_id,
        last_hash=expected_previous,
        last=Head.of(last) if last is not None else None,
        legacy=legacy,
    )
