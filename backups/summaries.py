"""What `create_backup` and `restore_backup` return: the counts the commands print."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BackupSummary:
    path: Path
    rows: int
    models: int
    files: int
    file_bytes: int
    documents_verified: int
    archive_bytes: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreSummary:
    rows: int
    models: int
    files: int
    file_bytes: int
    documents_verified: int
    created_at: str
    audit: str = ""
    warnings: list[str] = field(default_factory=list)
