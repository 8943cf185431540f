"""Migration operations both databases run: PostgreSQL in production, SQLite for the embedded default."""
from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    """An index added without blocking writes to its table on PostgreSQL (``CREATE INDEX CONCURRENTLY``: a
    plain ``CREATE INDEX`` holds a lock that stops every insert and update while it reads the whole table, minutes
    on a large forum's posts); elsewhere a plain ``AddIndex``. Its migration must be ``atomic = False``."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
