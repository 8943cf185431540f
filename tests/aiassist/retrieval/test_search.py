"""Search over the passage index: ranking, one result per thread, the policy filter, narrowing, hostile
queries, paging, escaping, AI text's disclaimer and view receipt, and query counts that do not grow."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from aiassist import disclaimers
from aiassist.retrieval import ranking
from aiassist.retrieval.search import search_threads
from forum import services
from forum.models import Category, Post, PostViewReceipt
from forum.text import has_control_characters

from ...api.conftest import V1, S, client_for, error_of, in_state, walk
from ...factories import UserFactory, make_category, make_thread

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Vault firewall rotation runbook"
SECRET_BODY = "Rotate the vault firewall keys with the rotation runbook; zq7secretstep first."
SECRET_REPLY = "The vault firewall rotation happens quarterly."
SEARCH = reverse("retrieval:search")
PAGE_SIZE = 20


def _ids(results):
    return [result.thread.pk for result in results]


def _page_ids(response):
    return [result.thread.pk for result in response.context["page"].object_list]


def _api_ids(response):
    assert response.status_code == 200, response.content
    return [hit["thread"]["id"] for hit in response.json()["results"]]


@pytest.fixture
def secret_thread(secops_member, secops, security_reviewer):
    """A restricted thread that matches the probe query better than anything else."""
    return make_thread(secops_member, secops, title=SECRET_TITLE, body=SECRET_BODY,
                       replies=[(security_reviewer, SECRET_REPLY)])


# Ranking ------------------------------------------------------------------------------------


def test_more_matching_words_rank_higher_than_fewer(employee, engineering):
    both = make_thread(employee, engineering, title="Cluster notes", body="The ingress timeout happens at noon.")
    one = make_thread(employee, engineering, title="Other notes", body="The ingress controller restarted.")
    make_thread(employee, engineering, title="Unrelated", body="Lunch menu for Friday.")

    results = search_threads(employee, "ingress timeout")

    # The one-word match is newer, so only relevance can put the two-word match first.
    assert _ids(results) == [both.pk, one.pk]
    assert results[0].score > results[1].score


def _filler(author, category, n):
    """n threads about something else, so that a test's words are as rare as in a real forum."""
    for i in range(n):
        make_thread(author, category, title=f"Office plant {i}", body=f"Who waters plant number {i}?")


def test_any_meaningful_word_matches_not_all(employee, engineering):
    thread = make_thread(employee, engineering, title="Notes", body="Our kafka consumer lags behind.")
    assert _ids(search_threads(employee, "why is the kafka broker slow on mondays")) == [thread.pk]


def test_a_frequent_word_still_matches_when_the_rarer_ones_match_nothing(employee, engineering):
    """A word in more than a few percent of passages (here 3 of 43) stays out of the candidate match only
    while rarer words select candidates; words that are in no passage at all select none."""
    _filler(employee, engineering, 40)
    kafka = [make_thread(employee, engineering, title=f"Kafka notes {i}", body="Our kafka consumer lags.")
             for i in range(3)]
    assert set(_ids(search_threads(employee, "kafka"))) == {t.pk for t in kafka}
    assert set(_ids(search_threads(employee, "kafka mondays"))) == {t.pk for t in kafka}


@pytest.mark.parametrize("query", ["how do I", "the and of to", "what is it", "please help me with this",
                                   "a", "", "   "])
def test_stop_words_alone_return_nothing(employee, engineering, query):
    make_thread(employee, engineering, title="How do I do this", body="What is it and how do I use it with the thing?")
    assert search_threads(employee, query) == []


def test_title_match_outranks_body_only_match(employee, engineering):
    body_only = make_thread(employee, engineering, title="Weekly notes", body="We touched terraform once.")
    in_title = make_thread(employee, engineering, title="Terraform state locking", body="It hangs sometimes.")
    assert _ids(search_threads(employee, "terraform"))[:2] == [in_title.pk, body_only.pk]


def test_unicode_words_are_searchable(employee, engineering):
    thread = make_thread(employee, engineering, title="Büroschlüssel für Zürich",
                         body="Wer hat den Schlüssel für das Büro in Zürich?")
    make_thread(employee, engineering, title="Rich text editor", body="The rich text editor is broken.")
    assert _ids(search_threads(employee, "Zürich")) == [thread.pk]


