"""``AIAnswer.claims``: every claim by a worker, never reset. A retry resets ``attempts`` (the budget), so attempt
numbers repeat on one row, and a worker running late past its lease, a failure and a retry found its attempt number
again and stored a draft written from the question as it read before (round 39's review). A worker's result is now
stored only while the row still holds its claim's number.

The rows already stored start from their attempts (every claim since their last retry, a lower bound of all).
"""
from importlib import import_module

from django.db import migrations, models

# SQLite adds a field with a default by rebuilding ``aiassist_aianswer``, and a rebuilt table loses its triggers: the
# publish-needs-approvals triggers of 0003 are made again after it (as 0008 and 0011 do).
APPROVALS = import_module("aiassist.migrations.0003_publish_needs_approvals")


def start_from_attempts(apps, schema_editor):
    apps.get_model("aiassist", "AIAnswer").objects.update(claims=models.F("attempts"))


class Migration(migrations.Migration):

    dependencies = [
        ("aiassist", "0011_answer_question_taken_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="aianswer",
            name="claims",
            field=models.PositiveIntegerField(default=0, help_text="Every claim by a worker, never reset (a retry resets attempts): a worker's result is stored only while this is still its claim's number."),  # noqa: E501
        ),
        migrations.AlterField(
            model_name="aianswer",
            name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="Claims since it was asked or last retried: the budget of 1 + ASSISTANT_MAX_RETRIES."),  # noqa: E501
        ),
        migrations.RunPython(APPROVALS._run({"sqlite": APPROVALS.SQLITE_FORWARD}), migrations.RunPython.noop),
        migrations.RunPython(start_from_attempts, migrations.RunPython.noop, elidable=True),
    ]
