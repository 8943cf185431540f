"""Keeping the passage index current: a post's passages are rebuilt from the post, never edited.

``posts_index`` is idempotent: a post whose text, title and role have not changed since it was
indexed with the current embedder is skipped, so a duplicate task, a resumed rebuild or a sweep
costs a read; the risk reading of each passage a draft may quote (a reply) is made here too
(``risk.passage_readings``), and made again in place when the risk models or reading code changed. Hidden and
deleted posts lose their passages (reads filter them live as well). When the embedder fails, passages are stored
without vectors (lexical search still finds them) and ``passages_reembed`` fills them in later; the same function
re-embeds after a change of model. A change whose indexing task was lost (the broker down when it committed, a
worker killed) is caught up by ``posts_catch_up``, which beat runs every few minutes. Each call also gives the
passages of its posts their thread's category as it stands (a moved thread: ``receivers``), unchanged posts included.
"""
import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Func, Min, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import SHA256, Coalesce, Concat, Greatest
from django.utils import timezone

from aiassist import risk
from forum.models import Post, Thread

from .embedders import EmbedderError, load_embedder
from .models import IndexRun, Passage, PassageVector
from .passages import plain_text, split_markdown

logger = logging.getLogger(__name__)
EMBED_BATCH = 64
# The passages read for risk when indexed: only replies can be quoted in a draft (``ranking.ThreadHit.quotable``: the
# accepted answer or another's reply); a thread's question and a published AI answer never are, so reading theirs
# would cost every ask an encoder pass nothing uses. Theirs stay unread ("", None).
RISK_READ_ROLES = frozenset({Passage.Role.REPLY})


def active_embedder():
    """The configured embedder, or None when the index is lexical only (``ASSISTANT_EMBEDDER=none``)."""
    return None if settings.ASSISTANT_EMBEDDER == "none" else load_embedder()


# What is embedded (see ``embedding_input``); a change makes every stored vector stale.
EMBEDDING_SCHEME = "p2"


def embed_key(embedder) -> str:
    """What is stored beside a vector: a change of model, dimension or scheme makes every vector stale."""
    return f"{embedder.name}/{embedder.dimension}/{EMBEDDING_SCHEME}" if embedder is not None else ""


def embedding_input(title: str, plain: str, role: str) -> str:
    """A thread's question is embedded with its title (together they say what the thread is about); an
    answer on its own, so that it is close to a question only when it speaks to it, not merely when
    its thread is on the same topic (measured on the labelled set: bench/retrieval.py)."""
    return f"{title}\n{plain}" if role == Passage.Role.QUESTION else plain


def vector_bytes(vector) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def vector_of(data) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)


def _role(post: Post, opening_id: int) -> str:
    if post.kind == Post.Kind.ASSISTANT:
        return Passage.Role.AI
    return Passage.Role.QUESTION if post.pk == opening_id else Passage.Role.REPLY


def source_hash(title: str, body: str, role: str) -> str:
    """What a post's passages were made from. (The unit separator, not NUL: PostgreSQL text cannot hold NUL,
    and ``seed_scale`` computes the same digest in SQL.)"""
    return hashlib.sha256("\x1f".join((title, body, role)).encode()).hexdigest()