def test_limit(employee, engineering):
    for n in range(5):
        make_thread(employee, engineering, title=f"Ansible playbook {n}", body="ansible")
    assert len(search_threads(employee, "ansible", limit=3)) == 3


def test_the_assistants_narrowing_never_widens(employee, secops_member, engineering, general, secret_thread):
    """``within`` (a draft for a thread's audience) and ``exclude_thread`` (the asker's own) only narrow."""
    first = make_thread(employee, engineering, title="Redis eviction", body="maxmemory policy for redis")
    second = make_thread(employee, general, title="Redis at home", body="redis on a raspberry pi")

    def ranked(user, text, **kwargs):
        return [hit.thread.pk for hit in ranking.rank(user, text, **kwargs).threads]

    assert ranked(employee, "redis", within=Category.objects.filter(pk=general.pk)) == [second.pk]
    # Passing every category cannot add what the user may not read.
    assert set(ranked(employee, "redis vault", within=Category.objects.all())) == {first.pk, second.pk}
    assert secret_thread.pk not in ranked(employee, "vault firewall", within=Category.objects.all())
    assert ranked(secops_member, "vault firewall", within=Category.objects.none()) == []
    assert ranked(employee, "redis", exclude_thread=first) == [second.pk]


# One result per thread ------------------------------------------------------------------------


def test_one_result_per_thread_with_its_best_passage(client, employee, other_employee, engineering):
    """Every post of the thread matches (the title is in each passage); the thread is listed once, with
    the passage that matches most as its snippet."""
    thread = make_thread(employee, engineering, title="Rotating PostgreSQL credentials", body="See the runbook.",
                         replies=[(other_employee, "Ask the platform team first."),
                                  (UserFactory(username="carol"), "Rotate the credentials with the pgbouncer "
                                                                  "reload so no pgbouncer client drops."),
                                  (other_employee, "Thanks, that worked.")])
    other = make_thread(other_employee, engineering, title="Pgbouncer pool sizes", body="What pool size for pgbouncer?")
    best = thread.posts.get(body__startswith="Rotate the")

    results = search_threads(employee, "credentials pgbouncer")
    assert _ids(results) == [thread.pk, other.pk]
    assert results[0].passage.post_id == best.pk and results[0].passage.author == "carol"
    assert "pgbouncer reload" in results[0].snippet

    client.force_login(employee)
    assert _page_ids(client.get(SEARCH, {"q": "credentials pgbouncer"})) == [thread.pk, other.pk]
    hits = client_for(employee).get(f"{V1}/search/", {"q": "credentials pgbouncer"}).json()["results"]
    assert [(h["thread"]["id"], h["post"], h["author"], h["role"]) for h in hits] == [
        (thread.pk, best.pk, "carol", "reply"), (other.pk, other.posts.get().pk, "bob", "question")]


def test_the_accepted_answer_is_marked_as_such(client, employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky selenium grid", body="Tests time out.",
                         replies=[(other_employee, "Raise the selenium grid session timeout to 300.")])
    answer = thread.posts.latest("id")
    services.thread_accept_answer(acting_user=employee, thread=thread, post=answer)

    hit, = client_for(employee).get(f"{V1}/search/", {"q": "selenium grid timeout"}).json()["results"]
    assert (hit["post"], hit["role"], hit["is_ai_generated"], hit["disclaimer"]) == (answer.pk, "accepted", False,
                                                                                     None)
    client.force_login(employee)
    assert b"Accepted answer" in client.get(SEARCH, {"q": "selenium grid timeout"}).content


# Visibility ---------------------------------------------------------------------------------


def test_restricted_best_match_is_never_returned_to_outsiders(employee, engineering, secret_thread, secops_member):
    public = make_thread(employee, engineering, title="Vault basics", body="Vault stores secrets.")
    query = "vault firewall rotation runbook"

    assert _ids(search_threads(employee, query)) == [public.pk]
    assert search_threads(employee, "firewall rotation runbook zq7secretstep") == []
    assert _ids(search_threads(secops_member, query)) == [secret_thread.pk, public.pk]


