"""Each passage carries its thread's category (a candidate filter for the lexical match on a large index: no join to
the thread per matching row). Filled here for the passages already indexed; ``index.posts_index`` keeps it after."""
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    # Not one transaction: the new column's table lock is released at once, and the copy (77 s for 1.1 M passages on
    # a slow machine) holds row locks only, so reads go on while it runs.
    atomic = False

    dependencies = [
        ('forum', '0010_post_hidden_index'),
        ('retrieval', '0005_catch_up_watermark'),
    ]

    operations = [
        migrations.AddField(
            model_name='passage',
            name='category',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name='+',
                                    to='forum.category'),
        ),
        # Portable SQL (PostgreSQL and SQLite): the thread's category, through its primary key.
        migrations.RunSQL(
            "UPDATE retrieval_passage SET category_id = "
            "(SELECT t.category_id FROM forum_thread t WHERE t.id = retrieval_passage.thread_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
