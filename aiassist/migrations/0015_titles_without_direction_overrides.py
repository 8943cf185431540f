"""Thread titles, and the titles AI answers' sources were given, without bidirectional overrides and isolates: new
titles drop them (``forum.services._clean_title``), and one written before reversed the words a page or a notice puts
after it, an AI answer's disclaimer among them (round 46's review). Both are cleaned together, so an answer's sources
keep the titles of their threads (``review.taken_back`` compares them)."""
from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q

from forum.text import without_bidi_characters

CHARACTERS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def drop_overrides(apps, schema_editor):
    with_one = reduce(or_, (Q(title__contains=char) for char in CHARACTERS))
    for model in (apps.get_model("forum", "Thread"), apps.get_model("aiassist", "AnswerSource")):
        for row in model.objects.filter(with_one).only("pk", "title").iterator():
            title = " ".join(without_bidi_characters(row.title).split()) or "(untitled)"
            model.objects.filter(pk=row.pk).update(title=title)


class Migration(migrations.Migration):

    dependencies = [
        ("aiassist", "0014_approval_counted"),
        ("forum", "0013_notification_fallback_text"),
    ]

    operations = [migrations.RunPython(drop_overrides, migrations.RunPython.noop)]