@pytest.mark.parametrize("query", ["vault firewall rotation", "zq7secretstep", SECRET_TITLE])
def test_page_and_api_hide_restricted_threads_from_outsiders(client, employee, secops_member, secret_thread,
                                                             query):
    client.force_login(employee)
    page = client.get(SEARCH, {"q": query})
    assert page.status_code == 200
    assert b"Nothing matched" in page.content
    api = client_for(employee).get(f"{V1}/search/", {"q": query})
    assert api.status_code == 200 and api.json()["results"] == []
    for response in (page, api):
        assert f"/threads/{secret_thread.pk}/".encode() not in response.content
        for private in (SECRET_TITLE, SECRET_BODY, SECRET_REPLY):
            if private != query:  # the page repeats the query itself
                assert private.encode() not in response.content

    client.force_login(secops_member)
    assert _page_ids(client.get(SEARCH, {"q": query}))[0] == secret_thread.pk
    assert _api_ids(client_for(secops_member).get(f"{V1}/search/", {"q": query}))[0] == secret_thread.pk


def test_a_restricted_category_filter_does_not_bypass_policy(client, employee, secops, secret_thread):
    assert search_threads(employee, "vault firewall", category=secops) == []
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "vault firewall", "category": secops.slug})
    assert page.status_code == 404 and SECRET_TITLE.encode() not in page.content
    api = client_for(employee).get(f"{V1}/search/", {"q": "vault firewall", "category": secops.slug})
    error_of(api, 404, "not_found")
    assert SECRET_TITLE.encode() not in api.content


def test_hidden_posts_are_never_returned(client, employee, other_employee, eng_moderator, engineering):
    thread = make_thread(employee, engineering, title="Notes", body="Opening post.",
                         replies=[(other_employee, "Paste your zeppelin token here.")])
    reply = thread.posts.latest("id")
    assert [r.passage.post_id for r in search_threads(employee, "zeppelin")] == [reply.pk]

    services.post_hide(acting_user=eng_moderator, post=reply, reason="credential")

    for user in (employee, other_employee, eng_moderator):  # moderators too: search shows what is on show
        assert search_threads(user, "zeppelin token") == []
        client.force_login(user)
        page = client.get(SEARCH, {"q": "zeppelin token"})
        api = client_for(user).get(f"{V1}/search/", {"q": "zeppelin token"})
        assert page.status_code == 200 and _page_ids(page) == []
        assert _api_ids(api) == []
        for response in (page, api):
            assert b"Paste your zeppelin" not in response.content


def test_anonymous_visitors_find_nothing(client, employee, engineering):
    make_thread(employee, engineering, title="Public kubernetes notes", body="kubernetes")
    assert search_threads(AnonymousUser(), "kubernetes") == []
    assert client.get(SEARCH, {"q": "kubernetes"}).status_code == 302
    error_of(client_for().get(f"{V1}/search/", {"q": "kubernetes"}), 401, "not_authenticated")


# Narrowing ------------------------------------------------------------------------------------


def test_category_narrows(client, employee, engineering, general):
    eng = make_thread(employee, engineering, title="Grafana alerting", body="grafana alert rules")
    gen = make_thread(employee, general, title="Grafana dashboard for coffee", body="grafana and coffee")
    assert _ids(search_threads(employee, "grafana", category=engineering)) == [eng.pk]
    assert _ids(search_threads(employee, "grafana", category=general)) == [gen.pk]
    assert set(_ids(search_threads(employee, "grafana"))) == {eng.pk, gen.pk}

    client.force_login(employee)
    assert _page_ids(client.get(SEARCH, {"q": "grafana", "category": general.slug})) == [gen.pk]
    api = client_for(employee)
    assert _api_ids(api.get(f"{V1}/search/", {"q": "grafana", "category": engineering.slug})) == [eng.pk]
    assert set(_api_ids(api.get(f"{V1}/search/", {"q": "grafana", "category": ""}))) == {eng.pk, gen.pk}


