"""The assistant's JSON API: the kill switch, and asking for a private draft when starting a thread.

Builds on ``forum.api`` (the dependency points one way): ``AskingThreadViewSet`` is the forum's
thread endpoint plus ``ask_assistant``, wired in ``config.api_urls`` in its place.
"""
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from common.api import ERROR_BODY_REF, error_body, error_response
from common.exceptions import NotFound, RateLimited
from forum import policy as forum_policy
from forum import selectors as forum_selectors
from forum import services as forum_services
from forum.api import NO_CATEGORY, PostViewSet, ThreadViewSet, parse
from forum.serializers import StrictBooleanField, ThreadSerializer, ThreadStartSerializer, reference

from . import policy, selectors, services
from . import policy as ai_policy
from .models import AIAnswer, AnswerSource, Approval
from .serializers import (
    AIAnswerSerializer,
    AIAnswerStateSerializer,
    AIPostSerializer,
    AnswerFilterSerializer,
    ApproveSerializer,
    ConfirmClaimSerializer,
    EditSerializer,
    FeedbackSerializer,
    ReasonSerializer,
    RegenerateSerializer,
    RetractedAnswerSerializer,
)

# Starting a thread with a private AI draft -------------------------------------------------------


class AskingThreadStartSerializer(ThreadStartSerializer):
    ask_assistant = StrictBooleanField(
        required=False, default=False,
        help_text="Also ask the assistant for a private draft answer that only you can see.")


class StartedThreadSerializer(ThreadSerializer):
    ai_answer = serializers.SerializerMethodField(help_text="The requested AI answer's id, when asked.")
    ai_answer_error = serializers.SerializerMethodField(
        help_text="Why no draft was requested (assistant paused, quota used up); the thread was posted anyway.")

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "ai_answer", "ai_answer_error"]
        read_only_fields = fields

    def get_ai_answer(self, thread) -> int | None:
        return self.context.get("ai_answer")

    @extend_schema_field({"allOf": [ERROR_BODY_REF], "nullable": True})
    def get_ai_answer_error(self, thread):
        return self.context.get("ai_answer_error")


class AskingThreadViewSet(ThreadViewSet):
    """The forum's threads, plus ``ask_assistant`` on start and ``POST /threads/{id}/ai-answers/``."""

    start_serializer_class = AskingThreadStartSerializer

    @extend_schema(summary="Start a thread, optionally asking for a private AI draft",
                   request=AskingThreadStartSerializer,
                   responses={201: StartedThreadSerializer, 404: error_response(404, NO_CATEGORY)})
    def create(self, request):
        return super().create(request)

    @extend_schema(summary="Ask for a private AI draft about the thread (only you will see it)", request=None,
                   responses={202: AIAnswerStateSerializer, 404: error_response(404),
                              409: error_response(409, "The assistant is paused."),
                              429: error_response(429, "The hourly quota is used up (see Retry-After).")},
                   tags=["ai-answers"])
    @action(detail=True, methods=["post"], url_path="ai-answers")
    def ai_answers(self, request, pk):
        thread = forum_selectors.thread_for_user(request.user, pk)
        answer = services.answer_request(acting_user=request.user, thread=thread)
        return Response(AIAnswerStateSerializer(answer).data, status=status.HTTP_202_ACCEPTED)

    def thread_started(self, thread, params):
        # As on the web page: a paused assistant or a used-up quota does not lose the question.
        answer_id = error = None
        if params["ask_assistant"]:
            try:
                with transaction.atomic():
                    answer_id = services.answer_request(acting_user=self.request.user, thread=thread).pk
            except (services.AssistantPaused, RateLimited) as exc:
                error = error_body(exc.code, f"{exc.message} Your question was posted.")["error"]
        return StartedThreadSerializer(thread, context={"ai_answer": answer_id, "ai_answer_error": error}).data


# The kill switch ---------------------------------------------------------------------------------


class AssistantSwitchSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="False pauses the assistant everywhere.")
    disabled_categories = serializers.ListField(
        child=serializers.SlugField(), help_text="Slugs of the categories where the assistant is paused.")


