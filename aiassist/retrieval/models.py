"""The passage index: every post split into Markdown passages, each with its lexical entry and vector
(``PassageVector``, a table of its own).

A passage is derived data: ``index.posts_index`` rebuilds a post's passages from the post, and the
index never decides access. Reads join the live post and thread (``ranking``), so a post hidden a
moment ago, or a thread moved out of the reader's reach, is never served from a passage that has
not been re-indexed yet.
"""
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from forum.models import Category, Post, Thread


class PassageRole(models.TextChoices):
    QUESTION = "question", "The thread's question"
    REPLY = "reply", "A reply"
    AI = "ai", "A published AI answer"


class Passage(models.Model):
    Role = PassageRole

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    # The thread's category as ``index.posts_index`` last saw it: a candidate filter for the lexical match on a
    # large index (no join to the thread for each matching row), never an access decision: every passage a
    # ranking scores, shows or quotes is read again through its live thread (``ranking.readable_passages``). No
    # constraint or index: the passages go with their thread, and nothing looks passages up by category alone.
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, related_name="+", null=True, db_index=False,
                                 db_constraint=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    position = models.PositiveSmallIntegerField(help_text="The passage's place in its post, from 0.")
    title = models.CharField(max_length=200, help_text="The thread's title when the passage was indexed.")
    text = models.TextField(help_text="The passage's Markdown exactly as its author wrote it.")
    plain = models.TextField(help_text="The passage as plain text: what the lexical index and the embedder read.")
    source_hash = models.CharField(max_length=64, help_text="sha256 of what the post's passages were made from.")
    # The risk encoder's reading of the passage on its own (``aiassist.risk_model.readings``), made when it was indexed:
    # a draft that quotes the passage whole uses it instead of a model pass. ``risk_read_by`` names the models and
    # scheme (``risk_model.reading_key``); empty when not read (the model off, or a passage no draft quotes: a question,
    # a published AI answer: ``index.RISK_READ_ROLES``), and a reading made by anything else is not used. ``risk_logit``
    # is None when the encoder reads nothing of it.
    # A default in the database too: a worker of the previous release, during a deploy, writes passages without it.
    risk_read_by = models.CharField(max_length=80, blank=True, db_default="",
                                    help_text="The risk models and scheme the reading was made with.")
    risk_logit = models.FloatField(null=True, blank=True,
                                   help_text="The risk encoder's largest logit over the passage, read on its own.")
    indexed_at = models.DateTimeField(auto_now=True)
    # PostgreSQL: title (weight A) and plain text (weight B), kept by a trigger and GIN-indexed
    # (migration 0002). SQLite keeps an FTS5 table in step by triggers instead; this stays empty.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["post_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="passage_unique_position"),
            models.CheckConstraint(condition=models.Q(role__in=PassageRole.values), name="passage_role_valid"),
        ]
        indexes = [
            models.Index(fields=["thread", "role"]),
            # Passages written without a category (by a worker older than it): the catch-up sweep fills them.
            models.Index(fields=["id"], condition=models.Q(category__isnull=True),
                         name="retrieval_passage_no_category"),
        ]

    def __str__(self):
        return f"Passage {self.position} of post {self.post_id}"


class PassageVector(models.Model):
    """A passage's embedding, in a narrow table of its own: ranking reads the passages of its candidate
    threads first and the vectors of those it scores only, and a lexical scan never carries them.
    A passage without a row here has no vector yet (the embedder was down, or it is new and the
    sweep has not reached it); ``embed_model`` names the model, dimension and scheme it came from."""

    passage = models.OneToOneField(Passage, on_delete=models.CASCADE, primary_key=True, related_name="vector")
    embedding = models.BinaryField(editable=False, help_text="float32 vector, L2-normalised.")
    embed_model = models.CharField(max_length=120, help_text="Model name, dimension and scheme of the vector.")

    def __str__(self):
        return f"Vector of passage {self.passage_id} ({self.embed_model})"


class IndexRun(models.Model):
    """Where the rebuild command got to, so an interrupted rebuild resumes instead of starting over; and, for the
    periodic catch-up (``index.posts_catch_up``), up to when the changes to posts have been checked."""

    name = models.CharField(max_length=50, unique=True)
    last_post_id = models.BigIntegerField(default=0)
    posts_done = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked_through = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Index run {self.name} at post {self.last_post_id}"