def test_author_narrows_to_their_passages(client, employee, other_employee, engineering):
    alices = make_thread(employee, engineering, title="Helm chart upgrades", body="helm upgrade fails on CRDs")
    bobs = make_thread(other_employee, engineering, title="Helm and ArgoCD", body="argocd syncs the helm release")
    answered = make_thread(employee, engineering, title="Helm values per environment", body="one file each?",
                           replies=[(other_employee, "Use one helm values file per environment.")])

    results = search_threads(employee, "helm", author=other_employee)
    assert set(_ids(results)) == {bobs.pk, answered.pk}
    assert all(r.passage.author == "bob" for r in results)  # the snippet is theirs, not the thread's question
    assert set(_ids(search_threads(employee, "helm", author=employee))) == {alices.pk, answered.pk}

    client.force_login(employee)
    assert set(_page_ids(client.get(SEARCH, {"q": "helm", "author": "bob"}))) == {bobs.pk, answered.pk}
    hits = client_for(employee).get(f"{V1}/search/", {"q": "helm", "author": "bob"}).json()["results"]
    assert {h["thread"]["id"] for h in hits} == {bobs.pk, answered.pk} and {h["author"] for h in hits} == {"bob"}
    # Nobody by that name: nothing, not everything.
    assert _page_ids(client.get(SEARCH, {"q": "helm", "author": "nobody-here"})) == []
    assert _api_ids(client_for(employee).get(f"{V1}/search/", {"q": "helm", "author": "nobody-here"})) == []
    assert alices.pk in _page_ids(client.get(SEARCH, {"q": "helm", "author": ""}))


def test_author_filter_does_not_reveal_restricted_posts(client, employee, secops_member, secret_thread):
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "vault firewall", "author": secops_member.username})
    api = client_for(employee).get(f"{V1}/search/", {"q": "vault firewall", "author": secops_member.username})
    assert _page_ids(page) == [] and _api_ids(api) == []
    assert SECRET_TITLE.encode() not in page.content + api.content


# Hostile and odd queries ------------------------------------------------------------------------

WEIRD_QUERIES = [
    "'", '"', "''", '""', "'kubernetes", 'kubernetes"', '"unterminated phrase',
    "&|!():*", "!!!", "(((", ")))", "a & b | !c", "kubernetes & | ! ( ) : *",
    "'; DROP TABLE forum_post; --", "1' OR '1'='1", "\" OR 1=1 --", "UNION SELECT password FROM auth_user",
    "%", "_", "__", "___init___", "%_%", "\\", "\\'", "\\\\kubernetes", "kubernetes\\", "$$", "$1", "?", "%s",
    "%(name)s", "{}", "[]",
    "é", "Zürich Straße", "東京 サーバー", "кубернетес", "🔥🚀", "ﬁle", "\u200b", "\u202ekubernetes",
    "\x00", "kubernetes\x00ingress", "\t\n\r", "\x01\x02\x1f", "kubernetes\x1bingress", "\x7f\x9f",
    "x" * 5000, ("kubernetes ingress " * 300)[:5000], ("ab" * 2500), "kubernetes " * 40,
    ".,;:-!?", "---", "***", "...", "<>", "<script>alert(1)</script>",
    "NEAR", "NEAR(kubernetes ingress)", "NEAR(kubernetes ingress, 2)", "kubernetes NEAR ingress",
    "AND", "OR", "NOT", "kubernetes AND ingress", "kubernetes OR", "NOT kubernetes", "AND OR NOT",
    "title:kubernetes", "body:ingress", "title:", ":", "{title body}:kubernetes", "- title : x",
    "kube*", "*", "* *", "^kubernetes", "+kubernetes", "-kubernetes", "kubernetes:*", "kubernetes <-> ingress",
    "kubernetes <2> ingress", "'kubernetes':* & !'ingress'", "to_tsquery('x')", "plain:kubernetes",
]


def _web_refuses(query: str) -> bool:
    """The search form's input rules: at most 200 characters, no NUL (other control characters are spaces)."""
    return len(query) > 200 or "\x00" in query


def _api_refuses(query: str) -> bool:
    """The API's input rules: at most 500 characters, no control characters, something besides spaces."""
    return len(query) > 500 or has_control_characters(query) or not query.strip()


@pytest.fixture
def searchable(employee, engineering, secret_thread):
    return make_thread(employee, engineering, title="Kubernetes ingress", body="Kubernetes ingress notes.")


@pytest.fixture
def searchable_among_others(employee, engineering, searchable):
    _filler(employee, engineering, 20)
    return searchable


@pytest.mark.parametrize("query", WEIRD_QUERIES)
def test_weird_queries_never_crash(employee, searchable, query):
    results = search_threads(employee, query)
    assert isinstance(results, list)
    assert all(not r.thread.category.restricted for r in results)


