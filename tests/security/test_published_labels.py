"""A published AI answer carries the labels the thread page gives it wherever its text appears (round 43's review).

DESIGN.md (Disclaimers): one module owns the texts (private draft, published, high risk) and every place AI text
appears carries one. The thread page shows the published disclaimer, the "⚠ High risk ... Do not apply it to any
system, permission or data without checking it with the owning team first" banner, and the note that a reviewer
confirmed claims not found in the sources. Before round 43 the REST API's post list (the same text, its `body` and
`body_html`) and the search results (page and API) gave the published disclaimer alone: a REST client or a searcher
read `chmod -R 777 /srv/data` as ordinary reviewed advice."""
import pytest

from aiassist import disclaimers
from aiassist.models import AIAnswer
from forum.models import Post

from ..api.conftest import V1, client_for, in_state, make_reviewer
from ..factories import signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


@pytest.fixture
def rita(engineering):
    """A reviewer of Engineering (no approve_high_risk)."""
    return make_reviewer("rita", engineering)
BANNER_START = "High-risk advice"


@pytest.fixture
def published_high_risk(employee, engineering, rita, security_reviewer):
    answer = in_state(S.PUBLISHED, employee, engineering, risk="high", reviewers=[rita, security_reviewer])
    assert answer.risk == "high" and answer.risk_reasons
    return answer


def test_the_thread_page_warns_of_high_risk(other_employee, published_high_risk):
    """The control: the web thread page carries the banner."""
    html = signed_in(other_employee).get(f"/t/{published_high_risk.thread_id}/").content.decode()
    assert "chmod -R 777" in html and BANNER_START in html


def test_the_api_post_list_carries_the_high_risk_warning_too(other_employee, published_high_risk):
    posts = client_for(other_employee).get(f"{V1}/threads/{published_high_risk.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert "chmod -R 777" in ai["body"]
    assert ai["risk_notice"] == disclaimers.risk_notice(published_high_risk)
    assert ai["risk_notice"].startswith(BANNER_START) and ai["edited_in_review"] is False
    assert ai["claims_notice"] == ""
    human = [post for post in posts if not post["is_ai_generated"]]
    assert human and all(post["risk_notice"] is None and post["claims_notice"] is None for post in human)


def test_search_results_carry_the_high_risk_warning_too(other_employee, published_high_risk):
    post = Post.objects.get(pk=published_high_risk.published_post_id)
    hits = client_for(other_employee).get(f"{V1}/search/", {"q": "chmod 777 srv data", "author": post.author.username})
    hits = [hit for hit in hits.json()["results"] if hit["is_ai_generated"]]
    assert hits and "777" in hits[0]["snippet"]
    assert hits[0]["risk_notice"] == disclaimers.risk_notice(published_high_risk)
    assert hits[0]["risk_notice"].startswith(BANNER_START)
    similar = client_for(other_employee).get(f"{V1}/threads/similar/", {"q": published_high_risk.thread.title}).json()
    assert [hit["risk_notice"] for hit in similar if hit["is_ai_generated"]] in ([], [hits[0]["risk_notice"]])


def test_the_search_page_carries_the_high_risk_warning_too(other_employee, published_high_risk):
    post = Post.objects.get(pk=published_high_risk.published_post_id)
    page = signed_in(other_employee).get("/search/", {"q": "chmod 777 srv data", "author": post.author.username})
    html = page.content.decode()
    assert "777" in html and disclaimers.PUBLISHED in html
    assert BANNER_START in html, "the search page shows the high-risk snippet under the published disclaimer alone"


def test_the_api_post_list_says_a_reviewer_let_an_unsupported_claim_stand(world):
    """The thread page says "⚠ A reviewer confirmed 1 claim not found in the sources" above such a post; the API's
    post list gives the same text (`celery -A proj worker --force-all`) with the plain published disclaimer."""
    from aiassist import services as ai_services

    from ..api.conftest import reload
    from ..security.conftest import INVENTED_FLAG

    answer = reload(world.ungrounded)
    (claim,) = ai_services.unresolved_claims(answer)
    ai_services.answer_confirm_claim(acting_user=world.moderator, answer=answer, key=claim["key"],
                                     reason="The ops runbook has it.")
    answer = ai_services.answer_approve(acting_user=world.moderator, answer=reload(answer))
    assert answer.status == S.PUBLISHED
    html = signed_in(world.reader).get(f"/t/{answer.thread_id}/").content.decode()
    assert INVENTED_FLAG in html and "not found in the sources" in html  # the control
    posts = client_for(world.reader).get(f"{V1}/threads/{answer.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert INVENTED_FLAG in ai["body"]
    assert ai["claims_notice"] == "A reviewer confirmed 1 claim not found in the sources."


def test_a_low_risk_answer_carries_no_banner_anywhere(other_employee, employee, engineering, rita):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[rita])
    assert answer.risk == "low"
    posts = client_for(other_employee).get(f"{V1}/threads/{answer.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert ai["risk_notice"] == "" and ai["claims_notice"] == ""
    html = signed_in(other_employee).get(f"/t/{answer.thread_id}/").content.decode()
    assert BANNER_START not in html and disclaimers.PUBLISHED in html


def test_a_retracted_answer_gives_no_notice_of_a_text_it_no_longer_shows(other_employee, employee, engineering, rita,
                                                                        security_reviewer):
    answer = in_state(S.RETRACTED, employee, engineering, risk="high", reviewers=[rita, security_reviewer])
    response = client_for(other_employee).get(f"{V1}/threads/{answer.thread_id}/posts/")
    assert response.status_code == 200
    assert all(post["risk_notice"] is None for post in response.json()["results"] if post["is_ai_generated"])
    assert BANNER_START not in response.content.decode() and "chmod" not in response.content.decode()
