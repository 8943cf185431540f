"""A renamed user's posts show the new name at once: renaming bumps the revision of every thread in
which they wrote or edited a post (the names are part of the cached post lists, forum.fragments).

The user table is Django's (``AUTH_USER_MODEL``), so its name is read at migration time.
"""
from django.conf import settings
from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION forum_user_renamed_bump_threads() RETURNS trigger AS $$
    BEGIN
        UPDATE forum_thread SET revision = revision + 1
        WHERE id IN (SELECT thread_id FROM forum_post WHERE author_id = NEW.id OR edited_by_id = NEW.id);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_user_renamed AFTER UPDATE OF username ON {users}
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION forum_user_renamed_bump_threads()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS forum_user_renamed ON {users}",
    "DROP FUNCTION IF EXISTS forum_user_renamed_bump_threads()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS forum_user_renamed AFTER UPDATE OF username ON {users}
    WHEN OLD.username IS NOT NEW.username
    BEGIN
        UPDATE forum_thread SET revision = revision + 1
        WHERE id IN (SELECT thread_id FROM forum_post WHERE author_id = NEW.id OR edited_by_id = NEW.id);
    END
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS forum_user_renamed"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        users = schema_editor.quote_name(apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql.format(users=users), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0005_thread_revision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
