"""The counts of threads and categories leave out the posts moderators hid (``services.counted_posts``): recounted
for the threads that hold any, and their categories. Hidden posts are few; a loop over them is enough."""
from django.db import migrations
from django.db.models import Count, Max, Sum


def recount(apps, schema_editor, *, hidden_counted: bool):
    Post, Thread, Category = (apps.get_model("forum", name) for name in ("Post", "Thread", "Category"))
    threads = set(Post.objects.filter(hidden=True, kind="human").values_list("thread_id", flat=True))
    for thread in Thread.objects.filter(pk__in=threads).only("pk", "created_at"):
        posts = Post.objects.filter(thread_id=thread.pk)
        if not hidden_counted:
            posts = posts.exclude(hidden=True, kind="human")
        found = posts.aggregate(count=Count("id"), latest=Max("created_at"))
        Thread.objects.filter(pk=thread.pk).update(post_count=found["count"],
                                                   last_post_at=found["latest"] or thread.created_at)
    categories = set(Thread.objects.filter(pk__in=threads).values_list("category_id", flat=True))
    for category in categories:
        found = Thread.objects.filter(category_id=category).aggregate(count=Sum("post_count"),
                                                                      latest=Max("last_post_at"))
        Category.objects.filter(pk=category).update(post_count=found["count"] or 0, last_post_at=found["latest"])


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0011_audit_chain_keyed'),
    ]

    operations = [
        migrations.RunPython(lambda apps, editor: recount(apps, editor, hidden_counted=False),
                             lambda apps, editor: recount(apps, editor, hidden_counted=True)),
    ]