@pytest.mark.parametrize("query", ["title:kubernetes", "NEAR(kubernetes ingress)", "kubernetes AND ingress",
                                   "'kubernetes", "kubernetes OR", "kubernetes:*", "kubernetes\x00ingress",
                                   "kubernetes\\", "'kubernetes':* & !'ingress'", "kubernetes\x1bingress"])
def test_operator_syntax_is_treated_as_words(employee, searchable_among_others, query):
    assert _ids(search_threads(employee, query)) == [searchable_among_others.pk]


@pytest.mark.parametrize("query", WEIRD_QUERIES)
def test_search_page_survives_weird_queries(client, employee, searchable, query):
    client.force_login(employee)
    page = client.get(SEARCH, {"q": query})
    assert page.status_code == (400 if _web_refuses(query) else 200)
    assert SECRET_TITLE.encode() not in page.content
    assert b"<script>alert(1)</script>" not in page.content
    if page.status_code == 400:
        assert b'role="alert"' in page.content  # the form says what is wrong


@pytest.mark.parametrize("query", WEIRD_QUERIES)
def test_search_api_survives_weird_queries(employee, searchable, query):
    response = client_for(employee).get(f"{V1}/search/", {"q": query})
    if _api_refuses(query):
        assert "q" in error_of(response, 400, "invalid")["details"]
    else:
        assert response.status_code == 200, response.content
        assert all(hit["category"]["slug"] == "engineering" for hit in response.json()["results"])
    assert SECRET_TITLE.encode() not in response.content


@pytest.mark.parametrize("params", [{"q": "kubernetes", "page": "abc"}, {"q": "kubernetes", "page": "-1"},
                                    {"q": "kubernetes", "page": "99999999999999999999"},
                                    {"q": "kubernetes", "category": "no such/slug"},
                                    {"q": "kubernetes", "author": "x" * 300}, {"q": ["", "kubernetes"]}])
def test_search_page_survives_odd_parameters(client, employee, searchable, params):
    client.force_login(employee)
    assert client.get(SEARCH, params).status_code in (200, 400)


def test_search_page_requires_login(client):
    response = client.get(SEARCH, {"q": "kubernetes"})
    assert response.status_code == 302 and "/login" in response["Location"]


# Empty query --------------------------------------------------------------------------------------

EMPTY_MESSAGE = b"Type a few words to search for"


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_an_empty_query_says_what_to_do(client, employee, searchable, query):
    client.force_login(employee)
    page = client.get(SEARCH, {"q": query})
    assert page.status_code == 200
    assert EMPTY_MESSAGE in page.content and b"search-hit" not in page.content
    assert "q" in error_of(client_for(employee).get(f"{V1}/search/", {"q": query}), 400, "invalid")["details"]


def test_the_bare_search_page_has_no_message(client, employee):
    client.force_login(employee)
    page = client.get(SEARCH)
    assert page.status_code == 200 and EMPTY_MESSAGE not in page.content
    assert "q" in error_of(client_for(employee).get(f"{V1}/search/"), 400, "invalid")["details"]


# Paging ---------------------------------------------------------------------------------------------


@pytest.fixture
def many_zebras(employee, other_employee, engineering):
    """25 matching threads, more zebra mentions ranking higher."""
    return [make_thread(employee, engineering, title=f"Zebra question {n}", body="zebra " * (n + 1),
                        replies=[(other_employee, f"zebra reply {n}")]) for n in range(25)]


def test_the_search_page_pages_through_results(client, employee, many_zebras):
    client.force_login(employee)
    first = client.get(SEARCH, {"q": "zebra"})
    assert first.context["page"].paginator.count == 25 and b"25 results" in first.content
    second = client.get(SEARCH, {"q": "zebra", "page": 2})
    assert len(_page_ids(first)) == PAGE_SIZE and len(_page_ids(second)) == 25 - PAGE_SIZE
    assert sorted(_page_ids(first) + _page_ids(second)) == sorted(t.pk for t in many_zebras)
    assert b'href="?page=2&amp;q=zebra"' in first.content
    assert b'href="?page=1&amp;q=zebra"' in second.content
    # Out of range or not a number: the nearest page, not an error.
    assert _page_ids(client.get(SEARCH, {"q": "zebra", "page": 9})) == _page_ids(second)
    assert _page_ids(client.get(SEARCH, {"q": "zebra", "page": "x"})) == _page_ids(first)


