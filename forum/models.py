"""Forum tables: categories and their object permissions, threads, posts, notifications, audit log.

No workflow lives here: writes go through ``forum.services``, permission questions through
``forum.policy``.
"""
import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .text import without_bidi_characters


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    restricted = models.BooleanField(
        default=False, help_text="Only users or groups holding view_category on this category may read it."
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the services so the home page never counts rows.
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_post_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        # view_category comes from Django's default permissions.
        permissions = [
            ("post_in_category", "Start threads and reply in the category"),
            ("moderate_category", "Edit and hide posts, lock threads"),
            ("review_ai_answers", "Review, edit, approve, reject, publish and retract AI answers"),
            ("approve_high_risk", "Give the second approval a high-risk AI answer needs"),
        ]

    def __str__(self):
        return self.name


class CategoryUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key table: one row per (user, permission, category)."""

    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name, verbose_name_plural = "user grant", "user grants"
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class CategoryGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct foreign-key table: one row per (group, permission, category)."""

    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name, verbose_name_plural = "group grant", "group grants"
        indexes = [models.Index(fields=["group", "permission", "content_object"])]


class Thread(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_post_at = models.DateTimeField(db_index=True)
    post_count = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    accepted_post = models.OneToOneField(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="accepted_in"
    )
    # Bumped by the database on every change to this row or to any of its posts (triggers in
    # forum/migrations/0005), so no write path can forget it: the rendered post lists in
    # forum.fragments are keyed by it.
    revision = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        indexes = [models.Index(fields=["category", "-last_post_at"])]

    def __str__(self):
        return self.title


class Post(models.Model):
    class Kind(models.TextChoices):
        HUMAN = "human", "Human"
        ASSISTANT = "assistant", "AI assistant"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HUMAN)
    body = models.TextField(help_text="Markdown source.")
    body_html = models.TextField(help_text="Sanitised HTML rendered from body at write time.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=500, blank=True)
    # Kept by forum.services.post_vote with the PostVote rows, so no page or list counts them.
    helpful_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            # The few hidden posts, for "not one of them" filters (the passage index's live filter): a small
            # set to hash, where joining every candidate row to its post cost a lookup each.
            models.Index(fields=["id"], condition=Q(hidden=True), name="forum_post_hidden_idx"),
        ]

    def __str__(self):
        return f"Post {self.pk} in thread {self.thread_id}"

    @property
    def is_ai_generated(self):
        return self.kind == self.Kind.ASSISTANT


class PostViewReceipt(models.Model):
    """The first time a user saw an AI-generated post, so a retraction can reach every reader."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="view_receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="postviewreceipt_once")]

    def __str__(self):
        return f"User {self.user_id} saw post {self.post_id}"


class Notification(models.Model):
    """One in-app notice for one user; the assistant's events use the same channel."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=50)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # A notice about something private to its recipient (their AI draft): left out of the Django admin.
    private = models.BooleanField(default=False, db_default=False)
    # The thread it is about, when there is one: notices are grouped by it, and one about a thread the
    # recipient can no longer read is no longer shown (its text names the thread).
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # What it announces, in its sender's terms ("ai_answer:12"), so the notice can be withdrawn with it.
    subject = models.CharField(max_length=60, blank=True, default="", db_default="")
    # What it says once its recipient can no longer read ``thread`` (a warning that must reach them whatever happens
    # to the thread: an AI answer they read was withdrawn), in place of ``text`` and without ``url``. Empty: the
    # notice is no longer shown then (its text names the thread). ``selectors.notifications_of`` annotates
    # ``in_sight``; ``shown_text``, ``shown_url`` and ``shown_thread`` read it.
    fallback_text = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self):
        return f"To user {self.recipient_id}: {self.text}"

    @property
    def _out_of_sight(self) -> bool:
        return not getattr(self, "in_sight", True) and bool(self.fallback_text)

    @property
    def shown_text(self) -> str:
        # Without direction overrides: a notice stored before ``notify`` dropped them quotes a title that reversed the
        # words after it (round 46's review).
        return without_bidi_characters(self.fallback_text if self._out_of_sight else self.text)

    @property
    def shown_url(self) -> str:
        return "" if self._out_of_sight else self.url

    @property
    def shown_thread(self):
        return None if self._out_of_sight else self.thread


class ThreadWatch(models.Model):
    """A user's choice to hear of a thread's new posts. ``watching=False`` remembers an explicit
    unwatch, so replying again does not silently watch the thread again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="watches")
    watching = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="threadwatch_once")]
        indexes = [models.Index(fields=["thread"], condition=Q(watching=True), name="threadwatch_watchers_idx")]

    def __str__(self):
        return f"User {self.user_id} {'watches' if self.watching else 'ignores'} thread {self.thread_id}"


class ThreadRead(models.Model):
    """How far a user has read a thread: its ``last_post_at`` when they last opened it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="threadread_once")]

    def __str__(self):
        return f"User {self.user_id} read thread {self.thread_id} up to {self.last_read_at:%Y-%m-%d %H:%M:%S}"


class PostVote(models.Model):
    """One user found one post helpful (at most once: the constraint, not the code, guarantees it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="postvote_once")]
        indexes = [models.Index(fields=["user", "post"])]

    def __str__(self):
        return f"User {self.user_id} found post {self.post_id} helpful"


class AuditEventQuerySet(models.QuerySet):
    def shown(self):
        """The events a reader of the log is shown (the admin, the API): not the private ones."""
        return self.filter(private=False)

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be updated.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    pass


def audit_digest(canonical: str) -> str:
    """An audit event's hash: HMAC-SHA256 of its canonical JSON under ``settings.AUDIT_KEY``. A plain SHA-256 let
    anyone who could write to the table empty it and write it again, every hash recomputed, without the events they
    left out (round 29's review); the key is not in the database."""
    key = hashlib.sha256(b"vetted.audit-chain:" + settings.AUDIT_KEY.encode()).digest()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def audit_canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


class AuditEvent(models.Model):
    """An append-only, hash-chained record of every state change.

    Each row's hash (an HMAC under ``settings.AUDIT_KEY``) covers its own fields and the previous row's hash, so
    editing or removing a row breaks the chain from that point on (``manage.py audit_verify``), and without the key
    nobody can write a chain that verifies. On PostgreSQL a trigger refuses UPDATE and DELETE as well.

    ``private`` marks an event of a phase that belongs to one person alone (an AI draft before its
    asker submits it): it stays in the chain, but no reader of the log is shown it. It is set when
    the event is written and covered by the hash, so turning it on or off later breaks the chain too.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=60)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    private = models.BooleanField(default=False, db_default=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        who = self.actor_name or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.verb} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    def compute_hash(self):
        payload = {
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "verb": self.verb,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "category": self.category_id,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
            "prev_hash": self.prev_hash,
        }
        if self.private:
            # Only when set: every event written before the flag existed hashes as it always did.
            payload["private"] = True
        return audit_digest(audit_canonical(payload))
