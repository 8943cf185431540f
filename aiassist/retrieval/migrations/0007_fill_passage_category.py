"""Fill the category of the passages indexed before 0006, in batches of ids, each its own transaction: row locks for
a moment each (index tasks go on between them, reads are never blocked), and a run stopped midway (a deadlock with an
index task, a deploy cancelled) is taken up again by running ``migrate`` again: a batch only touches passages whose
category is missing or differs. A partial index on the missing ones lets the catch-up sweep
(``index.posts_catch_up``) find passages written without one meanwhile (by workers still running the code before 0006)."""
from django.db import migrations, models

from common.migration_operations import AddIndexConcurrently

BATCH = 10_000


def fill(apps, schema_editor):
    Passage = apps.get_model("retrieval", "Passage")
    last = Passage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, last, BATCH):
            # Portable SQL (PostgreSQL and SQLite); outside a transaction, each statement commits on its own.
            cursor.execute(
                "UPDATE retrieval_passage SET category_id = "
                "(SELECT t.category_id FROM forum_thread t WHERE t.id = retrieval_passage.thread_id) "
                "WHERE id > %s AND id <= %s AND (category_id IS NULL OR category_id <> "
                "(SELECT t.category_id FROM forum_thread t WHERE t.id = retrieval_passage.thread_id))",
                [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('retrieval', '0006_passage_category'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrently(
            model_name='passage',
            index=models.Index(condition=models.Q(('category__isnull', True)), fields=['id'],
                               name='retrieval_passage_no_category'),
        ),
    ]