def test_paging_keeps_the_filters(client, employee, other_employee, many_zebras, engineering):
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "zebra", "category": engineering.slug, "author": "bob"})
    assert len(_page_ids(page)) == PAGE_SIZE
    assert b'href="?page=2&amp;q=zebra&amp;category=engineering&amp;author=bob"' in page.content


def test_the_api_pages_through_results(employee, many_zebras):
    client = client_for(employee)
    first = client.get(f"{V1}/search/", {"q": "zebra"}).json()
    assert first["previous"] is None and len(first["results"]) == 25  # the API's page is 25
    small = client.get(f"{V1}/search/", {"q": "zebra", "page_size": 10}).json()
    assert len(small["results"]) == 10 and small["next"]
    hits = walk(client, f"{V1}/search/?q=zebra&page_size=10")
    assert len(hits) == 25 and {h["thread"]["id"] for h in hits} == {t.pk for t in many_zebras}
    assert [h["thread"]["id"] for h in hits] == [h["thread"]["id"] for h in first["results"]]
    second = client.get(small["next"]).json()
    back = client.get(second["previous"]).json()
    assert [h["post"] for h in back["results"]] == [h["post"] for h in small["results"]]


# Highlighting ----------------------------------------------------------------------------------


def test_highlighting_escapes_html(client, employee, engineering):
    make_thread(employee, engineering, title="Sanitizer check",
                body="The quota page showed `<script>alert('quota')</script>` and <b>bold</b> text.")
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "quota"})
    assert page.status_code == 200
    assert b"<script>alert(" not in page.content
    assert b"&lt;script&gt;alert(&#x27;<mark>quota</mark>&#x27;)&lt;/script&gt;" in page.content
    # The API's snippet is plain text, for a client to escape.
    hit, = client_for(employee).get(f"{V1}/search/", {"q": "quota"}).json()["results"]
    assert "<script>alert('quota')</script>" in hit["snippet"] and "<mark>" not in hit["snippet"]
    assert hit["words"] == ["quota"]


def test_snippet_is_escaped_once(client, employee, engineering):
    make_thread(employee, engineering, title="Comparison", body="Check that limit < quota && quota > 0 holds.")
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "quota"})
    assert b"limit &lt; <mark>quota</mark> &amp;&amp; <mark>quota</mark> &gt; 0" in page.content
    assert b"&amp;lt;" not in page.content


def test_inflections_are_highlighted(client, employee, engineering):
    make_thread(employee, engineering, title="Celery", body="We configured the task to retry three times.")
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "configuring retries"}).content
    assert b"We <mark>configured</mark> the task to <mark>retry</mark> three" in page


def test_the_querys_own_words_are_highlighted(client, employee, engineering):
    make_thread(employee, engineering, title="Celery", body="The task retries three times; each retry waits longer.")
    client.force_login(employee)
    page = client.get(SEARCH, {"q": "retries"}).content
    assert b"The task <mark>retries</mark> three times; each <mark>retry</mark> waits" in page


# AI text in results --------------------------------------------------------------------------------

AI_MARKER = "wombat3signal"


@pytest.fixture
def published_ai(employee, engineering, eng_moderator):
    """A published AI answer in Engineering whose text (quoting Dana's reply) carries AI_MARKER; its thread's
    title says "growth" (for the query counts)."""
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator], extra=f" ({AI_MARKER})",
                      title="How should celery retries back off during growth?")
    return Post.objects.get(thread=answer.thread, kind=Post.Kind.ASSISTANT)


def test_ai_text_on_the_page_carries_the_disclaimer_and_is_recorded_as_viewed(client, other_employee,
                                                                              published_ai):
    assert not PostViewReceipt.objects.filter(post=published_ai, user=other_employee).exists()
    client.force_login(other_employee)
    page = client.get(SEARCH, {"q": AI_MARKER})
    assert published_ai.thread_id in _page_ids(page)
    result = next(r for r in page.context["page"].object_list if r.thread.pk == published_ai.thread_id)
    assert result.is_ai_generated and result.passage.post_id == published_ai.pk
    body = page.content.decode()
    assert "AI-generated</span>" in body and disclaimers.PUBLISHED in body
    assert body.count(disclaimers.PUBLISHED) == 1  # the human reply that also matches carries none
    assert PostViewReceipt.objects.filter(post=published_ai, user=other_employee).exists()


