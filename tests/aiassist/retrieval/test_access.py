"""A restricted passage never reaches a reader without access: lexical path, dense path, search, similar threads."""
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from aiassist import services
from aiassist.models import AIAnswer
from aiassist.retrieval.ranking import rank

from ...factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

SECRET = "zqsecretrunbookline"
# Worded so that the restricted thread is the closest match by meaning and by words.
SECRET_TITLE = "Rotating the payments database root password"
SECRET_REPLY = f"Rotate the payments database root password with the vault runbook, then run {SECRET}."
QUESTION = "How do I rotate the root password of the payments database?"


def dense_index_model():
    from aiassist.retrieval.index import active_embedder, embed_key

    return embed_key(active_embedder())


@pytest.fixture
def embedder_on(settings):
    settings.ASSISTANT_EMBEDDER = "local"


@pytest.fixture
def restricted_and_open(secops, secops_member, engineering, employee, embedder_on):
    colleague = UserFactory(username="sec-author")
    colleague.groups.add(*secops_member.groups.all())
    secret = make_thread(colleague, secops, title=SECRET_TITLE, body="What is the procedure?",
                         replies=[(secops_member, SECRET_REPLY)])
    public = make_thread(employee, engineering, title="Database passwords in general",
                         body="Where are service passwords kept?",
                         replies=[(UserFactory(username="dba"), "Service passwords live in the vault; ask the DBAs.")])
    return secret, public


@pytest.mark.parametrize(("dense", "large"), [(False, False), (True, False), (True, True)],
                         ids=["lexical", "dense", "dense-candidates"])
def test_ranking_never_offers_a_restricted_thread_to_an_outsider(restricted_and_open, employee, secops_member,
                                                                 settings, monkeypatch, dense, large):
    """``dense-candidates``: a large index, where threads are also proposed by the closeness of their question
    (retrieval/dense.py), the restricted one closest of all."""
    secret, public = restricted_and_open
    if not dense:
        settings.ASSISTANT_EMBEDDER = "none"
    if large:
        from aiassist.retrieval import dense as dense_index
        from aiassist.retrieval import ranking

        monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)
        dense_index.forget()
        monkeypatch.setattr(dense_index, "REFRESH_SECONDS", 0)
        index_vectors = dense_index.question_vectors(dense_index_model())
        assert secret.pk in index_vectors.threads  # it is in the matrix: only the policy keeps it out
    member = rank(secops_member, QUESTION)
    assert member.dense is dense
    assert member.threads[0].thread == secret  # the restricted thread is the best match for those who may read it
    outsider = rank(employee, QUESTION)
    assert outsider.threads and secret not in [t.thread for t in outsider.threads]
    shown = [p for t in outsider.threads for p in t.passages]
    outsider.with_details(shown)  # what a caller would show or quote
    assert shown and SECRET not in " ".join(f"{p.plain} {p.text}" for p in shown)


@pytest.fixture(params=[False, True], ids=["small-index", "large-index"])
def index_size(request, monkeypatch):
    """The large index's path reads the readable categories once and filters by their ids (ranking.py)."""
    if request.param:
        from aiassist.retrieval import dense as dense_index
        from aiassist.retrieval import ranking

        monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)
        monkeypatch.setattr(dense_index, "REFRESH_SECONDS", 0)
        dense_index.forget()
    return request.param


def test_the_audience_and_category_narrow_what_a_reader_may_read(restricted_and_open, secops_member, secops,
                                                                   engineering, index_size):
    from forum import policy

    secret, public = restricted_and_open
    assert rank(secops_member, QUESTION).threads[0].thread == secret
    # A draft for the public thread's whole audience: only what everyone in it may read.
    audience = rank(secops_member, QUESTION, within=policy.audience_readable_categories(public.category))
    assert secret not in [t.thread for t in audience.threads]
    shown = [p for t in audience.threads for p in t.passages]
    audience.with_details(shown)
    assert SECRET not in " ".join(f"{p.plain} {p.text}" for p in shown)
    # A category filter keeps to it.
    assert {t.thread.category for t in rank(secops_member, QUESTION, category=engineering).threads} <= {engineering}
    assert [t.thread for t in rank(secops_member, QUESTION, category=secops).threads][:1] == [secret]


