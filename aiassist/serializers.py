"""The assistant's API representations. Every AI answer carries ``is_ai_generated`` and its
``disclaimer``; published AI posts in thread post lists carry theirs and ``reviewed_by``."""
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum.serializers import PostSerializer, text_field

from . import disclaimers, selectors
from .models import AIAnswer, AnswerSource, Approval
from .policy import (
    cited_sources_for,
    load_current_categories,
    shown_category_to_readers,
    shown_confirmed_keys,
)
from .services import BODY_MAX, approvals_needed, body_hash
from .services.review import REASON_MAX


class AnswerSourceSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField(help_text="The slug of the category it was drafted from, when every "
                                                           "reader of the answer may read that one; otherwise of the "
                                                           "one its post is in now (null when it is gone).")
    restricted = serializers.SerializerMethodField(help_text="Whether that category is restricted (null without one).")

    class Meta:
        model = AnswerSource
        fields = ["number", "cited", "role", "post", "thread", "title", "category", "restricted", "text"]
        read_only_fields = fields
        extra_kwargs = {"text": {"help_text": "The passage the engine was given (Markdown)."},
                        "cited": {"help_text": "False for a passage the engine was given but the text does not cite; "
                                               "it counts for the audience checks all the same."}}

    def _shown(self, source):
        """``policy.shown_category_to_readers``: the API's views build an answer's representation from the answer
        alone, so what any reader of the answer may be shown, never a category some cannot read (round 39's rule, the
        review desk's and the asker's panel's too). Asked once per source and representation."""
        if "_shown_category" not in source.__dict__:
            source._shown_category = shown_category_to_readers(source.answer, source)
        return source._shown_category

    @extend_schema_field({"type": "string", "nullable": True})
    def get_category(self, source):
        shown = self._shown(source)
        return shown.slug if shown is not None else None

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_restricted(self, source):
        shown = self._shown(source)
        return shown.restricted if shown is not None else None


class ApprovalSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    current = serializers.SerializerMethodField(help_text="False when the text changed after this approval.")

    class Meta:
        model = Approval
        fields = ["reviewer", "high_risk_authority", "current", "counted", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"counted": {"help_text": "It counted when the answer was published: the published post "
                                                 "names its reviewer (one who no longer reviewed there did not)."}}

    def get_current(self, approval) -> bool:
        return approval.body_hash == body_hash(approval.answer.body)


class ApprovalsNeededSerializer(serializers.Serializer):
    have = serializers.IntegerField()
    need = serializers.IntegerField()
    needs_security_reviewer = serializers.BooleanField()
    complete = serializers.BooleanField()


class ClaimSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Identifies the claim while its text is unchanged: confirm it by this key.")
    text = serializers.CharField(help_text="The claim as the checker read it (citation markers left out).")
    # Plain strings, not enums: "kind" and "status" name other choice sets in the schema already.
    kind = serializers.CharField(help_text="sentence, list_item, code_block or command.")
    status = serializers.CharField(help_text="supported, weak, invented, contradicted or uncited.")
    reason = serializers.CharField(help_text="Why it has this status.")
    blocking = serializers.BooleanField(help_text="Invented or contradicted: blocks approval until edited away or "
                                                  "confirmed.")
    confirmed = serializers.BooleanField(help_text="A reviewer confirmed this blocking claim (confirm-claim/).")
    by_reviewer = serializers.BooleanField(help_text="Written by a reviewer in an edit, not by the engine: shown "
                                                     "with its status, never blocking.")
    citations = serializers.ListField(child=serializers.IntegerField(), help_text="The source numbers it cites.")
    passage = serializers.IntegerField(allow_null=True, help_text="The source number it rests on (for an uncited "
                                                                  "claim, the closest one); null when none.")
    passage_span = serializers.ListField(child=serializers.IntegerField(), allow_null=True, min_length=2,
                                         max_length=2, help_text="[start, end) of the matched span in that "
                                                                 "source's text.")
    matched = serializers.CharField(allow_null=True, help_text="The matched span's text.")
    start = serializers.IntegerField(help_text="Where the claim starts in body.")
    end = serializers.IntegerField(help_text="Where it ends in body.")