def test_ai_text_in_the_api_carries_the_disclaimer_and_is_recorded_as_viewed(other_employee, published_ai):
    hits = client_for(other_employee).get(f"{V1}/search/", {"q": AI_MARKER}).json()["results"]
    ai = [h for h in hits if h["is_ai_generated"]]
    assert [(h["post"], h["role"], h["disclaimer"]) for h in ai] == [(published_ai.pk, "ai", disclaimers.PUBLISHED)]
    assert all(h["disclaimer"] is None for h in hits if not h["is_ai_generated"])
    assert PostViewReceipt.objects.filter(post=published_ai, user=other_employee).exists()


def test_ai_text_is_recorded_as_viewed_only_by_the_api_page_that_shows_it(other_employee, engineering,
                                                                          published_ai):
    """The cursor reads one row past the page (is there a next page?): that row is not shown, so not viewed."""
    make_thread(UserFactory(username="carol"), engineering, title=f"{AI_MARKER} {AI_MARKER} notes",
                body=f"All about {AI_MARKER}: " + f"{AI_MARKER} " * 5)
    probe = client_for(UserFactory(username="zed")).get(f"{V1}/search/", {"q": AI_MARKER}).json()["results"]
    position = next(n for n, hit in enumerate(probe) if hit["is_ai_generated"])
    assert position >= 1  # carol's thread outranks it
    client = client_for(other_employee)
    first = client.get(f"{V1}/search/", {"q": AI_MARKER, "page_size": position}).json()
    assert not any(hit["is_ai_generated"] for hit in first["results"]) and first["next"]
    assert not PostViewReceipt.objects.filter(post=published_ai, user=other_employee).exists()
    second = client.get(first["next"]).json()
    assert second["results"][0]["post"] == published_ai.pk
    assert PostViewReceipt.objects.filter(post=published_ai, user=other_employee).exists()


# Query counts -------------------------------------------------------------------------------------


def _grow(n, start, *, engineering, general):
    """n more matching threads, alternately in two categories, each asked and answered by new people."""
    for i in range(start, start + n):
        asker, replier = UserFactory(username=f"asker{i}"), UserFactory(username=f"replier{i}")
        make_thread(asker, engineering if i % 2 else general, title=f"Growth thread {i}",
                    body=f"growth body {i}", replies=[(replier, f"growth reply {i}")])


# Per request: the session and its user (web) or the token and its user (API); the query's words with
# their document frequencies; the candidate passages (one ranked query; on SQLite the FTS5 ranking, then
# the readable ones among them); their threads with categories; the passages of those threads; the shown
# passages' authors and times; the AI posts shown; their answers' labels (round 43: the high-risk banner and
# confirmed-claims notice the thread page shows beside the same text); their view receipts (one INSERT). The
# page adds the unread-notice count and the categories for its filter, and the header's review desk (whether
# the reader reviews, how much awaits).
PAGE_QUERIES = 13
API_QUERIES = 9


@pytest.mark.parametrize(("kind", "queries"), [("page", PAGE_QUERIES), ("api", API_QUERIES)])
def test_query_counts_do_not_grow_with_threads_or_posts(client, django_assert_num_queries, kind, queries,
                                                        other_employee, engineering, general, published_ai):
    queries += connection.vendor == "sqlite"
    client.force_login(other_employee)
    api = client_for(other_employee)
    params = {"q": f"growth {AI_MARKER}"}
    started = 0
    for added in (3, 27):  # 3 matching threads, then 30
        _grow(added, started, engineering=engineering, general=general)
        started += added
        with django_assert_num_queries(queries):
            if kind == "page":
                response = client.get(SEARCH, params)
            else:
                response = api.get(f"{V1}/search/", {**params, "page_size": 100})
        assert response.status_code == 200
        shown = _page_ids(response) if kind == "page" else _api_ids(response)
        assert published_ai.thread_id in shown  # the AI answer is on show (and recorded) both times
        assert len(shown) == (min(started + 2, PAGE_SIZE) if kind == "page" else started + 2)


# The candidate match in a large index (bench/README.md, round 4): each statement within its row budget.

def _word(text, share, total=1_000_000, questions=100_000):
    return ranking.Word(text, text, text, share, ranking._idf(share, total), total, questions)


