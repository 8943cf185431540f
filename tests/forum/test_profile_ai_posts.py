"""AI-generated posts on a profile (security review F3). The assistant's profile lists its published answers
as labelled links into their threads and never excerpts their text: reading it always goes through the
thread page, under the disclaimer, where the view is recorded that a retraction notice needs. People's
replies keep their excerpts."""
import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import services
from forum.models import Notification, PostViewReceipt

from ..api.conftest import in_state, reload
from ..factories import UserFactory, make_thread
from .social_helpers import body

pytestmark = pytest.mark.django_db

# One token ([a-z0-9]): the source reply says it, so the AI answer quoting that reply says it too.
AI_MARKER = "wombat9aitext"
# An HTML comment: an AI answer stores it as the text it is (forum.markup.machine_text); no excerpt shows it either.
AI_COMMENT = "<!-- zqhiddencomment -->"


def _replies_of(client, username):
    response = client.get(reverse("forum:profile", args=[username]), {"show": "posts"})
    assert response.status_code == 200
    return body(response)


@pytest.fixture
def published(employee, engineering, eng_moderator, settings) -> AIAnswer:
    answer = in_state(AIAnswer.Status.IN_REVIEW, employee, engineering, extra=f" ({AI_MARKER})")
    assert AI_MARKER in answer.body
    answer = ai_services.answer_approve(acting_user=eng_moderator, answer=answer,
                                        body=f"{answer.body}\n\n{AI_COMMENT}")
    answer = reload(answer)
    assert answer.status == AIAnswer.Status.PUBLISHED and "zqhiddencomment" in answer.published_post.body
    assert answer.published_post.author.username == settings.ASSISTANT_USERNAME
    return answer


def test_the_assistants_profile_links_to_its_answers_without_their_text(client, other_employee, published,
                                                                        settings):
    client.force_login(other_employee)
    page = _replies_of(client, settings.ASSISTANT_USERNAME)

    post = published.published_post
    assert AI_MARKER not in page and "zqhiddencomment" not in page and "retry_backoff" not in page
    for line in post.body.splitlines():
        assert not line.strip() or escape(line.strip()) not in page
    assert '<p class="excerpt">' not in page
    link = reverse("forum:thread", args=[published.thread_id]) + f"?post={post.pk}#post-{post.pk}"
    assert f'<a class="thread-title" href="{link}">AI answer in {escape(published.thread.title)}</a>' in page
    assert '<span class="badge badge-ai">AI-generated</span>' in page
    # Nothing was shown, so nothing was seen...
    assert not PostViewReceipt.objects.filter(user=other_employee).exists()


def test_reading_it_through_the_link_is_a_view_a_retraction_reaches(client, other_employee, eng_moderator,
                                                                   published, settings):
    client.force_login(other_employee)
    _replies_of(client, settings.ASSISTANT_USERNAME)
    post = published.published_post
    page = body(client.get(reverse("forum:thread", args=[published.thread_id]), {"post": post.pk}))
    assert AI_MARKER in page
    assert PostViewReceipt.objects.filter(user=other_employee, post=post).exists()

    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(published), reason="Wrong advice",
                               code="incorrect")

    assert Notification.objects.filter(recipient=other_employee, verb="ai_retracted").exists()
    # The withdrawn post leaves the profile with the rest of the hidden ones.
    assert f"#post-{post.pk}" not in _replies_of(client, settings.ASSISTANT_USERNAME)


def test_peoples_replies_keep_their_excerpts(client, employee, other_employee, engineering, published):
    long_reply = "Use <b>retry_backoff</b> & check the worker logs. " * 8
    thread = make_thread(employee, engineering, title="Where do the worker logs go?")
    services.post_reply(acting_user=other_employee, thread=thread, body=long_reply)
    carol = UserFactory(username="carol")
    client.force_login(carol)

    page = _replies_of(client, other_employee.username)

    excerpt = Truncator(long_reply.strip()).chars(220)
    assert f'<p class="excerpt">{escape(excerpt)}</p>' in page
    assert "badge-ai" not in page and "AI answer in" not in page
    assert f">{escape(thread.title)}</a>" in page
