"""The search and "similar threads" endpoints over the passage index: the web pages' rules, as JSON."""
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OffsetCursorPagination, error_response
from forum import selectors as forum_selectors
from forum import services as forum_services
from forum.api import parse
from forum.serializers import CategoryRefSerializer, SearchQuerySerializer, ThreadRefSerializer, query_text

from .. import disclaimers
from . import search

NO_CATEGORY = "No category with that slug that the caller may read."


class ThreadSearchQuerySerializer(SearchQuerySerializer):
    author = query_text(max_length=150, help_text="Only passages written by this user (a username).")


class SimilarQuerySerializer(serializers.Serializer):
    q = query_text(max_length=200, help_text="The question or title being written; shorter than 8 characters "
                                             "finds nothing.")


class SearchHitSerializer(serializers.Serializer):
    thread = ThreadRefSerializer()
    category = CategoryRefSerializer(source="thread.category")
    post = serializers.IntegerField(source="passage.post_id", help_text="The post holding the best passage.")
    author = serializers.CharField(source="passage.author")
    role = serializers.ChoiceField(source="passage.role", choices=["question", "reply", "accepted", "ai"],
                                   help_text="The best passage's post in its thread.")
    is_ai_generated = serializers.BooleanField()
    disclaimer = serializers.SerializerMethodField(help_text="Set when the snippet is AI-generated text.")
    risk_notice = serializers.CharField(help_text="The high-risk banner of an AI snippet's answer, as its thread page "
                                                  "shows it; empty otherwise.")
    claims_notice = serializers.CharField(help_text="That a reviewer let claims of an AI snippet's answer stand that "
                                                    "no source supports; empty otherwise.")
    attention_notice = serializers.CharField(help_text="That reviewers are checking an AI snippet's answer again (a "
                                                       "reader reported it), as its thread page says; empty otherwise.")
    created_at = serializers.DateTimeField(source="passage.created_at")
    rank = serializers.FloatField(source="score")
    snippet = serializers.CharField(help_text="Plain text of the thread's best passage around the first match "
                                              "(not HTML).")
    words = serializers.ListField(child=serializers.CharField(), help_text="The query's words, for highlighting.")

    def get_disclaimer(self, result) -> str | None:
        return disclaimers.PUBLISHED if result.is_ai_generated else None


class SearchView(APIView):
    pagination_class = OffsetCursorPagination

    @extend_schema(summary="Threads the caller may read, best match first, with their best passage",
                   parameters=[ThreadSearchQuerySerializer],
                   responses={200: SearchHitSerializer(many=True), 404: error_response(404, NO_CATEGORY)},
                   tags=["search"])
    @forum_services.rebuilt_if_withdrawn
    def get(self, request):
        params = parse(ThreadSearchQuerySerializer, request.query_params)
        category = forum_selectors.category_for_user(request.user, params["category"]) if params.get("category") \
            else None
        author = None
        if params.get("author"):
            author = get_user_model().objects.filter(username=params["author"]).first()
        results = [] if params.get("author") and author is None else search.search_threads(
            request.user, params["q"], category=category, author=author)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(results, request, self)
        # AI text on the page is a view (the cursor reads one row past it, which nobody is shown).
        forum_services.posts_mark_shown(request, search.ai_posts_shown(page))
        return paginator.get_paginated_response(SearchHitSerializer(search.with_ai_notices(page), many=True).data)


class SimilarThreadsView(APIView):
    @extend_schema(summary="Existing threads close to a question being written (for the new-thread form)",
                   parameters=[SimilarQuerySerializer], responses={200: SearchHitSerializer(many=True)},
                   tags=["search"])
    @forum_services.rebuilt_if_withdrawn
    def get(self, request):
        params = parse(SimilarQuerySerializer, request.query_params)
        text = params.get("q") or ""
        results = search.similar_threads(request.user, text) if len(text.strip()) >= 8 else []
        forum_services.posts_mark_shown(request, search.ai_posts_shown(results))
        return Response(SearchHitSerializer(search.with_ai_notices(results), many=True).data)