def test_a_large_index_selects_the_rare_words_within_each_budget():
    rare, rarer, common = _word("pgbackrest", 0.003), _word("wal", 0.0004), _word("set", 0.6)
    # Questions: 100k of the 1M passages; both rare words fit the question budget together.
    chosen, mode = ranking._selective([common, rare, rarer], part=0.1, budget=ranking.QUESTION_ROWS)
    assert [w.text for w in chosen] == ["wal", "pgbackrest"] and mode == "or"
    # Answers (900k passages): only the rarest fits.
    chosen, _ = ranking._selective([common, rare, rarer], part=0.9, budget=ranking.CANDIDATE_ROWS,
                                   conjunction=False)
    assert [w.text for w in chosen] == ["wal"]


def test_common_words_fall_back_within_the_budget_or_match_nothing():
    vacuum, postgres, config = _word("vacuum", 0.05), _word("postgres", 0.06), _word("config", 0.44)
    # No single word fits; the two rarest together, taken as independent, do.
    assert ranking._selective([config, postgres, vacuum], part=0.1, budget=2500) == ([vacuum, postgres], "and")
    # One word, too common for the budget but within four: alone.
    assert ranking._selective([_word("vacuum", 0.02)], part=0.1, budget=2500)[0][0].text == "vacuum"
    # One word in 44 % of the index tells no thread apart: no lexical candidates at all.
    assert ranking._selective([config], part=0.1, budget=2500) == ([], "or")
    # Answers never fall back: the threads their questions propose bring them.
    assert ranking._selective([config, postgres, vacuum], part=0.9, budget=2500, conjunction=False) == ([], "or")
    # A small index keeps every word.
    small = [_word("config", 0.44, total=5_000)]
    assert ranking._selective(small, part=0.1, budget=2500) == (small, "or")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_postgres_connections_do_not_jit_compile_the_ranking():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the large-index candidate statements are PostgreSQL's")
def test_a_large_index_takes_the_threads_each_part_proposes_in_turn(monkeypatch, employee, other_employee,
                                                                     engineering):
    """The question part and the answer part propose threads in turn, a question's first: merged by raw
    rank, long answer passages (higher ts_rank) filled every place and a thread proposed by its own
    question was cut (bench/retrieval_large.py)."""
    monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)  # this small index takes the large-index path
    asked = make_thread(employee, engineering, title="Rotating a key", body="How do we rotate the zebrafrob?")
    wordy = [make_thread(employee, engineering, title=f"Unrelated {n}", body="Something else entirely.",
                         replies=[(other_employee, "zebrafrob " * 40 + f"answer {n}")]) for n in range(3)]
    words = ranking._word_statistics(["zebrafrob"], ranking.readable_passages(employee))
    rows = ranking._lexical_candidates(ranking.readable_passages(employee), words)
    threads = list(dict.fromkeys(thread_id for _, thread_id, _ in rows))
    assert threads[0] == asked.pk  # first, though every answer passage outranks its question
    assert set(threads) == {asked.pk, *(t.pk for t in wordy)}
    by_rank = sorted(rows, key=lambda row: -row[2])
    assert by_rank[0][1] != asked.pk  # (by raw rank it would not be)


def test_the_category_filter_offers_readable_categories_escaped(client, employee, admin_user, secops, engineering):
    make_category(admin_user, 'Ops <b>"&\' R&D')
    client.force_login(employee)
    html = client.get(SEARCH).content.decode()
    assert '<option value="ops-b-rd">Ops &lt;b&gt;&quot;&amp;&#x27; R&amp;D</option>' in html
    assert f'<option value="{engineering.slug}">Engineering</option>' in html
    assert secops.slug not in html  # a restricted category the reader may not read is not offered
    selected = client.get(SEARCH, {"q": "anything", "category": engineering.slug}).content.decode()
    assert f'<option value="{engineering.slug}" selected>Engineering</option>' in selected


@pytest.mark.parametrize("ids, text", [([], "{}"), ([3, 1, 2], "{3,1,2}"), ({7}, "{7}"), (["12"], "{12}")])
def test_id_arrays_are_digits_only(ids, text):
    assert ranking.id_array(ids) == text


@pytest.mark.parametrize("bad", [["1}"], ["1,2"], ["1); DROP TABLE forum_post; --"], [None], [1.5j]])
def test_id_arrays_refuse_anything_but_integers(bad):
    with pytest.raises((TypeError, ValueError)):
        ranking.id_array(bad)
