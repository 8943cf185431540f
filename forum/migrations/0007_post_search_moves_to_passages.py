"""Search moved to the passage index (aiassist/retrieval): the posts' own lexical index goes.

PostgreSQL drops the column (its GIN index goes with it); SQLite drops the FTS5 table and the
trigger that kept it, before the column. SQLite drops a column by rebuilding the table, which
takes the table's triggers with it: the revision triggers of 0005 are made again afterwards.
"""
from importlib import import_module

from django.db import migrations

REVISION = import_module("forum.migrations.0005_thread_revision")
SQLITE_POST_TRIGGERS = [sql for sql in REVISION.SQLITE_FORWARD if "ON forum_post" in sql]

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS forum_post_fts_delete",
    "DROP TABLE IF EXISTS forum_post_fts",
]
SQLITE_BACKWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_post_fts USING fts5(title, body, tokenize='porter unicode61')",
    """
    CREATE TRIGGER IF NOT EXISTS forum_post_fts_delete AFTER DELETE ON forum_post
    BEGIN DELETE FROM forum_post_fts WHERE rowid = old.id; END
    """,
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("forum", "0006_thread_revision_on_rename")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_FORWARD}), _run({"sqlite": SQLITE_BACKWARD})),
        migrations.RemoveField(model_name="post", name="search_vector"),
        migrations.RunPython(_run({"sqlite": SQLITE_POST_TRIGGERS}), migrations.RunPython.noop),
    ]
