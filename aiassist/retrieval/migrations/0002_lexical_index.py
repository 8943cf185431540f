"""The passages' lexical index, kept by the database so no write path can leave it behind.

PostgreSQL: a trigger fills the tsvector (thread title weight A, plain text weight B) and a GIN
index serves it; a larger statistics target gives the planner (and ``ranking``) the frequencies of
common words. SQLite, the embedded default: an external-content FTS5 table kept in step by triggers.
"""
from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION retrieval_passage_tsv() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
                          || setweight(to_tsvector('english', coalesce(NEW.plain, '')), 'B');
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER retrieval_passage_tsv BEFORE INSERT OR UPDATE OF title, plain ON retrieval_passage
    FOR EACH ROW EXECUTE FUNCTION retrieval_passage_tsv()
    """,
    "CREATE INDEX IF NOT EXISTS retrieval_passage_search_gin ON retrieval_passage USING gin (search_vector)",
    "ALTER TABLE retrieval_passage ALTER COLUMN search_vector SET STATISTICS 1000",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS retrieval_passage_search_gin",
    "DROP TRIGGER IF EXISTS retrieval_passage_tsv ON retrieval_passage",
    "DROP FUNCTION IF EXISTS retrieval_passage_tsv()",
]
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS retrieval_passage_fts USING fts5(
        title, plain, content='retrieval_passage', content_rowid='id', tokenize='porter unicode61')
    """,
    """
    CREATE TRIGGER IF NOT EXISTS retrieval_passage_fts_insert AFTER INSERT ON retrieval_passage BEGIN
        INSERT INTO retrieval_passage_fts (rowid, title, plain) VALUES (new.id, new.title, new.plain);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS retrieval_passage_fts_delete AFTER DELETE ON retrieval_passage BEGIN
        INSERT INTO retrieval_passage_fts (retrieval_passage_fts, rowid, title, plain)
        VALUES ('delete', old.id, old.title, old.plain);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS retrieval_passage_fts_update AFTER UPDATE OF title, plain ON retrieval_passage BEGIN
        INSERT INTO retrieval_passage_fts (retrieval_passage_fts, rowid, title, plain)
        VALUES ('delete', old.id, old.title, old.plain);
        INSERT INTO retrieval_passage_fts (rowid, title, plain) VALUES (new.id, new.title, new.plain);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS retrieval_passage_fts_update",
    "DROP TRIGGER IF EXISTS retrieval_passage_fts_delete",
    "DROP TRIGGER IF EXISTS retrieval_passage_fts_insert",
    "DROP TABLE IF EXISTS retrieval_passage_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("retrieval", "0001_passage_index")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
