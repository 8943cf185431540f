"""Text taken out of a post by an edit reaches nobody through the passage index, before the index catches up.

The index is rebuilt by a Celery task once an edit commits (``receivers.py``): seconds normally, and until
someone runs the rebuild command when that task is lost (a broker down then; the periodic sweep re-embeds
passages without vectors, it does not notice changed text). Hiding and moving are filtered live; an edit must
be too: a moderator who edits a leaked credential out of a post has taken it out of search, the similar
threads and the assistant's drafts as well.
"""
import pytest
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer
from aiassist.retrieval.search import search_threads, similar_threads
from forum import services as forum_services

from ...api.conftest import V1, client_for
from ...factories import make_thread
from .test_embedders import remote, server  # noqa: F401 - a real /v1/embeddings server on loopback

pytestmark = pytest.mark.django_db

LEAK = "zq9leakedtoken"
BEFORE = f"Connect the billing exporter with the service password {LEAK} and restart the exporter."
AFTER = "Connect the billing exporter with the service password from the vault and restart the exporter."
SEARCH = reverse("retrieval:search")


@pytest.fixture
def edited_out(employee, other_employee, eng_moderator, engineering, settings):
    """A reply in an open category that leaked a credential, edited out by a moderator; the index task the
    edit sent has not run (in a test transaction nothing is sent on commit: a lost or late task)."""
    thread = make_thread(employee, engineering, title="Billing exporter cannot connect",
                         body="The billing exporter fails to connect after the upgrade.",
                         replies=[(other_employee, BEFORE)])
    settings.RETRIEVAL_INDEX_SYNC = False
    reply = thread.posts.order_by("pk").last()
    forum_services.post_edit(acting_user=eng_moderator, post=reply, body=AFTER)
    return thread


def test_search_never_shows_text_an_edit_took_out(client, employee, edited_out):
    client.force_login(employee)
    for query in (LEAK, "billing exporter service password"):
        assert all(LEAK not in result.snippet for result in search_threads(employee, query))
        response = client_for(employee).get(f"{V1}/search/", {"q": query})
        assert response.status_code == 200 and all(LEAK not in hit["snippet"] for hit in response.json()["results"])
        page = client.get(SEARCH, {"q": query})
        assert page.status_code == 200 and all(LEAK not in hit.snippet for hit in page.context["page"].object_list)
    page = client.get(SEARCH, {"q": "billing exporter service password"})  # the query itself is echoed
    assert LEAK.encode() not in page.content


def test_similar_threads_never_show_text_an_edit_took_out(employee, edited_out):
    assert all(LEAK not in result.snippet
               for result in similar_threads(employee, "billing exporter service password restart"))


def test_the_assistant_never_quotes_text_an_edit_took_out(employee, engineering, edited_out):
    question = make_thread(employee, engineering, title="Which password does the billing exporter connect with?",
                           body="The billing exporter needs its service password to connect.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT
    assert LEAK not in answer.body
    assert all(LEAK not in source.text for source in answer.sources.all())


# Round 39's review: the periodic re-embed (``index.passages_reembed``: passages without a vector of the current model,
# after an embedder outage or a change of model) read the index's rows as stored, so a passage hidden, or of text or
# a title its author had edited out, whose index task had not run yet, was sent to the embeddings endpoint (an external
# one with ASSISTANT_EMBEDDER=openai) after the hide or the edit.

@pytest.mark.parametrize("change", ["hidden", "edited out", "retitled"])
def test_the_re_embedding_sends_nothing_taken_out_of_sight(change, monkeypatch, server, employee, general,  # noqa: F811
                                                           general_moderator):
    """Against a real ``/v1/embeddings`` server on loopback (another model than the index's, as after a change of
    model): what it is sent."""
    from aiassist.retrieval import index, receivers
    from aiassist.retrieval.models import PassageVector

    make_thread(employee, general, title="Rotating the exporter's password", body="How is it rotated?")
    title = f"Billing exporter {LEAK}" if change == "retitled" else "Billing exporter"
    thread = make_thread(employee, general, title=title, body="How do I connect the exporter?",
                         replies=[(employee, BEFORE if change != "retitled" else AFTER)])
    reply = thread.posts.order_by("id").last()
    monkeypatch.setattr(receivers, "_index_later", lambda **_: None)  # the change's index task has not run yet
    if change == "hidden":
        forum_services.post_hide(acting_user=general_moderator, post=reply, reason="A credential.")
    elif change == "edited out":
        forum_services.post_edit(acting_user=employee, post=reply, body=AFTER)
    else:
        opening = thread.posts.order_by("id").first()
        forum_services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Billing exporter")
    assert index.passages_reembed(embedder=remote(server)) > 0
    sent = [text for request in server.requests for text in request["json"]["input"]]
    assert any("Rotating the exporter" in text for text in sent)  # the passages as they stand are sent
    assert not any(LEAK in text for text in sent), sent
    if change != "retitled":  # the thread's other passages stand as they are
        assert any("connect the exporter" in text for text in sent)
    assert PassageVector.objects.filter(embed_model__startswith="nomic-embed-text").exists()
