"""Database-specific pieces the ORM cannot declare portably.

PostgreSQL: a GIN index on the posts' search vector, and a trigger that refuses UPDATE and DELETE
on the audit log (TRUNCATE stays possible for a DBA and for test-database flushes; the hash
chain still exposes it). SQLite, the single-user embedded default: the FTS5 table search uses;
there the model layer alone refuses audit updates and deletes, and the chain exposes the rest.
"""
from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS forum_post_search_gin ON forum_post USING gin (search_vector)",
    """
    CREATE OR REPLACE FUNCTION forum_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'forum_auditevent is append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON forum_auditevent
    FOR EACH ROW EXECUTE FUNCTION forum_auditevent_append_only()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS forum_auditevent_no_update_delete ON forum_auditevent",
    "DROP FUNCTION IF EXISTS forum_auditevent_append_only()",
    "DROP INDEX IF EXISTS forum_post_search_gin",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_post_fts USING fts5(title, body, tokenize='porter unicode61')",
    """
    CREATE TRIGGER IF NOT EXISTS forum_post_fts_delete AFTER DELETE ON forum_post
    BEGIN DELETE FROM forum_post_fts WHERE rowid = old.id; END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS forum_post_fts_delete",
    "DROP TABLE IF EXISTS forum_post_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
