"""A published answer that reviewers are checking again says so wherever its text goes (round 44's review).

A reader's report, or a change in a post it cites, puts a published answer back before its reviewers
(``attention_reason``); the thread page then says "⚑ This answer is being checked again by a reviewer." above it. The
API's post list and the search results (page and API) gave the same text with no such word: a REST client or a
searcher read a reported answer as settled, vetted advice (round 43 brought over the high-risk and claims notices)."""
import json

import pytest
from django.conf import settings

from aiassist.models import AIAnswer

from ..api.conftest import V1, client_for, reload
from ..factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
CHECKED_AGAIN = "being checked again"



@pytest.fixture
def flagged(world):
    """world.published: reported by bob ("It skips the max_retries cap."), so it waits for a second look."""
    answer = reload(world.published)
    assert answer.status == S.PUBLISHED and answer.attention_reason.startswith("Reported by a reader")
    return answer


def test_control_the_thread_page_says_a_flagged_answer_is_being_checked_again(world, flagged):
    carol = UserFactory(username="carol")
    html = signed_in(carol).get(f"/t/{flagged.thread_id}/").content.decode()
    assert "retry_backoff" in html and f"This answer is {CHECKED_AGAIN} by a reviewer." in html


def test_the_api_post_list_says_a_flagged_answer_is_being_checked_again(world, flagged):
    """Leaks to: every REST reader of the thread (carol). The thread page puts "⚑ This answer is being checked again
    by a reviewer." above a published AI post a reader reported (or whose cited post changed: ``_flag``); the API's
    post list gives the same `body` with `disclaimer`, `risk_notice`, `claims_notice`, `edited_in_review` and
    `reviewed_by` (round 43 brought the first three over) and nothing that says the reviewers are looking at it
    again: a REST client shows a reported answer as settled, vetted advice. Same class as round 43's
    test_published_labels.py. Fix: aiassist/serializers.py ``AIPostSerializer``: an `attention_notice` (the web's
    sentence, no reason: ``published_meta.html`` keeps the reason for reviewers), null for other posts."""
    carol = UserFactory(username="carol")
    posts = client_for(carol).get(f"{V1}/threads/{flagged.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert "retry_backoff" in ai["body"]
    assert CHECKED_AGAIN in json.dumps(ai), f"nothing in {sorted(ai)} says the answer is being checked again"


def test_search_results_say_a_flagged_answer_is_being_checked_again(world, flagged):
    """Leaks to: every searcher (page and API). The search page and `GET /api/v1/search/` show the flagged answer's
    text as a snippet under the published disclaimer (and round 43's risk and claims notices) but without the
    thread page's "being checked again". Fix: aiassist/retrieval/search.py ``with_ai_notices`` adds the flag,
    ``SearchHitSerializer`` and the search template show it."""
    carol = UserFactory(username="carol")
    query = {"q": "retry_backoff countdown doubles", "author": settings.ASSISTANT_USERNAME}
    hits = [hit for hit in client_for(carol).get(f"{V1}/search/", query).json()["results"] if hit["is_ai_generated"]]
    assert hits and "retry_backoff" in hits[0]["snippet"]
    html = signed_in(carol).get("/search/", query).content.decode()
    assert "retry_backoff" in html
    assert CHECKED_AGAIN in json.dumps(hits[0]), "the API's search hit says nothing of the second look"
    assert CHECKED_AGAIN in html, "the search page says nothing of the second look"