class _SourceHash(SHA256):
    """``source_hash`` in SQL. PostgreSQL's own sha256() (Django's SHA256 needs pgcrypto there)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
        return Func.as_sql(self, compiler, connection, template=template, **extra_context)


def current_passages(passages: QuerySet) -> QuerySet:
    """``passages`` still made from their post's text and thread's title as they stand now. An edit is indexed
    by a task after it commits (seconds; until a rebuild when that task is lost): until then the passages of
    the text it took out are left out of what is shown or quoted, as hidden posts and moved threads are."""
    made_from = _SourceHash(Concat("thread__title", Value("\x1f"), "post__body", Value("\x1f"), "role",
                                   output_field=TextField()))
    return passages.alias(made_from=made_from).filter(source_hash=F("made_from"))


def _embed(embedder, texts: list[str]) -> tuple[list, str]:
    """Vectors for ``texts`` (or Nones when there is no embedder or it failed) and the model key."""
    if embedder is None or not texts:
        return [None] * len(texts), ""
    try:
        vectors = []
        for start in range(0, len(texts), EMBED_BATCH):
            vectors.extend(embedder.embed(texts[start:start + EMBED_BATCH]))
    except EmbedderError:
        logger.warning("embedding %d passage(s) failed; stored without vectors until re-embedded",
                       len(texts), exc_info=True)
        return [None] * len(texts), ""
    return [vector_bytes(v) for v in vectors], embed_key(embedder)


def posts_index(post_ids: Iterable[int], *, embedder=None, force: bool = False) -> int:
    """(Re)build the passages of ``post_ids``. Returns how many posts were (re)indexed."""
    post_ids = list(dict.fromkeys(post_ids))
    if not post_ids:
        return 0
    embedder = embedder if embedder is not None else active_embedder()
    model = embed_key(embedder)
    posts = list(Post.objects.filter(pk__in=post_ids).select_related("thread")
                 .only("pk", "body", "kind", "hidden", "author_id", "thread_id", "thread__title",
                       "thread__category_id"))
    gone = set(post_ids) - {p.pk for p in posts} | {p.pk for p in posts if p.hidden or not p.body.strip()}
    live = [p for p in posts if p.pk not in gone]
    openings = dict(Post.objects.filter(thread_id__in={p.thread_id for p in live}).values("thread_id")
                    .annotate(first=Min("pk")).values_list("thread_id", "first"))
    current = {
        row["post_id"]: row for row in Passage.objects.filter(post_id__in=[p.pk for p in live], position=0)
        .annotate(model=Coalesce("vector__embed_model", Value("")))
        .values("post_id", "source_hash", "model", "risk_read_by")
    }
    risk_key = risk.reading_key()
    pending = []  # (post, role, hash, [chunks])
    reread = []  # posts whose passages stand but whose risk readings were made by other models
    for post in live:
        role = _role(post, openings.get(post.thread_id))
        digest = source_hash(post.thread.title, post.body, role)
        known = current.get(post.pk)
        if not force and known and known["source_hash"] == digest and known["model"] == model:
            if known["risk_read_by"] != (risk_key if role in RISK_READ_ROLES else ""):
                reread.append(post.pk)
            continue
        pending.append((post, role, digest, split_markdown(post.body)))
    rows = []
    for post, role, digest, chunks in pending:
        for position, chunk in enumerate(chunks):
            rows.append(Passage(post_id=post.pk, thread_id=post.thread_id, category_id=post.thread.category_id,
                                author_id=post.author_id, role=role, position=position,
                                title=post.thread.title[:200], text=chunk, plain=plain_text(chunk),
                                source_hash=digest))
    vectors, model_used = _embed(embedder, [embedding_input(r.title, r.plain, r.role) for r in rows])
    # The risk encoder's reading of each passage a draft may quote, made once here rather than in every draft.
    _read_for_risk(rows)
    with transaction.atomic():
        Passage.objects.filter(post_id__in=gone | {post.pk for post, *_ in pending}).delete()
        Passage.objects.bulk_create(rows, batch_size=500)
        if model_used:
            PassageVector.objects.bulk_create([PassageVector(passage=row, embedding=vector, embed_model=model_used)
                                               for row, vector in zip(rows, vectors, strict=True)], batch_size=500)
        _recategorised([post.pk for post in live])
    return len(pending) + _reread(reread)


def _reread(post_ids: list[int]) -> int:
    """Give the passages of ``post_ids`` risk readings by the current models, in place (their text, vectors and rows
    stand). Returns how many posts."""
    if not post_ids:
        return 0
    passages = list(Passage.objects.filter(post_id__in=post_ids).only("pk", "text", "role"))
    _read_for_risk(passages)
    # A passage rebuilt meanwhile (its post edited) is a new row: the update misses it, and it was read when written.
    Passage.objects.bulk_update(passages, ["risk_read_by", "risk_logit"], batch_size=500)
    return len(post_ids)


def _read_for_risk(passages: list[Passage]) -> None:
    """Give ``passages`` (unsaved or to be updated) the risk encoder's reading where a draft may quote them
    (``RISK_READ_ROLES``), and none ("", None) elsewhere."""
    quotable = [passage for passage in passages if passage.role in RISK_READ_ROLES]
    read_by, logits = risk.passage_readings([passage.text for passage in quotable])
    for passage in passages:
        passage.risk_read_by, passage.risk_logit = "", None
    for passage, logit in zip(quotable, logits, strict=True):
        passage.risk_read_by, passage.risk_logit = read_by, logit


def _recategorised(post_ids: list[int]) -> int:
    """Give the passages of ``post_ids`` their thread's category as it stands now, where it differs (a thread moved
    since they were indexed; the category read above may be seconds old). Returns how many passages changed."""
    if not post_ids:
        return 0
    category = Subquery(Thread.objects.filter(pk=OuterRef("thread_id")).values("category_id")[:1])
    return (Passage.objects.filter(post_id__in=post_ids).filter(Q(category_id__isnull=True) | ~Q(category_id=category))
            .update(category_id=category))


def threads_index(thread_ids: Iterable[int], **kwargs) -> int:
    """Every post of these threads (a title edit changes all their passages)."""
    ids = Post.objects.filter(thread_id__in=list(thread_ids)).values_list("pk", flat=True)
    return posts_index(list(ids), **kwargs)


def passages_reembed(*, limit: int = 512, embedder=None) -> int:
    """Give vectors to passages that have none, or one from another model. Returns how many.

    Only passages as their post and thread stand now, of posts nobody hid: a passage a moderator hid, or one of text
    or a title its author has edited out, whose indexing task has not run yet, is never sent to the embedder (an
    external endpoint with ``ASSISTANT_EMBEDDER=openai``; after a change of model, the whole index is sent again:
    round 39's review). Its task, or the catch-up sweep, rebuilds or deletes it."""
    embedder = embedder if embedder is not None else active_embedder()
    if embedder is None:
        return 0
    model = embed_key(embedder)
    current = PassageVector.objects.filter(passage=OuterRef("pk"), embed_model=model)
    shown = ~Exists(Post.objects.filter(pk=OuterRef("post_id"), hidden=True))
    stale = list(current_passages(Passage.objects.filter(~Exists(current), shown))
                 .only("pk", "title", "plain", "role").order_by("pk")[:limit])
    vectors, model_used = _embed(embedder, [embedding_input(p.title, p.plain, p.role) for p in stale])
    if not model_used:
        return 0
    with transaction.atomic():
        # A passage deleted meanwhile (its post re-indexed) is skipped; the rest are locked until the vectors are in.
        alive = set(Passage.objects.select_for_update().filter(pk__in=[p.pk for p in stale])
                    .values_list("pk", flat=True))
        PassageVector.objects.filter(passage_id__in=alive).delete()
        PassageVector.objects.bulk_create([PassageVector(passage_id=p.pk, embedding=v, embed_model=model_used)
                                           for p, v in zip(stale, vectors, strict=True) if p.pk in alive],
                                          batch_size=500)
    return len(stale)


CATCH_UP_RUN = "catch-up"
# How far before the last sweep's start the next one looks again: a post's ``updated_at`` is taken when it is saved,
# and its transaction may commit after a sweep has started (and not seen it).
CATCH_UP_OVERLAP = timedelta(minutes=5)


def posts_catch_up(*, limit: int = 1000, embedder=None) -> int:
    """Periodic: index the posts changed since the last sweep — their text, visibility, thread's title or category —
    that their indexing task missed (lost with the broker, or with a worker killed mid-task), and give passages
    written without a category theirs. Returns how many posts were (re)indexed.

    A post counts as changed when its ``updated_at`` or its thread's is at or after the sweep's watermark (the
    last sweep's start, less CATCH_UP_OVERLAP); ``posts_index`` then skips those whose passages already match,
    so a sweep of a healthy forum costs a read. The first sweep looks back CATCH_UP_OVERLAP only: what came
    before it is the rebuild's (``manage.py index_passages``). At most ``limit`` posts are read, oldest change
    first; when that many were, the next sweep goes on right after the last one (its change time and id).
    """
    run, _ = IndexRun.objects.get_or_create(name=CATCH_UP_RUN)
    started = timezone.now()
    if run.last_post_id:  # the last sweep stopped at its limit: go on right after the last post it read
        since, after = run.checked_through, run.last_post_id
        newer = Q(changed_at__gt=since) | Q(changed_at=since, pk__gt=after)
    else:
        since = (run.checked_through or started) - CATCH_UP_OVERLAP
        newer = Q(changed_at__gte=since)
    changed = list(Post.objects.annotate(changed_at=Greatest("updated_at", "thread__updated_at")).filter(newer)
                   .order_by("changed_at", "pk").values_list("pk", "changed_at")[:limit])
    indexed = posts_index([pk for pk, _ in changed], embedder=embedder)
    # Passages written without their thread's category (by a worker older than migration retrieval 0006, during a
    # deploy) are never proposed by a large index's lexical match: they get it here, a batch a sweep.
    unset = Passage.objects.filter(category__isnull=True).order_by("id").values_list("post_id", flat=True)[:limit]
    if filled := _recategorised(list(set(unset))):
        logger.warning("index catch-up: %d passage(s) had no category", filled)
    if len(changed) == limit:  # changes may be left: the next sweep resumes after this batch's last post
        run.checked_through, run.last_post_id = changed[-1][1], changed[-1][0]
    else:
        run.checked_through, run.last_post_id = started, 0
    run.save(update_fields=["checked_through", "last_post_id", "updated_at"])
    if indexed:
        logger.warning("index catch-up: %d post(s) changed without being indexed (a lost task)", indexed)
    return indexed