def test_the_assistant_drafts_from_restricted_passages_only_for_readers(restricted_and_open, employee,
                                                                        secops_member, engineering, index_size):
    question = make_thread(employee, engineering, title=QUESTION, body="We need to do it this week.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT and SECRET not in answer.body
    assert not answer.sources.filter(category__restricted=True).exists()
    member_question = make_thread(secops_member, engineering, title=QUESTION + " (again)", body="This week.")
    member_answer = services.answer_generate(
        answer_id=services.answer_request(acting_user=secops_member, thread=member_question).pk)
    assert SECRET in member_answer.body  # the asker may read it: their private draft may quote it
    # ... but a draft for the thread's audience may not.
    for_thread = services.answer_request(acting_user=secops_member, thread=member_question, audience="thread")
    for_thread = services.answer_generate(answer_id=for_thread.pk)
    assert SECRET not in for_thread.body
    assert not for_thread.sources.filter(category__restricted=True).exists()


def test_search_page_and_api_hide_restricted_threads(client, restricted_and_open, employee, secops_member):
    secret, _ = restricted_and_open
    client.force_login(employee)
    page = client.get(reverse("retrieval:search"), {"q": "payments database root password"})
    assert page.status_code == 200
    body = page.content.decode()
    assert SECRET_TITLE not in body and SECRET not in body
    api = client.get("/api/v1/search/", {"q": "payments database root password"})
    assert api.status_code == 200 and SECRET_TITLE not in api.content.decode()
    assert secret.pk not in [hit["thread"]["id"] for hit in api.json()["results"]]
    client.force_login(secops_member)
    member = client.get("/api/v1/search/", {"q": "payments database root password"}).json()["results"]
    assert member[0]["thread"]["id"] == secret.pk


def test_similar_threads_endpoint_and_fragment_hide_restricted_threads(client, restricted_and_open, employee,
                                                                       secops_member):
    secret, _ = restricted_and_open
    token = Token.objects.create(user=employee)
    api = client.get("/api/v1/threads/similar/", {"q": QUESTION}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 200
    assert secret.pk not in [hit["thread"]["id"] for hit in api.json()]
    assert SECRET_TITLE not in api.content.decode()
    client.force_login(employee)
    fragment = client.get(reverse("retrieval:similar"), {"title": QUESTION})
    assert fragment.status_code == 200 and SECRET_TITLE not in fragment.content.decode()
    client.force_login(secops_member)
    fragment = client.get(reverse("retrieval:similar"), {"title": QUESTION})
    assert SECRET_TITLE in fragment.content.decode()


def test_search_for_anonymous_visitors_is_the_login_page(client, restricted_and_open):
    assert client.get(reverse("retrieval:search"), {"q": "payments"}).status_code == 302
    assert client.get(reverse("retrieval:similar"), {"title": QUESTION}).status_code == 302
    assert client.get("/api/v1/threads/similar/", {"q": QUESTION}).status_code == 401


def test_readable_passages_takes_only_the_categories_read_for_that_reader(secops, secops_member, engineering, employee):
    """The category ids that replace the permission filter on a large index must be the ones read for this reader,
    audience and category: ids read for someone else (a secops member's), or a set made by hand, are refused."""
    from aiassist.retrieval.ranking import readable_categories, readable_passages
    from forum import policy

    theirs = readable_categories(secops_member)
    assert secops.pk in theirs
    for wrong in (theirs, set(theirs), frozenset(theirs)):
        with pytest.raises(ValueError):
            readable_passages(employee, categories=wrong)
    within = policy.audience_readable_categories(engineering)
    with pytest.raises(ValueError):  # read without the audience, used with it
        readable_passages(employee, within=within, categories=readable_categories(employee))
    with pytest.raises(ValueError):  # read for the whole forum, used for one category
        readable_passages(employee, category=engineering, categories=readable_categories(employee))
    mine = readable_categories(employee, within=within)
    assert secops.pk not in mine
    assert str(readable_passages(employee, within=within, categories=mine).query)  # accepted


def test_the_readable_category_ids_go_as_one_parameter(admin_user, employee, secops, secops_member):
    """Hundreds of readable categories: the statements carry their ids as one array (PostgreSQL) or JSON list
    (SQLite), not a placeholder each, and still keep out the one the reader may not read."""
    from aiassist.retrieval.ranking import readable_categories, readable_passages

    from ...factories import make_category

    categories = [make_category(admin_user, f"Team {n}") for n in range(300)]
    thread = make_thread(employee, categories[-1], title="Rotating the team key", body="How often?")
    hidden = make_thread(secops_member, secops, title="Rotating the vault key", body="Runbook.")
    from aiassist.retrieval import index
    from forum.models import Post

    index.posts_index(list(Post.objects.filter(thread__in=[thread, hidden]).values_list("pk", flat=True)))
    allowed = readable_categories(employee)
    assert len(allowed) >= 300 and secops.pk not in allowed
    passages = readable_passages(employee, categories=allowed)
    _, params = passages.query.sql_with_params()
    assert len(params) < 10
    assert set(passages.values_list("thread_id", flat=True)) == {thread.pk}


def test_a_stale_category_stored_with_a_passage_never_lets_it_through(client, restricted_and_open, employee,
                                                                      engineering, monkeypatch):
    """On a large index the lexical match filters by the category stored with each passage (no join to the thread
    per row). That copy can lag a move by seconds: here the restricted thread's passages carry a readable category.
    They may propose the thread; nothing of it is scored, shown, quoted or searched for the outsider."""
    from aiassist.retrieval import dense as dense_index
    from aiassist.retrieval import ranking
    from aiassist.retrieval.models import Passage

    monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)
    monkeypatch.setattr(dense_index, "REFRESH_SECONDS", 0)
    dense_index.forget()
    secret, public = restricted_and_open
    Passage.objects.filter(thread=secret).update(category_id=engineering.pk)
    words = ranking._word_statistics(["payments", "database", "root", "password"],
                                      ranking.readable_passages(employee))
    proposing = ranking._proposing(ranking.readable_categories(employee))
    assert secret.pk in {thread_id for _, thread_id, _ in ranking._lexical_candidates(proposing, words)}
    outsider = rank(employee, QUESTION)
    assert outsider.threads and secret not in [t.thread for t in outsider.threads]
    shown = [p for t in outsider.threads for p in t.passages]
    outsider.with_details(shown)
    assert SECRET not in " ".join(f"{p.plain} {p.text}" for p in shown)
    client.force_login(employee)
    for path in (reverse("retrieval:search"), "/api/v1/search/"):
        response = client.get(path, {"q": "payments database root password"})
        assert response.status_code == 200
        assert SECRET_TITLE not in response.content.decode() and SECRET not in response.content.decode()
