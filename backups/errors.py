"""The one exception a backup or restore raises, and how its lists of problems are shown."""

from __future__ import annotations

from backups.constants import MAX_LISTED_PROBLEMS


class BackupError(Exception):
    """A refusal, with the exit code the command should end with."""

    def __init__(self, message: str, returncode: int = 1):
        super().__init__(message)
        self.returncode = returncode


def _format_problems(problems: list[str]) -> str:
    shown = [f"  - {p}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        shown.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
    return "\n".join(shown)
