"""The hash chain, as pure functions: canonical bytes in, SHA-256 out; entries in, verdict out.

Each entry's hash covers its content and the previous entry's hash, so altering a stored
entry breaks its own hash, and removing or inserting one breaks the link of the entry after
it. Nothing here touches the database: `verify_audit` feeds rows in, tests feed dicts in.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The fields an entry's hash covers, besides previous_hash. Adding one later needs a new
# chain version (old entries were hashed without it); see docs/audit.md.
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


def entry_hash(content: Mapping[str, Any], previous_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(content, previous_hash)).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = GENESIS_HASH


def verify(entries: Iterable[Mapping[str, Any]]) -> Verdict:
    """Walk entries in id order; stop at the first one whose link or hash is wrong."""
    expected_previous = GENESIS_HASH
    previous_id = None
    checked = 0
    for entry in entries:
        if entry["previous_hash"] != expected_previous:
            where = f"entry {previous_id}" if previous_id is not None else "the start of the chain"
            return Verdict(
                ok=False,
                checked=checked,
                broken_id=entry["id"],
                reason=(
                    f"its previous_hash does not match the hash of {where}: an entry before "
                    "it was deleted, inserted or altered"
                ),
            )
        if entry_hash(entry, entry["previous_hash"]) != entry["entry_hash"]:
            return Verdict(
                ok=False,
                checked=checked,
                broken_id=entry["id"],
                reason="its content does not match its entry_hash: the entry was altered",
            )
        expected_previous = entry["entry_hash"]
        previous_id = entry["id"]
        checked += 1
    return Verdict(ok=True, checked=checked, last_id=previous_id, last_hash=expected_previous)
