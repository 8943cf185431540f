"""PostgreSQL: finer statistics on the posts' search vectors, so the planner sees how rare a word is.

With the default target, ANALYZE keeps a few hundred of the most common lexemes and estimates every
other word at half the rarest frequency kept: at a million posts, ~1000 rows for a word that matches
fifty. The search query then hashes the whole thread table (tens of milliseconds) where fifty index
lookups would do. At 1000, rare words are estimated at ~100 rows and get the nested loop
(bench/README.md: "unreachable" 2300 -> 770 buffers, 31 -> 0.7 ms). Takes effect at the next
ANALYZE (autovacuum, or ``manage.py seed_scale``). Nothing to do on SQLite.
"""
from django.db import migrations

FORWARD = "ALTER TABLE forum_post ALTER COLUMN search_vector SET STATISTICS 1000"
BACKWARD = "ALTER TABLE forum_post ALTER COLUMN search_vector SET STATISTICS -1"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("forum", "0003_post_view_receipts")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
