"""Migration state: what a database has applied, and what this code's migrations reach."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader


def applied_migration_state(connection) -> dict[str, str]:
    """The latest applied migration of each app (by position in the migration graph)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    latest: dict[str, tuple[int, str]] = {}
    for app_label, name in loader.applied_migrations:
        key = (app_label, name)
        depth = len(loader.graph.forwards_plan(key)) if key in loader.graph.nodes else 0
        if (depth, name) > latest.get(app_label, (-1, "")):
            latest[app_label] = (depth, name)
    return {app_label: name for app_label, (_, name) in sorted(latest.items())}


def code_migration_state() -> dict[str, list[str]]:
    """The newest migration(s) of each app in this code (leaf nodes of the graph)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves: dict[str, list[str]] = {}
    for app_label, name in loader.graph.leaf_nodes():
        leaves.setdefault(app_label, []).append(name)
    return leaves
