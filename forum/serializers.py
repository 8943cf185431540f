"""The forum API's shapes: input serializers parse and type-check requests, output serializers
render what the selectors returned. No rule lives here: services validate content, policy decides
access."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from rest_framework import serializers

from . import policy
from .models import AuditEvent, Category, Notification, Post, Thread
from .text import CONTROL_CHARACTERS, has_control_characters

User = get_user_model()

# JSON input ------------------------------------------------------------------------------------
# DRF's fields coerce: a CharField takes 12 and 3.5, an IntegerField "7" and 7.0, a BooleanField
# "yes", 1 and "off". Request bodies are JSON, and the schema promises JSON types: these fields take
# their own type only. The patterns say in the schema what the services refuse, and refuse it here
# first (a NUL character never reaches the database; text must have something besides spaces).

ANY_TEXT = r"^[^\u0000]*$"
NON_EMPTY_TEXT = r"^[^\u0000]+$"
# Text people write: no control character but tab and line breaks (forum.text), and something that is
# not blank. The blanks are spelled out, never \s or \S: those name different sets in Python's re and
# in ECMA-262, the dialect schema readers use. These are the ones both count (U+FEFF only ECMA-262 does).
BLANK = r"\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
SOME_TEXT = rf"^[{BLANK}]*[^{CONTROL_CHARACTERS}{BLANK}][^{CONTROL_CHARACTERS}]*$"
CONTROL_MESSAGE = "Control characters are not allowed (tab and line breaks are)."


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class SomeTextValidator(RegexValidator):
    """``SOME_TEXT`` (which the schema shows), saying which half of it a value missed."""

    def __init__(self, message: str):
        super().__init__(SOME_TEXT, message)

    def __call__(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(CONTROL_MESSAGE, code=self.code)
        super().__call__(value)


def text_field(*, max_length: int, pattern: str = SOME_TEXT, message: str = "Write something besides spaces.",
               **kwargs) -> StrictCharField:
    """Text as sent (the services normalise spaces): at most ``max_length`` characters, no NUL, and by
    default some non-blank character and no control characters but tab and line breaks."""
    blank = pattern == ANY_TEXT
    # When blank is allowed the schema gives it as its own oneOf branch: the pattern must then not
    # match the empty string as well (validators never see a blank value).
    validator = SomeTextValidator(message) if pattern == SOME_TEXT else RegexValidator(
        NON_EMPTY_TEXT if blank else pattern, message)
    return StrictCharField(max_length=max_length, trim_whitespace=False, allow_blank=blank, validators=[validator],
                           **kwargs)


def reference(*, max_length: int, help_text: str, **kwargs) -> StrictCharField:
    """Something named exactly (a slug, a username): looked up as sent, unknown names answer 404."""
    return StrictCharField(max_length=max_length, trim_whitespace=False, help_text=help_text,
                           validators=[RegexValidator(ANY_TEXT, "Names contain no NUL characters.")], **kwargs)


def query_text(*, max_length: int, **kwargs) -> serializers.CharField:
    """A query-string filter: any text without NUL; empty means no filter.

    The pattern needs one character: the schema states "blank" as its own alternative (``oneOf``),
    and an empty value must match exactly one of the two.
    """
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, trim_whitespace=False,
                                 validators=[RegexValidator(NON_EMPTY_TEXT, "Text cannot contain NUL characters.")],
                                 **kwargs)


# Categories ------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "description", "restricted", "position", "thread_count", "post_count",
                  "last_post_at"]
        read_only_fields = fields


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "restricted"]
        read_only_fields = fields


# A slug is made from the name (or the slug given) by keeping its letters and digits: it needs one.
NAME = r"^[^\u0000]*[A-Za-z0-9][^\u0000]*$"
SLUG = r"^[-_A-Za-z0-9]*[A-Za-z0-9][-_A-Za-z0-9]*$"


def category_name(**kwargs) -> StrictCharField:
    return text_field(max_length=100, pattern=NAME, message="Use at least one letter or digit (A-Z, 0-9).",
                      **kwargs)


class CategoryCreateSerializer(serializers.Serializer):
    name = category_name(help_text="At least one letter or digit (A-Z, 0-9): the slug is made from it.")
    slug = StrictCharField(
        max_length=100, required=False, allow_blank=True, trim_whitespace=False,
        validators=[RegexValidator(SLUG, "Letters, digits, hyphens and underscores, with a letter or digit.")],
        help_text="Derived from the name when left out or empty.")
    description = text_field(max_length=10_000, pattern=ANY_TEXT, message="No NUL characters.", required=False,
                             default="")
    restricted = StrictBooleanField(required=False, default=False)
    position = StrictIntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)


class CategoryUpdateSerializer(serializers.Serializer):
    """PATCH: any of these (none changes nothing). The slug is the category's address and cannot change."""

    name = category_name(required=False)
    description = text_field(max_length=10_000, pattern=ANY_TEXT, message="No NUL characters.", required=False)
    restricted = StrictBooleanField(required=False)
    position = StrictIntegerField(required=False, min_value=0, max_value=2**31 - 1)

    def validate(self, attrs):
        if "slug" in self.initial_data:
            raise serializers.ValidationError({"slug": ["The slug cannot be changed: links and clients use it."]})
        return attrs


