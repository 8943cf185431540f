"""Which approvals counted when an answer was published: the published post names only their reviewers (round 43's
review: it named every approval of the text, one whose reviewer had lost the category's review grant included).

Answers published before this migration: their approvals of the published text are marked, as the post named them;
whether each reviewer still reviewed the category at that moment is not known now."""
import hashlib
from importlib import import_module

from django.db import migrations, models

# SQLite adds a field with a default by rebuilding ``aiassist_approval``, which the publish-needs-approvals triggers of
# 0003 (on ``aiassist_aianswer``) read: the rebuild's rename fails on them ("no such table"). They are dropped before
# and made again after it (as 0012 does for its own rebuild).
APPROVALS = import_module("aiassist.migrations.0003_publish_needs_approvals")


def mark_published(apps, schema_editor):
    AIAnswer = apps.get_model("aiassist", "AIAnswer")
    Approval = apps.get_model("aiassist", "Approval")
    # Not an answer back in review: it keeps its withdrawn post, and a fresh approval of it was never published.
    published = AIAnswer.objects.filter(published_post__isnull=False, status__in=("published", "retracted"))
    published = published.values_list("pk", "body").iterator()
    for pk, body in published:
        Approval.objects.filter(answer_id=pk, body_hash=hashlib.sha256(body.encode()).hexdigest()).update(counted=True)


class Migration(migrations.Migration):

    dependencies = [
        ('aiassist', '0013_confirmation_per_reviewer'),
    ]

    operations = [
        migrations.RunPython(APPROVALS._run({"sqlite": APPROVALS.SQLITE_BACKWARD}),
                             APPROVALS._run({"sqlite": APPROVALS.SQLITE_FORWARD})),
        migrations.AddField(
            model_name='approval',
            name='counted',
            field=models.BooleanField(default=False, help_text='It counted when the answer was (last) published: the published post names its reviewer. An approval of the text whose reviewer no longer reviewed the category then did not count, and is not named.'),  # noqa: E501
        ),
        migrations.RunPython(APPROVALS._run({"sqlite": APPROVALS.SQLITE_FORWARD}),
                             APPROVALS._run({"sqlite": APPROVALS.SQLITE_BACKWARD})),
        migrations.RunPython(mark_published, migrations.RunPython.noop),
    ]
