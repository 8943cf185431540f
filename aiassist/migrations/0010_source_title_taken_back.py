"""``AnswerSource.taken_back`` for a title too: a source whose thread has another title now than the one its answer
shows (round 38; cited or not: the asker's panel, the desk and the API list every source by its title).

Marked for the answers already stored, but published ones (a retitle took every published answer it concerned back
to review since round 35, ``answers_recheck_edit``; marked here, one would stay published while its reviewers lost
sight of it). Comparing two columns, in one statement.
"""
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Substr


def mark(apps, schema_editor):
    AnswerSource = apps.get_model("aiassist", "AnswerSource")
    (AnswerSource.objects.filter(taken_back=False, post__isnull=False).exclude(answer__status="published")
     .annotate(now=Substr("post__thread__title", 1, 200)).filter(~Q(title=F("now"))).update(taken_back=True))


class Migration(migrations.Migration):

    dependencies = [
        ("aiassist", "0009_source_taken_back"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answersource",
            name="taken_back",
            field=models.BooleanField(default=False, help_text="Its post no longer shows this passage as written (edited out since: sources.still_shown), or its thread has another title now: nobody can read it now, so no answer quoting it is shown."),  # noqa: E501
        ),
        migrations.RunPython(mark, migrations.RunPython.noop, elidable=True),
    ]
