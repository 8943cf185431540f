"""The forum API's shapes: input serializers parse and type-check requests, output serializers
render what the selectors returned. No rule lives here: services validate content, policy decides
access."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework import serializers

from . import policy
from .models import AuditEvent, Category, Notification, Post, Thread

User = get_user_model()

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


class CategoryCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True,
                                 help_text="Derived from the name when left out.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    restricted = serializers.BooleanField(required=False, default=False)
    position = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)


class CategoryUpdateSerializer(serializers.Serializer):
    """PATCH: any of these. The slug is the category's address and cannot change."""

    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    restricted = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)

    def validate(self, attrs):
        if "slug" in self.initial_data:
            raise serializers.ValidationError({"slug": ["The slug cannot be changed: links and clients use it."]})
        if not attrs:
            raise serializers.ValidationError("Send at least one of: " + ", ".join(self.fields) + ".")
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


class MeSerializer(serializers.ModelSerializer):
    is_admin = serializers.BooleanField(source="is_superuser", read_only=True)
    groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    categories = CategoryAccessSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "is_admin", "groups", "categories"]
        read_only_fields = fields


# Grants ----------------------------------------------------------------------------------------


class GrantSerializer(serializers.Serializer):
    """One object permission on a category, held by a user or a group (the other is null).

    ``id`` is ``u<row id>`` for a user's grant and ``g<row id>`` for a group's: the two live in two
    tables (guardian's direct foreign-key models), whose row ids overlap."""

    id = serializers.CharField(read_only=True)
    user = serializers.CharField(read_only=True, allow_null=True)
    group = serializers.CharField(read_only=True, allow_null=True)
    permission = serializers.CharField(read_only=True)


class GrantCreateSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False,
        error_messages={"does_not_exist": "No user named “{value}”."}, help_text="A username (or give a group).")
    group = serializers.SlugRelatedField(
        slug_field="name", queryset=Group.objects.all(), required=False,
        error_messages={"does_not_exist": "No group named “{value}”."}, help_text="A group name (or give a user).")
    permission = serializers.ChoiceField(
        choices=policy.CATEGORY_PERMISSIONS,
        error_messages={"invalid_choice": "“{input}” is not a category permission. Use one of: "
                                          + ", ".join(policy.CATEGORY_PERMISSIONS) + "."})

    def validate(self, attrs):
        if ("user" in attrs) == ("group" in attrs):
            raise serializers.ValidationError("Give either a user or a group, not both and not neither.")
        return attrs


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
    category = serializers.CharField(required=False, help_text="A category slug.")
    q = serializers.CharField(required=False, max_length=200, help_text="Words the title contains.")


class ThreadStartSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=100, help_text="The slug of a category you may post in.")
    title = serializers.CharField(max_length=1000)
    body = serializers.CharField(trim_whitespace=False, help_text="Markdown.")


class PostSerializer(serializers.ModelSerializer):
    """A post as its thread shows it. Published AI posts are posts too (``is_ai_generated``); the
    assistant's API extends this serializer with their disclaimer and reviewers."""

    author = serializers.CharField(source="author.username", read_only=True)
    edited_by = serializers.CharField(source="edited_by.username", read_only=True, allow_null=True, default=None)
    is_ai_generated = serializers.BooleanField(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "thread", "author", "kind", "is_ai_generated", "body", "body_html", "created_at",
                  "edited_at", "edited_by", "hidden", "hidden_reason"]
        read_only_fields = fields


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, help_text="Markdown.")


# Search ----------------------------------------------------------------------------------------


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=500, help_text="Any words; posts matching more of them rank higher.")
    category = serializers.CharField(required=False, help_text="Only this category (a slug).")


class ThreadRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thread
        fields = ["id", "title"]
        read_only_fields = fields


class SearchHitSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="post.pk")
    thread = ThreadRefSerializer(source="post.thread")
    category = CategoryRefSerializer(source="post.thread.category")
    author = serializers.CharField(source="post.author.username")
    is_ai_generated = serializers.BooleanField(source="post.is_ai_generated")
    created_at = serializers.DateTimeField(source="post.created_at")
    rank = serializers.FloatField()
    snippet = serializers.CharField(help_text="Plain text around the first match (not HTML).")


# Notifications and the audit log --------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
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
    verb = serializers.CharField(required=False, max_length=60, help_text="e.g. grant.add")
    actor = serializers.CharField(required=False, max_length=150, help_text="A username.")
    target_type = serializers.CharField(required=False, max_length=60, help_text="e.g. forum.thread")
    category = serializers.CharField(required=False, max_length=100, help_text="A category slug.")


# Tokens ----------------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
