"""The assistant's API representations. Every AI answer carries ``is_ai_generated`` and its
``disclaimer``; published AI posts in thread post lists carry theirs and ``reviewed_by``."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum.serializers import PostSerializer, text_field

from . import disclaimers
from .models import AIAnswer, AnswerSource, Approval
from .services import BODY_MAX, approvals_needed, body_hash
from .services.review import REASON_MAX


class AnswerSourceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    restricted = serializers.BooleanField(source="category.restricted", read_only=True)

    class Meta:
        model = AnswerSource
        fields = ["number", "cited", "role", "post", "thread", "title", "category", "restricted", "text"]
        read_only_fields = fields
        extra_kwargs = {"text": {"help_text": "The passage the engine was given (Markdown)."},
                        "cited": {"help_text": "False for a passage the engine was given but the text does not cite; "
                                               "it counts for the audience checks all the same."}}


class ApprovalSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    current = serializers.SerializerMethodField(help_text="False when the text changed after this approval.")

    class Meta:
        model = Approval
        fields = ["reviewer", "high_risk_authority", "current", "created_at"]
        read_only_fields = fields

    def get_current(self, approval) -> bool:
        return approval.body_hash == body_hash(approval.answer.body)


class ApprovalsNeededSerializer(serializers.Serializer):
    have = serializers.IntegerField()
    need = serializers.IntegerField()
    needs_security_reviewer = serializers.BooleanField()
    complete = serializers.BooleanField()


class AIAnswerSerializer(serializers.ModelSerializer):
    asker = serializers.CharField(source="asker.username", read_only=True)
    is_ai_generated = serializers.BooleanField(read_only=True)
    disclaimer = serializers.SerializerMethodField()
    risk_notice = serializers.SerializerMethodField(help_text="The high-risk banner text; empty for low risk.")
    sources = AnswerSourceSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    approvals_needed = serializers.SerializerMethodField()
    body_hash = serializers.SerializerMethodField(help_text="sha256 of body: send it with approve/ to approve "
                                                            "exactly the text you read.")

    class Meta:
        model = AIAnswer
        fields = [
            "id", "thread", "asker", "status", "audience", "is_ai_generated", "disclaimer", "body", "body_hash",
            "body_html",
            "original_body", "risk", "risk_reasons", "risk_notice", "sources", "approvals", "approvals_needed",
            "rating", "engine", "model_name", "error", "reject_reason", "retract_reason", "attention_reason",
            "published_post", "created_at", "generated_at", "submitted_at", "published_at", "retracted_at",
        ]
        read_only_fields = fields

    def get_disclaimer(self, answer) -> str:
        return disclaimers.disclaimer_for(answer.status)

    def get_risk_notice(self, answer) -> str:
        return disclaimers.high_risk_banner(answer.risk_reasons) if answer.risk == AIAnswer.Risk.HIGH else ""

    def get_body_hash(self, answer) -> str:
        return body_hash(answer.body)

    @extend_schema_field(ApprovalsNeededSerializer)
    def get_approvals_needed(self, answer):
        return approvals_needed(answer)


class AIAnswerStateSerializer(serializers.ModelSerializer):
    """The short answer to an asynchronous request: poll ``GET /ai-answers/{id}/`` for the rest."""

    class Meta:
        model = AIAnswer
        fields = ["id", "status"]
        read_only_fields = fields


class AnswerFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AIAnswer.Status.choices, required=False, allow_blank=True,
                                     help_text="Only answers in this state; empty or left out: all of them.")


class RegenerateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=AIAnswer.Audience.choices, default=AIAnswer.Audience.ASKER,
                                       help_text="asker: anything you may read; thread: only what the thread's "
                                                 "whole audience may read (needed to submit it).")


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=[AIAnswer.Rating.HELPFUL, AIAnswer.Rating.NOT_HELPFUL])


class ApproveSerializer(serializers.Serializer):
    body = text_field(max_length=BODY_MAX, required=False,
                      help_text="An edited text to approve instead (the original is kept).")
    body_hash = serializers.RegexField(r"^[0-9a-f]{64}$", required=False,
                                       help_text="The body_hash of the text you read: refused (409) if it changed "
                                                 "since. Needed, or a body, once another reviewer edited the text.")


class ReasonSerializer(serializers.Serializer):
    reason = text_field(max_length=REASON_MAX, help_text="Shown to the asker (and, on retraction, readers).")


class AIPostSerializer(PostSerializer):
    """A post in a thread's list; published AI posts also carry their disclaimer and reviewers."""

    disclaimer = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "disclaimer", "reviewed_by"]
        read_only_fields = fields

    def _answer(self, post):
        return self.context.get("ai_answers", {}).get(post.pk) if post.is_ai_generated else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_disclaimer(self, post):
        answer = self._answer(post)
        if not post.is_ai_generated:
            return None
        if post.hidden:  # withdrawn: retracted, or back in review after its sources left the audience
            return disclaimers.RETRACTED
        return disclaimers.disclaimer_for(answer.status if answer else "published")

    @extend_schema_field({"type": "array", "items": {"type": "string"}, "nullable": True})
    def get_reviewed_by(self, post):
        answer = self._answer(post)
        if answer is None:
            return None
        current = body_hash(answer.body)
        return [a.reviewer.username for a in answer.approvals.all() if a.body_hash == current]