class CategoryAccessSerializer(serializers.ModelSerializer):
    """A category the caller can see, and what the caller may do there (``policy.Access``)."""

    can_view = serializers.BooleanField(read_only=True)
    can_post = serializers.BooleanField(read_only=True)
    can_moderate = serializers.BooleanField(read_only=True)
    can_review = serializers.BooleanField(read_only=True)
    can_approve_high_risk = serializers.BooleanField(read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "restricted", "can_view", "can_post", "can_moderate", "can_review",
                  "can_approve_high_risk"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    is_admin = serializers.BooleanField(help_text="Manages categories and grants, reads the audit log.")
    groups = serializers.ListField(child=serializers.CharField())
    categories = CategoryAccessSerializer(many=True, help_text="Every category the caller can see.")


# Grants ----------------------------------------------------------------------------------------


class GrantSerializer(serializers.Serializer):
    """One object permission on a category, held by a user or a group (the other is null).

    ``id`` is ``u<row id>`` for a user's grant and ``g<row id>`` for a group's: the two live in two
    tables (guardian's direct foreign-key models), whose row ids overlap."""

    id = serializers.CharField(read_only=True)
    user = serializers.CharField(read_only=True, allow_null=True)
    group = serializers.CharField(read_only=True, allow_null=True)
    permission = serializers.CharField(read_only=True)


def _holder(what: str, **kwargs) -> StrictCharField:
    return reference(max_length=150, help_text=f"A {what} name, exactly.", **kwargs)


def _permission() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=policy.CATEGORY_PERMISSIONS,
        error_messages={"invalid_choice": "“{input}” is not a category permission. Use one of: "
                                          + ", ".join(policy.CATEGORY_PERMISSIONS) + "."})


class GrantCreateSerializer(serializers.Serializer):
    """Either a user or a group, and the permission. The schema gives the two shapes as ``oneOf``
    (``UserGrantCreate``, ``GroupGrantCreate``); the view looks the holder up (404 when unknown)."""

    user = _holder("user", required=False)
    group = _holder("group", required=False)
    permission = _permission()

    def validate(self, attrs):
        if ("user" in attrs) == ("group" in attrs):
            raise serializers.ValidationError("Give either a user or a group, not both and not neither.")
        return attrs


class UserGrantCreateSerializer(serializers.Serializer):
    user = _holder("user")
    permission = _permission()


class GroupGrantCreateSerializer(serializers.Serializer):
    group = _holder("group")
    permission = _permission()


# Threads and posts -----------------------------------------------------------------------------


class ThreadSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    accepted_post = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Thread
        fields = ["id", "category", "title", "author", "created_at", "last_post_at", "post_count", "locked",
                  "accepted_post"]
        read_only_fields = fields


class ThreadFilterSerializer(serializers.Serializer):
    category = query_text(max_length=100, help_text="A category slug.")
    q = query_text(max_length=200, help_text="Words the title contains (all of them, any case).")


class ThreadStartSerializer(serializers.Serializer):
    category = reference(max_length=100, help_text="The slug of a category you may post in.")
    title = text_field(max_length=200, help_text="Spaces are collapsed.")
    body = text_field(max_length=50_000, help_text="Markdown.")