class GroundingSerializer(serializers.Serializer):
    checker = serializers.CharField(help_text="The checker's version.")
    summary = serializers.CharField(help_text='E.g. "9 of 11 claims supported; 1 invented command; 1 uncited".')
    unresolved = serializers.IntegerField(help_text="Blocking claims not confirmed: approving is refused (409) "
                                                    "while this is above 0.")
    confirmed = serializers.IntegerField(help_text="Blocking claims a reviewer confirmed.")
    claims = ClaimSerializer(many=True)


def grounding_data(answer) -> dict | None:
    """The answer's stored grounding as the API shows it (None before it was checked)."""
    data = answer.grounding or {}
    if "claims" not in data:
        return None
    confirmed = shown_confirmed_keys(answer)
    claims = []
    for item in data["claims"]:
        blocking = item.get("blocking", item["status"] in ("invented", "contradicted"))
        excerpt = item.get("excerpt")
        claims.append({
            "key": item["key"], "text": item["text"], "kind": item["kind"], "status": item["status"],
            "reason": item["reason"], "blocking": blocking, "confirmed": blocking and item["key"] in confirmed,
            "by_reviewer": item.get("by_reviewer", False),
            "citations": item["citations"], "passage": item["passage"], "passage_span": item["passage_span"],
            "matched": excerpt["match"] if excerpt else None, "start": item["start"], "end": item["end"],
        })
    return {"checker": data.get("checker", ""), "summary": data.get("summary", ""),
            "unresolved": len({c["key"] for c in claims if c["blocking"] and not c["confirmed"]}),
            "confirmed": len({c["key"] for c in claims if c["confirmed"]}), "claims": claims}


class AIAnswerListSerializer(serializers.ListSerializer):
    """Loads what the sources of every answer listed may need to name the category they are in now in one query
    (``policy.load_current_categories``), not one per answer."""

    def to_representation(self, data):
        answers = list(data.all() if hasattr(data, "all") else data)
        load_current_categories([source for answer in answers if "sources" in getattr(
            answer, "_prefetched_objects_cache", {}) for source in answer.sources.all()])
        return super().to_representation(answers)


class EarlierVerdictSerializer(serializers.Serializer):
    """Another answer of the same thread that reviewers rejected or retracted (``selectors.earlier_verdicts``)."""

    answer = serializers.IntegerField(source="answer.pk")
    verdict = serializers.ChoiceField(choices=["rejected", "retracted"])
    at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    same_text = serializers.BooleanField(help_text="This answer's text is the same as that one's.")


