"""Each passage carries the risk encoder's reading of it (``aiassist.risk.passage_readings``), made when it is indexed.

On SQLite a NOT NULL column is added by remaking the table, which drops its triggers: the ones that keep the FTS5
index in step (0002) are made again, after the remake (and after the one reversing it)."""
import importlib

from django.db import migrations, models

LEXICAL = importlib.import_module("aiassist.retrieval.migrations.0002_lexical_index")


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in LEXICAL.SQLITE_FORWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('retrieval', '0007_fill_passage_category'),
    ]

    operations = [
        # Run last when this migration is reversed: removing the column remakes the table too.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_again),
        migrations.AddField(
            model_name='passage',
            name='risk_logit',
            field=models.FloatField(blank=True, help_text="The risk encoder's largest logit over the passage, read on its own.", null=True),
        ),
        migrations.AddField(
            model_name='passage',
            name='risk_read_by',
            field=models.CharField(blank=True, db_default='', help_text='The risk models and scheme the reading was made with.', max_length=80),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