class PostSerializer(serializers.ModelSerializer):
    """A post as its thread shows it. Published AI posts are posts too (``is_ai_generated``); the
    assistant's API extends this serializer with their disclaimer and reviewers."""

    author = serializers.CharField(source="author.username", read_only=True)
    edited_by = serializers.CharField(source="edited_by.username", read_only=True, allow_null=True, default=None)
    is_ai_generated = serializers.BooleanField(read_only=True)
    helpful_count = serializers.IntegerField(read_only=True, help_text="How many readers marked the post helpful.")

    class Meta:
        model = Post
        fields = ["id", "thread", "author", "kind", "is_ai_generated", "body", "body_html", "created_at",
                  "edited_at", "edited_by", "hidden", "hidden_reason", "helpful_count"]
        read_only_fields = fields
        extra_kwargs = {"body": {"help_text": "Markdown; empty for a withdrawn (hidden) AI post, for every caller."},
                        "body_html": {"help_text": "Empty for a withdrawn (hidden) AI post, for every caller."}}

    def to_representation(self, post):
        data = super().to_representation(post)
        if post.is_ai_generated and post.hidden:
            # Withdrawn machine text is shown to nobody in the thread, moderators included (thread_posts.html): it may
            # quote posts its thread's readers can no longer read. Reviewers read it through the answer.
            data["body"] = data["body_html"] = ""
        return data


class VoteSerializer(serializers.Serializer):
    """The caller's helpful vote on a post, after the change."""

    post = serializers.IntegerField(read_only=True)
    voted = serializers.BooleanField(read_only=True, help_text="Whether the caller now finds the post helpful.")
    helpful_count = serializers.IntegerField(read_only=True)


class ReplySerializer(serializers.Serializer):
    body = text_field(max_length=50_000, help_text="Markdown.")


# Editing and moderating (the web's edit, hide, lock, move, accept and watch forms) ------------------------------

ROW_ID_MAX = 2**63 - 1  # a database row id: larger numbers name nothing (and would overflow the query)


class PostEditSerializer(serializers.Serializer):
    body = text_field(max_length=50_000, help_text="Markdown: the post's whole new text.")
    title = text_field(max_length=200, required=False,
                       help_text="The thread's new title: only with the thread's opening post (spaces are collapsed).")


class ModerationReasonSerializer(serializers.Serializer):
    reason = text_field(max_length=500, pattern=ANY_TEXT, message="No NUL characters.", required=False, default="",
                        help_text="Why, for the audit log and the post's placeholder (hiding only).")


class ThreadMoveSerializer(serializers.Serializer):
    category = reference(max_length=100, help_text="The slug of the category to move the thread to.")


class AcceptSerializer(serializers.Serializer):
    post = serializers.IntegerField(min_value=1, max_value=ROW_ID_MAX, allow_null=True,
                                    help_text="A reply of the thread to mark as its accepted answer; null clears it.")


class WatchSerializer(serializers.Serializer):
    """Whether the caller watches the thread (hears of its new posts), after the change."""

    thread = serializers.IntegerField(read_only=True)
    watching = serializers.BooleanField(read_only=True)


# Search ----------------------------------------------------------------------------------------


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=500, trim_whitespace=False,
                              validators=[RegexValidator(SOME_TEXT, "Search for something besides spaces.")],
                              help_text="Any words; posts matching more of them rank higher.")
    category = query_text(max_length=100, help_text="Only this category (a slug).")


class ThreadRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thread
        fields = ["id", "title"]
        read_only_fields = fields


# Notifications and the audit log --------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    # As the notifications page shows it: a warning about a thread the caller can no longer read, in its fallback
    # words and without its link (``Notification.fallback_text``).
    text = serializers.CharField(source="shown_text", read_only=True)
    url = serializers.CharField(source="shown_url", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "text", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: only unread; false: only read.")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True, help_text="Empty for the system.")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "verb", "target_type", "target_id", "category", "data", "prev_hash",
                  "hash"]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    verb = query_text(max_length=60, help_text="e.g. grant.add")
    actor = query_text(max_length=150, help_text="A username.")
    target_type = query_text(max_length=60, help_text="e.g. forum.thread")
    category = query_text(max_length=100, help_text="A category slug.")


# Tokens ----------------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
