"""Thin Celery tasks over the passage index. Each is idempotent: re-running one rebuilds the same rows."""
from celery import shared_task

from . import index


@shared_task(name="retrieval.index_posts", autoretry_for=(Exception,), max_retries=3, retry_backoff=2)
def index_posts_task(post_ids: list[int]) -> int:
    return index.posts_index(post_ids)


@shared_task(name="retrieval.index_threads", autoretry_for=(Exception,), max_retries=3, retry_backoff=2)
def index_threads_task(thread_ids: list[int]) -> int:
    return index.threads_index(thread_ids)


@shared_task(name="retrieval.reembed_passages")
def reembed_passages_task() -> int:
    """Periodic: vectors for passages stored without one (the embedder was down) or from another model."""
    return index.passages_reembed()


@shared_task(name="retrieval.catch_up_index")
def catch_up_index_task() -> int:
    """Periodic: index the changes to posts whose own indexing task was lost."""
    return index.posts_catch_up()
