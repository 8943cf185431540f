"""``AIAnswer.question_taken_back``: the answer restates a word its question's author has edited out of the question
since (``services.restates_taken_back``, round 38).

Marked for the answers already stored, but published ones (as 0009 and 0010: a question edit took every published
answer of its thread back to review since round 33, ``answers_recheck_edit``). The rule is written out here as it
stands in round 38, so that this migration reads the same whatever the service becomes.
"""
import re
from importlib import import_module

from django.db import migrations, models

# SQLite adds a field with a default by rebuilding ``aiassist_aianswer``, and a rebuilt table loses its triggers: the
# publish-needs-approvals triggers of 0003 are made again after it, as 0008 made them after 0006.
APPROVALS = import_module("aiassist.migrations.0003_publish_needs_approvals")

_WORDS = re.compile(r"[^\W_]{3,}")
_NAMES = re.compile(r"[\w.\-:/@]+")


def _words(text):
    text = text.casefold().replace("\\", "")
    names = {name.strip(".-:/@_") for name in _NAMES.findall(text)}
    return set(_WORDS.findall(text)) | {name for name in names if len(name) >= 3}


def _restates(asked, now, texts, sources):
    if asked == now:
        return False
    dropped = _words(asked) - _words(now)
    for source in sources:
        dropped -= _words(source)
    return bool(dropped) and any(not dropped.isdisjoint(_words(text)) for text in texts if text)


def mark(apps, schema_editor):
    AIAnswer = apps.get_model("aiassist", "AIAnswer")
    AnswerSource = apps.get_model("aiassist", "AnswerSource")
    Post = apps.get_model("forum", "Post")
    rows = (AIAnswer.objects.exclude(status="published").order_by("thread_id", "pk")
            .values_list("pk", "thread_id", "thread__title", "question", "body", "original_body", "risk_reasons"))
    questions, marked = {}, []
    for pk, thread_id, title, asked, body, original, reasons in rows.iterator(chunk_size=2000):
        if thread_id not in questions:
            opening = (Post.objects.filter(thread_id=thread_id).order_by("created_at", "id")
                       .values_list("body", flat=True).first())
            questions = {thread_id: f"{title}\n\n{opening or ''}".strip()}  # one thread at a time (ordered)
        if asked == questions[thread_id]:
            continue
        sources = [part for row in AnswerSource.objects.filter(answer_id=pk).values_list("text", "title")
                   for part in row]
        if _restates(asked, questions[thread_id], [body, original, *(reasons or [])], sources):
            marked.append(pk)
    for start in range(0, len(marked), 1000):
        AIAnswer.objects.filter(pk__in=marked[start:start + 1000]).update(question_taken_back=True)


class Migration(migrations.Migration):

    dependencies = [
        ("aiassist", "0010_source_title_taken_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="aianswer",
            name="question_taken_back",
            field=models.BooleanField(default=False, help_text="Its text holds a word its question's author has edited out of the question since (services.restates_taken_back): nobody can read it now, so the answer is not shown."),  # noqa: E501
        ),
        migrations.AlterField(
            model_name="aianswer",
            name="question",
            field=models.TextField(help_text="The question as it stood when the answer was requested, then when its drafting began."),  # noqa: E501
        ),
        migrations.RunPython(APPROVALS._run({"sqlite": APPROVALS.SQLITE_FORWARD}), migrations.RunPython.noop),
        migrations.RunPython(mark, migrations.RunPython.noop, elidable=True),
    ]
