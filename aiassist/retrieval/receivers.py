"""The forum announces new and changed posts (``forum.signals``); the index catches up after commit.

Indexing never runs on the request path: it is a Celery task sent once the change commits. Reads
filter hidden posts and moved threads live, and what is shown or quoted leaves out the passages of a post
or title edited since (``index.current_passages``), so the seconds before the task runs, or the minutes
until the catch-up sweep indexes a change whose task was lost, show nothing an edit took out.
``RETRIEVAL_INDEX_SYNC`` (the test configuration) indexes in the same transaction instead.
"""
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from forum import effects
from forum.signals import post_changed, post_created, thread_moved

from . import index
from .tasks import index_posts_task, index_threads_task


def _index_later(*, post_ids=(), thread_ids=()) -> None:
    if settings.RETRIEVAL_INDEX_SYNC:
        index.posts_index(post_ids) if post_ids else index.threads_index(thread_ids)
        return
    task, ids = (index_posts_task, list(post_ids)) if post_ids else (index_threads_task, list(thread_ids))
    # A broker that is down loses nothing: the catch-up sweep (index.posts_catch_up) indexes it minutes later.
    effects.enqueue_on_commit(task, ids)


@receiver(post_created)
def index_new_post(sender, post, **kwargs):
    _index_later(post_ids=[post.pk])


@receiver(post_changed)
def index_changed_post(sender, post, change, **kwargs):
    # An edit of the opening post may retitle the thread, which every passage of it carries.
    opening = change == "edit" and post.thread.posts.order_by("created_at", "id").values_list("pk", flat=True)[:1]
    if opening and opening[0] == post.pk:
        _index_later(thread_ids=[post.thread_id])
    else:
        _index_later(post_ids=[post.pk])


@receiver(thread_moved)
def index_moved_thread(sender, thread, **kwargs):
    # Nothing of the text changed: ``posts_index`` skips re-embedding and gives the passages their new category
    # (a candidate filter only: reads join the live thread, so the move is in force before this runs).
    _index_later(thread_ids=[thread.pk])


@receiver(connection_created)
def no_jit_for_short_queries(sender, connection, **kwargs):
    """PostgreSQL: no JIT compilation. The ranking's statements are short, but their estimated costs (GIN
    matches over a large index) pass ``jit_above_cost``, and compiling them took 75-170 ms each on the
    ``seed_scale`` index — more than running them (bench/README.md, round 4). One SET per connection."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
