"""Each passage carries its thread's category (a candidate filter for the lexical match on a large index: no join to
the thread per matching row). 0007 fills it for the passages already indexed; ``index.posts_index`` keeps it after."""
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

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
    ]