class AssistantSwitchUpdateSerializer(serializers.Serializer):
    enabled = StrictBooleanField(required=False)
    disabled_categories = serializers.ListField(
        child=reference(max_length=100, help_text="A category slug."), required=False, max_length=1000,
        help_text="Replaces the list: the slugs of the categories where the assistant is paused.")


class ConfiguresAssistant(BasePermission):
    message = "Only administrators can pause or resume the assistant."

    def has_permission(self, request, view):
        return request.method in ("GET", "HEAD") or policy.can_configure_assistant(request.user)


class AssistantView(APIView):
    permission_classes = [IsAuthenticated, ConfiguresAssistant]

    @staticmethod
    def _render(user, switch) -> dict:
        # A restricted category's slug is not for everyone: list the ones the caller can see.
        paused = switch.disabled_categories.filter(pk__in=forum_policy.visible_categories(user).values("pk"))
        return AssistantSwitchSerializer({
            "enabled": switch.enabled,
            "disabled_categories": list(paused.order_by("slug").values_list("slug", flat=True)),
        }).data

    @extend_schema(summary="The assistant's kill switch", responses=AssistantSwitchSerializer, tags=["assistant"])
    def get(self, request):
        return Response(self._render(request.user, services.assistant_switch()))

    @extend_schema(summary="Pause or resume the assistant, everywhere or per category (administrators)",
                   request=AssistantSwitchUpdateSerializer,
                   responses={200: AssistantSwitchSerializer,
                              404: error_response(404, "A category named in disabled_categories is unknown or one "
                                                       "the caller may not see.")},
                   tags=["assistant"])
    def patch(self, request):
        params = parse(AssistantSwitchUpdateSerializer, request.data)
        categories = None
        if "disabled_categories" in params:
            slugs = set(params["disabled_categories"])
            categories = list(forum_policy.visible_categories(request.user).filter(slug__in=slugs))
            unknown = sorted(slugs - {c.slug for c in categories})
            if unknown:
                message = f"No such category: {', '.join(unknown)}."
                raise NotFound(message, details={"disabled_categories": [message]})
        switch = services.assistant_configure(acting_user=request.user, enabled=params.get("enabled"),
                                              disabled_categories=categories)
        return Response(self._render(request.user, switch))


# AI answers --------------------------------------------------------------------------------------

ANSWER_NOT_FOUND = "No such answer, or one the caller may not see (a private draft is its asker's alone)."


def _answers(queryset):
    """With everything the representation shows: 4 queries for any number of answers."""
    return queryset.select_related("thread", "thread__category", "asker", "published_post").prefetch_related(
        Prefetch("sources", AnswerSource.objects.select_related("category")),
        Prefetch("approvals", ai_policy.standing_approvals(Approval.objects.select_related("reviewer"))),
        ai_policy.prefetch_standing_confirmations())


@forum_services.rebuilt_if_withdrawn
def _detail(request, answer) -> dict:
    """The answer as it is now (after the service's changes), with its sources and approvals, when the caller
    may read it; otherwise only that the verb took effect (``RetractedAnswerSerializer``). Only retract/
    acts for someone who may not read the answer (its category's moderators and administrators); every
    other verb fetches the answer only for those who may, and leaves it in their sight. A HEAD request is shown
    nothing and records nothing (``posts_mark_shown``)."""
    user = request.user
    if not ai_policy.can_view_answer(user, answer):
        return RetractedAnswerSerializer(answer).data
    shown = _answers(AIAnswer.objects.filter(pk=answer.pk)).get()
    if shown.status == AIAnswer.Status.PUBLISHED and shown.published_post_id:
        # A reviewer reading a published answer here has read the post: a retraction must reach them too.
        forum_services.posts_mark_shown(request, [shown.published_post])
    # As the review desk lists them (round 43): a REST reviewer reads why the thread's earlier answers were turned down.
    return AIAnswerSerializer(shown, context={"earlier_verdicts": selectors.earlier_verdicts(user, shown)}).data


CONFLICT = "The answer is not in a state that allows this."