class AIAnswerSerializer(serializers.ModelSerializer):
    asker = serializers.CharField(source="asker.username", read_only=True)
    is_ai_generated = serializers.BooleanField(read_only=True)
    declined = serializers.BooleanField(read_only=True, help_text="The draft says nothing the asker can read answers "
                                                                  "the question: it has no sources and cannot be "
                                                                  "submitted for review.")
    disclaimer = serializers.SerializerMethodField()
    risk_notice = serializers.SerializerMethodField(help_text="The high-risk banner text; empty for low risk.")
    sources = AnswerSourceSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    approvals_needed = serializers.SerializerMethodField()
    body_hash = serializers.SerializerMethodField(help_text="sha256 of body: send it with approve/ to approve "
                                                            "exactly the text you read.")
    grounding = serializers.SerializerMethodField(help_text="Every claim of body checked against the sources it "
                                                            "cites; null before the answer is drafted.")
    earlier_verdicts = serializers.SerializerMethodField(
        help_text="Other answers of the thread that reviewers rejected or retracted, the same text first, as the "
                  "review desk lists them; in an answer's own representation only (null in lists).")
    # Declared so that the schema allows "" (no reason yet): a read-only model field loses allow_blank.
    reject_code = serializers.ChoiceField(choices=AIAnswer.Reason.choices, allow_blank=True, read_only=True)
    retract_code = serializers.ChoiceField(choices=AIAnswer.Reason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AIAnswer
        fields = [
            "id", "thread", "asker", "status", "audience", "is_ai_generated", "declined", "disclaimer", "body",
            "body_hash",
            "body_html",
            "original_body", "risk", "risk_reasons", "risk_notice", "sources", "approvals", "approvals_needed",
            "rating", "engine", "model_name", "error", "reject_reason", "reject_code", "retract_reason", "retract_code",
            "attention_reason",
            "published_post", "created_at", "generated_at", "submitted_at", "published_at", "retracted_at",
            "grounding", "earlier_verdicts",
        ]
        read_only_fields = fields
        list_serializer_class = AIAnswerListSerializer

    def to_representation(self, answer):
        if "sources" in getattr(answer, "_prefetched_objects_cache", {}):  # listed: loaded already, no query
            load_current_categories(answer.sources.all())
        return super().to_representation(answer)

    def get_disclaimer(self, answer) -> str:
        return disclaimers.disclaimer_for(answer.status)

    def get_risk_notice(self, answer) -> str:
        return disclaimers.risk_notice(answer)

    def get_body_hash(self, answer) -> str:
        return body_hash(answer.body)

    @extend_schema_field(ApprovalsNeededSerializer)
    def get_approvals_needed(self, answer):
        return approvals_needed(answer)

    @extend_schema_field(GroundingSerializer(allow_null=True))
    def get_grounding(self, answer):
        return grounding_data(answer)

    @extend_schema_field(EarlierVerdictSerializer(many=True, allow_null=True))
    def get_earlier_verdicts(self, answer):
        verdicts = self.context.get("earlier_verdicts")
        return None if verdicts is None else EarlierVerdictSerializer(verdicts, many=True).data


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
                                       help_text="The body_hash of the text you read (with a body, of the text "
                                                 "your edit started from): refused (409, code text_changed) if it "
                                                 "changed since. Needed once another reviewer edited the text.")


class EditSerializer(serializers.Serializer):
    body = text_field(max_length=BODY_MAX, help_text="The edited text (the machine's original is kept). Its claims "
                                                     "are checked again; approvals of the old text no longer count.")
    body_hash = serializers.RegexField(r"^[0-9a-f]{64}$",
                                       help_text="The body_hash of the text your edit started from: refused (409, "
                                                 "code text_changed) if it changed since.")


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=AIAnswer.Reason.choices, required=False,
        help_text="Why, from a fixed list (counted per category on the reviewers' metrics page). Left out: "
                  "\"other\", as before codes existed, and then reason is required.")
    reason = text_field(max_length=REASON_MAX, required=False,
                        help_text="Shown to the asker (and, on retraction, readers). Required when code is "
                                  "\"other\" or left out; otherwise optional (the code's label stands in).")


class ReasonSchema(OpenApiSerializerExtension):
    """The schema says what the services enforce (review._coded_reason): a reason, or a code other than
    "other"; neither is refused with 400, so a body such as {} is not valid input."""

    target_class = ReasonSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        # Under "not", where drf-spectacular's enum hook does not look (it would widen the enum to all codes).
        other = {"properties": {"code": {"enum": [AIAnswer.Reason.OTHER.value]}}}
        schema["anyOf"] = [{"required": ["reason"]}, {"required": ["code"], "not": other}]
        return schema


class ConfirmClaimSerializer(serializers.Serializer):
    key = serializers.RegexField(r"^[0-9a-f]{16}$", help_text="The claim's key (grounding.claims[].key).",
                                 error_messages={"invalid": "A claim key is 16 hexadecimal digits."})
    reason = text_field(max_length=REASON_MAX, help_text="Why the claim may stand although its sources do not "
                                                         "support it; kept in the audit log.")


class PublishedSourceSerializer(serializers.Serializer):
    """A source a published AI post cites, as the thread page lists it under the post: what its ``[n]`` names."""

    number = serializers.IntegerField(help_text="The [n] the post's body cites it by.")
    title = serializers.CharField(help_text="Its thread's title when the answer was drafted.")
    category = serializers.CharField(source="shown_category.name", help_text="Its category when the answer was "
                                     "drafted, as its review desk shows it; where it is now for a caller who may not "
                                     "read that one.")
    thread = serializers.IntegerField(source="thread_id")
    post = serializers.IntegerField(source="post_id")


