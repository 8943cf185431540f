"""``Thread.revision``, and the triggers that bump it on every change to a thread or its posts.

The rendered post lists of the thread page (``forum.fragments``) are cached under the thread's
revision. Bumping it in the database rather than in the services means no write path can forget
it: a queryset ``update()``, the admin, a data migration or a DBA's SQL all invalidate the cache.

PostgreSQL: statement-level triggers with transition tables on posts (a COPY of a million posts
bumps each thread once, not once per post), and a row-level BEFORE UPDATE trigger on threads.
SQLite: row-level triggers (SQLite has no statement-level ones); its recursive triggers are off, and
the thread trigger's WHEN clause keeps it from re-firing on its own bump anyway.

The column has a database default as well, so rows written outside Django (seed_scale's COPY) get 0.
"""
from django.db import migrations, models

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION forum_thread_bump_revision() RETURNS trigger AS $$
    BEGIN
        IF NEW.revision <= OLD.revision THEN
            NEW.revision := OLD.revision + 1;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_thread_revision BEFORE UPDATE ON forum_thread
    FOR EACH ROW EXECUTE FUNCTION forum_thread_bump_revision()
    """,
    """
    CREATE OR REPLACE FUNCTION forum_post_bump_thread_revision() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE forum_thread SET revision = revision + 1
            WHERE id IN (SELECT thread_id FROM new_posts);
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE forum_thread SET revision = revision + 1
            WHERE id IN (SELECT thread_id FROM old_posts);
        ELSE
            UPDATE forum_thread SET revision = revision + 1
            WHERE id IN (SELECT thread_id FROM new_posts UNION SELECT thread_id FROM old_posts);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_post_revision_insert AFTER INSERT ON forum_post
    REFERENCING NEW TABLE AS new_posts
    FOR EACH STATEMENT EXECUTE FUNCTION forum_post_bump_thread_revision()
    """,
    """
    CREATE TRIGGER forum_post_revision_update AFTER UPDATE ON forum_post
    REFERENCING OLD TABLE AS old_posts NEW TABLE AS new_posts
    FOR EACH STATEMENT EXECUTE FUNCTION forum_post_bump_thread_revision()
    """,
    """
    CREATE TRIGGER forum_post_revision_delete AFTER DELETE ON forum_post
    REFERENCING OLD TABLE AS old_posts
    FOR EACH STATEMENT EXECUTE FUNCTION forum_post_bump_thread_revision()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS forum_post_revision_delete ON forum_post",
    "DROP TRIGGER IF EXISTS forum_post_revision_update ON forum_post",
    "DROP TRIGGER IF EXISTS forum_post_revision_insert ON forum_post",
    "DROP FUNCTION IF EXISTS forum_post_bump_thread_revision()",
    "DROP TRIGGER IF EXISTS forum_thread_revision ON forum_thread",
    "DROP FUNCTION IF EXISTS forum_thread_bump_revision()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS forum_thread_revision AFTER UPDATE ON forum_thread
    WHEN NEW.revision <= OLD.revision
    BEGIN UPDATE forum_thread SET revision = OLD.revision + 1 WHERE id = NEW.id; END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forum_post_revision_insert AFTER INSERT ON forum_post
    BEGIN UPDATE forum_thread SET revision = revision + 1 WHERE id = NEW.thread_id; END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forum_post_revision_update AFTER UPDATE ON forum_post
    BEGIN UPDATE forum_thread SET revision = revision + 1 WHERE id IN (OLD.thread_id, NEW.thread_id); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forum_post_revision_delete AFTER DELETE ON forum_post
    BEGIN UPDATE forum_thread SET revision = revision + 1 WHERE id = OLD.thread_id; END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS forum_post_revision_delete",
    "DROP TRIGGER IF EXISTS forum_post_revision_update",
    "DROP TRIGGER IF EXISTS forum_post_revision_insert",
    "DROP TRIGGER IF EXISTS forum_thread_revision",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("forum", "0004_search_vector_statistics")]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="revision",
            field=models.PositiveBigIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
