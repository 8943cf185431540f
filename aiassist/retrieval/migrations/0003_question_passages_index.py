"""PostgreSQL: a GIN index over the threads' questions alone (title and opening post), which a large
index proposes candidate threads from (``ranking._lexical_candidates``)."""
from django.db import migrations

FORWARD = ("CREATE INDEX IF NOT EXISTS retrieval_passage_question_gin ON retrieval_passage "
           "USING gin (search_vector) WHERE role = 'question'")
BACKWARD = "DROP INDEX IF EXISTS retrieval_passage_question_gin"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("retrieval", "0002_lexical_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
