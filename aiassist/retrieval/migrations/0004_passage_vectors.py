"""Vectors move out of the passage rows into ``retrieval_passagevector`` (one row per embedded passage).

The candidate scans of a large index read passage rows by the thousand; each carried a 1.5 KB vector
(stored out of line by PostgreSQL, a second lookup per row when read). Ranking now reads the vectors
of the passages it scores only, by primary key, from a table whose rows hold just the vector.

The existing vectors are copied in one statement (a passage without one, or with an empty model
name, simply has no row). PostgreSQL: dropping the columns is instant; the space the old vectors took
is given back when the table is next rewritten (``VACUUM FULL retrieval_passage`` or pg_repack at a
quiet time); a new index (``seed_scale``, ``index_passages --restart --force``) never has it.
SQLite rebuilds the table to drop the columns (and to add them back in reverse), which drops its
triggers: the FTS5 triggers of 0002 are created again either way.
"""
import importlib

from django.db import migrations, models
import django.db.models.deletion

COPY_FORWARD = """
    INSERT INTO retrieval_passagevector (passage_id, embedding, embed_model)
    SELECT id, embedding, embed_model FROM retrieval_passage
    WHERE embedding IS NOT NULL AND embed_model <> ''
"""
COPY_BACKWARD = """
    UPDATE retrieval_passage SET
        embedding = (SELECT v.embedding FROM retrieval_passagevector v WHERE v.passage_id = retrieval_passage.id),
        embed_model = coalesce((SELECT v.embed_model FROM retrieval_passagevector v
                                WHERE v.passage_id = retrieval_passage.id), '')
"""


def copy(sql):
    def run(apps, schema_editor):
        schema_editor.execute(sql)

    return run


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    lexical = importlib.import_module("aiassist.retrieval.migrations.0002_lexical_index")
    for sql in lexical.SQLITE_FORWARD:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("retrieval", "0003_question_passages_index")]

    operations = [
        migrations.RunPython(sqlite_triggers, sqlite_triggers),  # in reverse: after the table is rebuilt again
        migrations.CreateModel(
            name="PassageVector",
            fields=[
                ("passage", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                 related_name="vector", serialize=False,
                                                 to="retrieval.passage")),
                ("embedding", models.BinaryField(editable=False, help_text="float32 vector, L2-normalised.")),
                ("embed_model", models.CharField(help_text="Model name, dimension and scheme of the vector.",
                                                 max_length=120)),
            ],
        ),
        migrations.RunPython(copy(COPY_FORWARD), copy(COPY_BACKWARD)),
        migrations.RemoveIndex(model_name="passage", name="retrieval_p_embed_m_840a5d_idx"),
        migrations.RemoveField(model_name="passage", name="embedding"),
        migrations.RemoveField(model_name="passage", name="embed_model"),
        migrations.RunPython(sqlite_triggers, sqlite_triggers),
    ]
