"""A private flag on audit events and notices (an AI draft before its asker submits it).

Adding the column with a database default rewrites no row through UPDATE, so the audit log's
append-only trigger is not involved; every existing event is not private, and its hash (which covers
the flag only when it is set) stays what it was.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0007_post_search_moves_to_passages'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='private',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name='notification',
            name='private',
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