class AIPostSerializer(PostSerializer):
    """A post in a thread's list; published AI posts also carry their disclaimer, reviewers and cited sources."""

    disclaimer = serializers.SerializerMethodField()
    risk_notice = serializers.SerializerMethodField(help_text="The high-risk banner the thread page shows above a "
                                                    "published AI post; empty for low risk, null for other posts.")
    claims_notice = serializers.SerializerMethodField(help_text="That a reviewer let claims stand that no source "
                                                      "supports, as the thread page says it; empty if none.")
    edited_in_review = serializers.SerializerMethodField(help_text="A reviewer edited the machine's text before it "
                                                         "was published; null for other posts.")
    attention_notice = serializers.SerializerMethodField(help_text="That reviewers are checking the published answer "
                                                         "again (a reader reported it, or a post it cites changed), "
                                                         "as the thread page says it; empty if not.")
    reviewed_by = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "disclaimer", "risk_notice", "claims_notice", "attention_notice",
                  "edited_in_review", "reviewed_by", "sources"]
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

    # What the thread page shows beside a published AI post's text, the API gives beside the same text (round 43's
    # review: a REST client read high-risk advice under the plain published disclaimer). Null where the text is not
    # shown (a withdrawn post's body is empty) or not an AI answer's.
    @extend_schema_field({"type": "string", "nullable": True})
    def get_risk_notice(self, post):
        answer = self._answer(post)
        return None if answer is None or post.hidden else disclaimers.risk_notice(answer)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_claims_notice(self, post):
        answer = self._answer(post)
        return None if answer is None or post.hidden else disclaimers.claims_confirmed_notice(answer)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_attention_notice(self, post):
        answer = self._answer(post)
        return None if answer is None or post.hidden else disclaimers.attention_notice(answer)

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_edited_in_review(self, post):
        answer = self._answer(post)
        return None if answer is None or post.hidden else answer.edited_by_id is not None

    @extend_schema_field({"type": "array", "items": {"type": "string"}, "nullable": True})
    def get_reviewed_by(self, post):
        answer = self._answer(post)
        if answer is None or post.hidden:  # a withdrawn post names nobody, as its placeholder on the page
            return None
        return selectors.named_reviewers(answer)

    @extend_schema_field(PublishedSourceSerializer(many=True, allow_null=True))
    def get_sources(self, post):
        """What each ``[n]`` of a published AI post names, as the page lists it: the cited sources the caller can
        open (one may have moved since), none of the passages the reviewers were given but the text does not cite.
        An API reader got the markers with nothing to tell what they named (round 39's review)."""
        answer = self._answer(post)
        if answer is None or post.hidden:
            return None
        return PublishedSourceSerializer(cited_sources_for(self.context["request"].user, answer), many=True).data


class RetractedAnswerSerializer(serializers.ModelSerializer):
    """What a retraction tells a caller who may withdraw the answer but not read it (a category moderator or an
    administrator who does not review the category): that it is done, and where; nothing of the answer's text,
    sources or grounding. Its reviewers get the whole answer (AIAnswer)."""

    retract_code = serializers.ChoiceField(choices=AIAnswer.Reason.choices, allow_blank=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="Where the withdrawn post stood in its thread (a "
                                                      "placeholder says it was withdrawn).")

    class Meta:
        model = AIAnswer
        fields = ["id", "thread", "status", "published_post", "retracted_at", "retract_reason", "retract_code", "url"]
        read_only_fields = fields

    def get_url(self, answer) -> str:
        thread = reverse("forum:thread", args=[answer.thread_id])
        return f"{thread}?post={answer.published_post_id}#post-{answer.published_post_id}"


class RetractedAnswerSchema(OpenApiSerializerExtension):
    """No other property: so that a full answer (AIAnswer) never also matches this shape, and the retract
    response's oneOf of the two says exactly which one a caller gets."""

    target_class = RetractedAnswerSerializer

    def map_serializer(self, auto_schema, direction):
        return {**auto_schema._map_basic_serializer(self.target, direction), "additionalProperties": False}