RETRACT_RESULT = PolymorphicProxySerializer(
    component_name="RetractResult", resource_type_field_name=None, many=False,
    serializers=[AIAnswerSerializer, RetractedAnswerSerializer])


def _verb(summary, request_serializer=None, *, accepted=False, conflict=CONFLICT, ok=AIAnswerSerializer):
    responses = {(202 if accepted else 200): AIAnswerStateSerializer if accepted else ok,
                 403: error_response(403), 404: error_response(404, ANSWER_NOT_FOUND),
                 409: error_response(409, conflict)}
    return extend_schema(summary=summary, request=request_serializer, responses=responses, tags=["ai-answers"])


@extend_schema_view(
    list=extend_schema(summary="Your own AI answers, newest first", parameters=[AnswerFilterSerializer],
                       tags=["ai-answers"]),
    retrieve=extend_schema(summary="One AI answer (its asker; the category's reviewers once submitted)",
                           responses={200: AIAnswerSerializer, 404: error_response(404, ANSWER_NOT_FOUND)},
                           tags=["ai-answers"]),
)
class AIAnswerViewSet(GenericViewSet):
    serializer_class = AIAnswerSerializer
    lookup_value_converter = "int"
    ordering = ("-created_at", "-id")

    def get_answer(self, pk):
        return selectors.answer_for_user(self.request.user, pk)

    def list(self, request):
        params = parse(AnswerFilterSerializer, request.query_params)
        answers = _answers(ai_policy.own_answers(request.user))
        if params.get("status"):
            answers = answers.filter(status=params["status"])
        page = self.paginate_queryset(answers)
        return self.get_paginated_response(AIAnswerSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(_detail(request, self.get_answer(pk)))

    @_verb("Submit your draft for review in the thread", conflict="Not a draft, a draft that found no answer "
                                                                   "(nothing to review), it cites posts outside "
                                                                   "the thread's audience (details.sources), or "
                                                                   "the question or a source changed since it was "
                                                                   "drafted (code draft_outdated; details.changed).")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        answer = services.answer_submit(acting_user=request.user, answer=self.get_answer(pk))
        return Response(_detail(request, answer))

    @_verb("Take a submitted answer back to your private draft")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk):
        answer = services.answer_withdraw(acting_user=request.user, answer=self.get_answer(pk))
        return Response(_detail(request, answer))

    @_verb("Discard your answer")
    @action(detail=True, methods=["post"])
    def discard(self, request, pk):
        answer = services.answer_discard(acting_user=request.user, answer=self.get_answer(pk))
        return Response(_detail(request, answer))

    @_verb("Retry a failed answer", accepted=True)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk):
        answer = services.answer_retry(acting_user=request.user, answer=self.get_answer(pk))
        return Response(AIAnswerStateSerializer(answer).data, status=status.HTTP_202_ACCEPTED)

    @_verb("Draft a new answer in place of this one", RegenerateSerializer, accepted=True)
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk):
        params = parse(RegenerateSerializer, request.data)
        answer = services.answer_regenerate(acting_user=request.user, answer=self.get_answer(pk),
                                            audience=params["audience"])
        return Response(AIAnswerStateSerializer(answer).data, status=status.HTTP_202_ACCEPTED)

    @_verb("Rate your draft", FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk):
        params = parse(FeedbackSerializer, request.data)
        answer = services.answer_feedback(acting_user=request.user, answer=self.get_answer(pk),
                                          rating=params["rating"])
        return Response(_detail(request, answer))

    @_verb("Approve (reviewers; never the asker). Publishes when the approvals are complete", ApproveSerializer,
           conflict="Not in review, the text changed since it was read, the question or a source changed since it "
                    "was drafted (code draft_outdated; details.changed), or it has invented or contradicted claims "
                    "no reviewer confirmed (code unresolved_claims; details.claims lists them).")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        params = parse(ApproveSerializer, request.data)
        answer = services.answer_approve(acting_user=request.user, answer=self.get_answer(pk),
                                         body=params.get("body"), text_hash=params.get("body_hash"))
        return Response(_detail(request, answer))

    @_verb("Edit the text under review without approving it, and check it again (reviewers; never the asker), as the "
           "review page's \"Save edit and check again\"", EditSerializer,
           conflict="Not in review, or the text changed since it was read (code text_changed).")
    @action(detail=True, methods=["post"])
    def edit(self, request, pk):
        params = parse(EditSerializer, request.data)
        answer = services.answer_edit(acting_user=request.user, answer=self.get_answer(pk), body=params["body"],
                                      text_hash=params["body_hash"])
        return Response(_detail(request, answer))

    @_verb("Confirm one invented or contradicted claim of the text under review, with a reason (reviewers; never "
           "the asker). Approval is refused while a blocking claim is neither edited away nor confirmed",
           ConfirmClaimSerializer, conflict="Not in review, or the claim is already confirmed.")
    @action(detail=True, methods=["post"], url_path="confirm-claim")
    def confirm_claim(self, request, pk):
        params = parse(ConfirmClaimSerializer, request.data)
        confirmation = services.answer_confirm_claim(acting_user=request.user, answer=self.get_answer(pk),
                                                     key=params["key"], reason=params["reason"])
        return Response(_detail(request, confirmation.answer))

    @_verb("Reject with a reason (reviewers)", ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        params = parse(ReasonSerializer, request.data)
        answer = services.answer_reject(acting_user=request.user, answer=self.get_answer(pk),
                                        reason=params.get("reason", ""), code=params.get("code"))
        return Response(_detail(request, answer))

    @_verb("Retract a published answer with a reason (reviewers, and always the category's moderators and "
           "administrators, who are answered without its text unless they review it); its readers are told",
           ReasonSerializer, ok=RETRACT_RESULT)
    @action(detail=True, methods=["post"])
    def retract(self, request, pk):
        params = parse(ReasonSerializer, request.data)
        answer = selectors.answer_for_user(request.user, pk, or_withdrawable=True)
        answer = services.answer_retract(acting_user=request.user, answer=answer, reason=params.get("reason", ""),
                                         code=params.get("code"))
        return Response(_detail(request, answer))

    @_verb("Keep a flagged published answer after checking it again (reviewers)")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk):
        answer = services.answer_confirm(acting_user=request.user, answer=self.get_answer(pk))
        return Response(_detail(request, answer))

    @extend_schema(summary="Report a published AI answer (any reader); it returns to the review queue",
                   request=ReasonSerializer, responses={204: None, 404: error_response(404, ANSWER_NOT_FOUND),
                                                        409: error_response(409, "Already reported by you.")},
                   tags=["ai-answers"])
    @action(detail=True, methods=["post"])
    def report(self, request, pk):
        params = parse(ReasonSerializer, request.data)
        answer = selectors.published_answer_for_user(request.user, pk)
        services.answer_report(acting_user=request.user, answer=answer, reason=params.get("reason", ""),
                               code=params.get("code"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewQueueView(GenericAPIView):
    serializer_class = AIAnswerSerializer
    ordering = ("submitted_at", "id")

    @extend_schema(summary="Submitted answers (and flagged published ones) in the categories you review",
                   responses=AIAnswerSerializer(many=True), tags=["ai-answers"])
    @forum_services.rebuilt_if_withdrawn
    def get(self, request):
        page = self.paginate_queryset(_answers(selectors.review_queue(request.user)))
        # A flagged published answer's text, read here: a retraction must reach this reader too.
        forum_services.posts_mark_shown(request, [
            answer.published_post for answer in page if answer.status == AIAnswer.Status.PUBLISHED
            and answer.published_post_id])
        return self.get_paginated_response(AIAnswerSerializer(page, many=True).data)


class AIPostViewSet(PostViewSet):
    """The forum's post list, with published AI posts' disclaimer and reviewers; reading them is recorded."""

    serializer_class = AIPostSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ai_answers"] = getattr(self, "_ai_answers", {})
        return context

    @forum_services.rebuilt_if_withdrawn
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            ai_posts = [post for post in page if post.is_ai_generated]
            if ai_posts:  # most pages have none: no lookup then
                self._ai_answers = selectors.published_meta_for_thread(ai_posts[0].thread)
            forum_services.posts_mark_shown(self.request, page)
        return page
