"""manage.py index_passages: (re)build the passage index from the posts, resumably.

Walks the posts in id order, a batch at a time, and records how far it got after every batch
(``IndexRun``), so an interrupted run (Ctrl-C, a deploy, a crash) picks up where it stopped. Each
batch is idempotent: posts already indexed from the same text with the current embedder are read
and skipped, so running it again, or over a live forum whose tasks index posts meanwhile, is safe.
``--restart`` starts from the first post; ``--force`` rebuilds passages even when unchanged.
"""
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from forum.models import Post

from ...index import active_embedder, embed_key, posts_index
from ...models import IndexRun, Passage

RUN = "rebuild"


class Command(BaseCommand):
    help = "Build or resume the passage index (passages, lexical entries and vectors) from every post."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=256, help="posts per batch (default 256)")
        parser.add_argument("--restart", action="store_true", help="start from the first post again")
        parser.add_argument("--force", action="store_true", help="rebuild passages even when unchanged")
        parser.add_argument("--limit", type=int, default=0, help="stop after this many posts (0: all)")

    def handle(self, *, batch, restart, force, limit, verbosity, **options):
        run, _ = IndexRun.objects.get_or_create(name=RUN)
        if restart or run.finished_at is not None:
            run.last_post_id, run.posts_done, run.finished_at = 0, 0, None
            run.save()
        embedder = active_embedder()
        total = Post.objects.count()
        remaining = Post.objects.filter(pk__gt=run.last_post_id).count()
        self.stdout.write(f"Indexing {remaining:,} of {total:,} posts from post {run.last_post_id + 1} "
                          f"with {embed_key(embedder) or 'no embedder (lexical only)'}.")
        started, done, rebuilt = time.monotonic(), 0, 0
        while True:
            ids = list(Post.objects.filter(pk__gt=run.last_post_id).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            rebuilt += posts_index(ids, embedder=embedder, force=force)
            done += len(ids)
            run.last_post_id, run.posts_done = ids[-1], run.posts_done + len(ids)
            run.save(update_fields=["last_post_id", "posts_done", "updated_at"])
            if verbosity:
                elapsed = time.monotonic() - started
                rate = done / elapsed if elapsed else 0.0
                eta = (remaining - done) / rate if rate else 0.0
                self.stdout.write(f"  {done:,}/{remaining:,} posts ({100 * done / max(remaining, 1):.1f} %), "
                                  f"{rate:,.0f} posts/s, {rebuilt:,} rebuilt, about {eta / 60:.1f} min left")
            if limit and done >= limit:
                self.stdout.write(f"Stopped after {done:,} posts (--limit); run again to resume.")
                return
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at", "updated_at"])
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Done: {done:,} posts read, {rebuilt:,} (re)indexed, {Passage.objects.count():,} passages, "
            f"in {elapsed:.1f} s."))
