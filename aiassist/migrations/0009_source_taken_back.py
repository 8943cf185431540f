"""``AnswerSource.taken_back``: a passage its author has edited out of the post since the answer drew on it.

Marked for the answers already stored, but published ones: each source whose post no longer shows the passage as
written (``sources.still_shown``). A source whose post is as it was hashed and still holds the passage verbatim is
skipped unrendered (a draft stored before round 35's fix may pair the new text's hash with the old passage, so the
hash alone does not tell). A published answer is left to its edit's recheck (``answers_recheck_edit`` took down
every one whose passage was taken back since round 33): marked here, it would stay published while its reviewers
lost sight of it.
"""
import hashlib

from django.db import migrations, models


def mark(apps, schema_editor):
    from aiassist.retrieval.passages import normalised_body
    from aiassist.sources import still_shown

    AnswerSource = apps.get_model("aiassist", "AnswerSource")
    rows = (AnswerSource.objects.filter(post__isnull=False).exclude(answer__status="published").order_by("pk")
            .values_list("pk", "text", "content_hash", "post__body", "post__thread__title"))
    gone, verdicts = [], {}
    for pk, text, digest, body, title in rows.iterator(chunk_size=2000):
        if (digest == hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()  # sources.content_hash
                and text in normalised_body(body)):
            continue
        key = (text, body)
        if key not in verdicts:
            verdicts[key] = not still_shown(text, body)
        if verdicts[key]:
            gone.append(pk)
    for start in range(0, len(gone), 1000):
        AnswerSource.objects.filter(pk__in=gone[start:start + 1000]).update(taken_back=True)


class Migration(migrations.Migration):

    dependencies = [
        ("aiassist", "0008_sqlite_publish_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="answersource",
            name="taken_back",
            field=models.BooleanField(default=False, help_text="Its post no longer shows this passage as written (edited out since: sources.still_shown): nobody can read it now, so no answer quoting it is shown."),  # noqa: E501
        ),
        migrations.RunPython(mark, migrations.RunPython.noop, elidable=True),
    ]
