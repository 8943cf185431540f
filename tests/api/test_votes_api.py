"""POST/DELETE /api/v1/posts/{id}/vote/ and helpful_count on posts: the web's rules, the API's error format."""
import pytest

from forum import services
from forum.models import PostVote

from ..factories import make_thread
from .conftest import V1, client_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(engineering, employee, other_employee):
    thread = make_thread(other_employee, engineering, title="Which Python does CI use?",
                         replies=[(employee, "Python 3.11.")])
    return thread.posts.order_by("id").last()


def test_vote_and_take_it_back(other_employee, answer):
    client = client_for(other_employee)
    url = f"{V1}/posts/{answer.pk}/vote/"
    for _ in range(2):  # idempotent
        response = client.post(url)
        assert response.status_code == 200 and response.json() == {"post": answer.pk, "voted": True, "helpful_count": 1}
    posts = client.get(f"{V1}/threads/{answer.thread_id}/posts/").json()["results"]
    assert [p["helpful_count"] for p in posts] == [0, 1]
    assert client.delete(url).json() == {"post": answer.pk, "voted": False, "helpful_count": 0}
    assert not PostVote.objects.exists()


def test_own_post_is_403(employee, answer):
    error_of(client_for(employee).post(f"{V1}/posts/{answer.pk}/vote/"), 403, "permission_denied")


def test_unreadable_and_missing_posts_are_the_same_404(employee, secops, secops_member):
    secret = make_thread(secops_member, secops, title="Secret marker thread", body="secretmarker9")
    post = secret.posts.first()
    client = client_for(employee)
    hidden = error_of(client.post(f"{V1}/posts/{post.pk}/vote/"), 404, "not_found")
    missing = error_of(client.post(f"{V1}/posts/999999/vote/"), 404, "not_found")
    assert hidden == missing and "secretmarker9" not in str(hidden)
    assert not PostVote.objects.exists()


def test_hidden_post_is_409_for_a_moderator(eng_moderator, answer):
    services.post_hide(acting_user=eng_moderator, post=answer, reason="spam")
    error_of(client_for(eng_moderator).post(f"{V1}/posts/{answer.pk}/vote/"), 409, "conflict")


def test_unauthenticated_is_401_and_get_is_405(other_employee, answer):
    assert client_for().post(f"{V1}/posts/{answer.pk}/vote/").status_code == 401
    assert client_for(other_employee).get(f"{V1}/posts/{answer.pk}/vote/").status_code == 405
